"""Transactional email (SPEC §7): templates, queued deliveries, sending with retries, the record
of every delivery. Callers in other domains queue a `MailRequest`; nothing here knows invoices or
subscriptions beyond the context a caller passes (the keys each kind needs: schemas.CONTEXT_KEYS)."""

from backend.mail.schemas import CONTEXT_KEYS, MailAttachment, MailKind, MailRequest, MailStatus
from backend.mail.service import already_queued, queue_mail
from backend.models.mail import MailDelivery

__all__ = [
    "CONTEXT_KEYS",
    "MailAttachment",
    "MailDelivery",
    "MailKind",
    "MailRequest",
    "MailStatus",
    "already_queued",
    "queue_mail",
]
