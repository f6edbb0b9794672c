"""Every email the product sends, as a delivery row: what was asked, how sending went (SPEC §7)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, tenant_fk, timestamp
from backend.models.types import enum_type


class MailKind(StrEnum):
    """Which template a delivery uses; callers pass the context the template names."""

    INVOICE_ISSUED = "invoice_issued"
    CREDIT_NOTE = "credit_note"
    PAYMENT_REMINDER = "payment_reminder"
    RENEWAL_REMINDER = "renewal_reminder"
    SUBSCRIPTION_CREATED = "subscription_created"
    CANCELLATION_SCHEDULED = "cancellation_scheduled"
    SUBSCRIPTION_CANCELED = "subscription_canceled"
    CONFIRM_EMAIL = "confirm_email"
    ACCOUNT_EXISTS = "account_exists"
    PASSWORD_RESET = "password_reset"
    MEMBER_INVITATION = "member_invitation"
    PAYMENT_LINK = "payment_link"
    AUTO_PAYMENT_FAILED = "auto_payment_failed"


class MailStatus(StrEnum):
    """queued: waits for its (next) attempt; sending: claimed by the sending job's transaction;
    sent: the server accepted it; failed: gave up after the last attempt."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class MailDelivery(SQLModel, table=True):
    """One email to one address. The Message-ID is fixed when it is queued, so a resend after a
    worker died between the server's acceptance and the commit carries the same id."""

    __tablename__ = "mail_deliveries"
    __table_args__ = (
        # Same dedupe key twice is one delivery (a renewal reminder per period, an invoice mail).
        UniqueConstraint("tenant_id", "dedupe_key"),
        # The sending job's query: queued deliveries whose next attempt is due.
        Index(None, "tenant_id", "status", "next_attempt_at"),
        # The admin customer page: a customer's deliveries, newest first.
        Index(None, "tenant_id", "customer_account_id", "id"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    customer_account_id: int | None = fk("customer_accounts.id", nullable=True, ondelete="SET NULL")
    to: str = Field(sa_column=Column(String(254), nullable=False))
    kind: MailKind = Field(sa_column=Column(enum_type(MailKind), nullable=False))
    subject: str = Field(sa_column=Column(String(300), nullable=False))
    language: str = Field(sa_column=Column(String(2), nullable=False))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attachments: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    dedupe_key: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    status: MailStatus = Field(
        default=MailStatus.QUEUED, sa_column=Column(enum_type(MailStatus), nullable=False)
    )
    attempts: int = Field(default=0)
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False))
    message_id: str = Field(sa_column=Column(String(300), nullable=False))
    next_attempt_at: datetime | None = timestamp()
    created_at: datetime = created_at()
    sent_at: datetime | None = timestamp()
