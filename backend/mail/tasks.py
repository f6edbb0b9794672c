"""The mail delivery coordinator: one unit per due delivery, so each mail is its own job and
transaction (a crash while sending one never resends another)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.integrations.mail import mailer_for
from backend.integrations.storage import DocumentStore
from backend.kit.coordination import Coordinator
from backend.kit.repository import TenantScope
from backend.mail.sending import Transport, due_deliveries, send_delivery
from backend.settings import get_settings

UNIT_PREFIX = "delivery:"


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
