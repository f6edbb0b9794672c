"""The mail delivery coordinator: one unit per due delivery, so each mail is its own job and
transaction (a crash while sending one never resends another); and the account mails a request
sends right after it committed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.db import unit_of_work
from backend.integrations.mail import MailBatch, mailer_for
from backend.integrations.storage import DocumentStore
from backend.kit.coordination import Coordinator
from backend.kit.repository import TenantScope
from backend.mail.sending import Transport, due_deliveries, send_delivery
from backend.mail.service import settle_account_mails
from backend.settings import Settings, get_settings

UNIT_PREFIX = "delivery:"


def send_account_mails(batch: MailBatch, settings: Settings | None = None) -> None:
    """After the caller committed: send the batch's account mails now (the person waits for the
    code) and record how each went, in a unit of work of its own. A failure is raised after it
    was recorded."""
    settings = settings or get_settings()
    try:
        batch.send_all(mailer_for(settings))
    finally:
        if batch.receipts:
            with unit_of_work() as session:
                settle_account_mails(session, batch.receipts, batch.outcomes)
            batch.receipts.clear()


def transport_from_settings() -> Transport:
    """SMTP when SMTP_HOST is set, else the .eml outbox in MAIL_DIR; attachments from the document
    store (DOCUMENT_STORAGE_PATH)."""
    settings = get_settings()
    return Transport(
        mailer=mailer_for(settings),
        store=DocumentStore(settings.document_storage_path),
        retry_delays=settings.mail_retry_delays,
    )


def find_delivery_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return [f"{UNIT_PREFIX}{delivery_id}" for delivery_id in due_deliveries(session, scope, now)]


def run_delivery_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Send one delivery if it is still due; 0 when it was sent, failed or not due (a second run)."""
    if not key.startswith(UNIT_PREFIX) or not key.removeprefix(UNIT_PREFIX).isdigit():
        raise ValueError(f"not a mail delivery unit key: {key!r}")
    delivery_id = int(key.removeprefix(UNIT_PREFIX))
    return int(send_delivery(session, scope, delivery_id, now, transport_from_settings()))


MAIL_DELIVERY = Coordinator(
    name="mail_delivery",
    queue="mail",
    description="Send queued emails; retry refused ones after their backoff",
    find_units=find_delivery_units,
    run_unit=run_delivery_unit,
    interval_seconds=15,
)
