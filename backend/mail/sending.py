"""Sending queued deliveries: each at most once, with backoff between attempts (SPEC §7, §9).

A delivery is claimed (queued → sending) by an UPDATE that holds its row until the sending
transaction ends, so a second job for the same delivery waits and then skips it. If the worker
dies after the server accepted the mail but before the commit, the claim rolls back and the mail
is sent again with the same Message-ID, which a recipient's client shows as one message.

A refused attempt is recorded (attempts, last error) and queued again after the next delay of
MAIL_RETRY_INTERVALS; after the last one the delivery is `failed` and stays so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from backend.integrations.mail import Attachment, Mailer, Message
from backend.integrations.storage import DocumentStore
from backend.kit.repository import TenantScope
from backend.mail.rendering import render_mail
from backend.mail.repository import MailDeliveryRepository
from backend.mail.service import mail_brand, mail_sender
from backend.models import MailDelivery, MailStatus

log = logging.getLogger(__name__)

ERROR_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class Transport:
    """Where mail goes and where attachments come from (SMTP or the .eml outbox; the document store)."""

    mailer: Mailer
    store: DocumentStore
    retry_delays: Sequence[int]  # seconds before attempt 2, 3, ...

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays) + 1


def due_deliveries(session: Session, scope: TenantScope, now: datetime, limit: int = 500) -> list[int]:
    return MailDeliveryRepository(session, scope).due_ids(now, limit=limit)


def send_delivery(
    session: Session, scope: TenantScope, delivery_id: int, now: datetime, transport: Transport
) -> bool:
    """Make one attempt at a due queued delivery; True when the server accepted it. A delivery that
    is sent, failed, claimed by another job or not yet due is left alone (False)."""
    deliveries = MailDeliveryRepository(session, scope)
    delivery = deliveries.claim(delivery_id, now)
    if delivery is None:
        return False
    delivery.attempts += 1
    try:
        delivery.message_id = transport.mailer.send(_message(session, scope, delivery, transport.store))
    # Whatever went wrong with this one mail (server, network, a missing attachment) is recorded
    # on it and retried later; the job and the other deliveries go on.
    except Exception as error:
        _record_failure(delivery, error, now, transport)
        session.add(delivery)
        session.flush()
        return False
    delivery.status = MailStatus.SENT
    delivery.sent_at = now
    delivery.next_attempt_at = None
    session.add(delivery)
    session.flush()
    return True


def _message(session: Session, scope: TenantScope, delivery: MailDelivery, store: DocumentStore) -> Message:
    rendered = render_mail(delivery.kind, delivery.language, delivery.context, mail_brand(session, scope))
    attachments = tuple(
        Attachment(a["filename"], a["content_type"], store.read(a["document_key"]))
        for a in delivery.attachments
    )
    from_name, from_address = mail_sender(session, scope)
    return Message(
        to=delivery.to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=attachments,
        message_id=delivery.message_id,
        from_name=from_name,
        from_address=from_address,
    )


def _record_failure(delivery: MailDelivery, error: Exception, now: datetime, transport: Transport) -> None:
    delivery.last_error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    if delivery.attempts >= transport.max_attempts:
        delivery.status = MailStatus.FAILED
        delivery.next_attempt_at = None
        log.warning("mail delivery %s failed for good after %d attempts", delivery.id, delivery.attempts)
        return
    delivery.status = MailStatus.QUEUED
    delivery.next_attempt_at = now + timedelta(seconds=transport.retry_delays[delivery.attempts - 1])
    log.info(
        "mail delivery %s attempt %d failed; next at %s",
        delivery.id,
        delivery.attempts,
        delivery.next_attempt_at,
    )
