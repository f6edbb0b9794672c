"""What other domains hand the mail domain, and the context each kind of mail needs.

A caller builds a `MailRequest` with a `MailKind` and a JSON-able context; the templates
(backend/mail/templates/<language>/<kind>.{subject,txt,html}.j2) render it in the recipient's
language. Amounts travel as Decimal strings with their currency, dates as ISO dates
("2026-12-21"): the templates format both for the language (Babel), so no caller formats money.
A `link` given as a path ("/invoices/INV-2026-00001") points into the tenant's own console.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.models.mail import MailKind, MailStatus

__all__ = ["CONTEXT_KEYS", "DeliveryView", "MailAttachment", "MailKind", "MailRequest", "MailStatus"]

_CUSTOMER = ("customer_name", "link")
# The keys each kind's templates need (more keys are allowed and ignored). queue_mail refuses a
# request missing one, in the caller's transaction, instead of a job failing later.
CONTEXT_KEYS: Mapping[MailKind, tuple[str, ...]] = {
    MailKind.INVOICE_ISSUED: (*_CUSTOMER, "invoice_number", "issue_date", "due_date", "total", "currency"),
    MailKind.CREDIT_NOTE: (
        *_CUSTOMER,
        "credit_note_number",
        "invoice_number",
        "issue_date",
        "total",
        "currency",
    ),
    # Optional: "final" (true on the last step) adds the last-reminder sentence.
    MailKind.PAYMENT_REMINDER: (
        *_CUSTOMER,
        "invoice_number",
        "balance",
        "currency",
        "due_date",
        "step",
        "days_overdue",
    ),
    MailKind.RENEWAL_REMINDER: (*_CUSTOMER, "subscription_number", "plan_name", "renewal_date"),
    MailKind.SUBSCRIPTION_CREATED: (*_CUSTOMER, "subscription_number", "plan_name", "start_date"),
    MailKind.CANCELLATION_SCHEDULED: (*_CUSTOMER, "subscription_number", "plan_name", "effective_date"),
    MailKind.SUBSCRIPTION_CANCELED: (*_CUSTOMER, "subscription_number", "plan_name", "effective_date"),
    MailKind.CONFIRM_EMAIL: ("code", "link"),
    MailKind.ACCOUNT_EXISTS: ("link",),
    MailKind.PASSWORD_RESET: ("token", "link"),
    MailKind.MEMBER_INVITATION: ("account_name", "account_number", "role", "link"),
    # An ad-hoc invoice's public page (backend/payments/links.py); "link" holds the token.
    MailKind.PAYMENT_LINK: (*_CUSTOMER, "invoice_number", "total", "currency", "due_date", "expires_date"),
    # A declined automatic charge (backend/payments/auto_billing.py). "reason" is the processor's
    # failure code, put in words by the templates; "next_attempt_date" is "" after the last attempt.
    MailKind.AUTO_PAYMENT_FAILED: (
        *_CUSTOMER,
        "invoice_number",
        "amount",
        "currency",
        "reason",
        "next_attempt_date",
    ),
}

# Context keys that carry a secret (a code, a token, a link holding one): kept out of the
# delivery record, whose context stays readable for admins.
SECRET_KEYS = frozenset({"code", "token"})
SECRET_LINK_KINDS = frozenset({MailKind.PASSWORD_RESET, MailKind.MEMBER_INVITATION, MailKind.PAYMENT_LINK})


@dataclass(frozen=True)
class MailAttachment:
    filename: str  # as the recipient sees it: "INV-2026-00001.pdf"
    content_type: str  # "application/pdf"
    document_key: str  # a DocumentStore key, read when the mail is sent


@dataclass(frozen=True)
class MailRequest:
    kind: MailKind
    to: str
    customer_id: int | None  # the customer account the mail is about (shown on its admin page)
    context: Mapping[str, Any]
    attachments: tuple[MailAttachment, ...] = ()
    dedupe_key: str | None = None  # the same key twice (per tenant) is one delivery
    language: str | None = None  # "de" or "en" when the caller knows it; else chosen from the customer


@dataclass(frozen=True, slots=True)
class DeliveryView:
    """One delivery as the admin customer page lists it."""

    id: int
    to: str
    kind: str
    subject: str
    status: str
    attempts: int
    last_error: str
    message_id: str
    created_at: datetime
    sent_at: datetime | None
