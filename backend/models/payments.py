"""Payments, refunds and inbound webhook events from payment processors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, money, tenant_fk, timestamp
from backend.models.enums import PaymentProcessor, PaymentStatus, RefundStatus, WebhookResult
from backend.models.types import enum_type


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        UniqueConstraint("processor", "external_id"),
        Index(None, "tenant_id", "invoice_id"),
        # Revenue analytics: card volume of a currency by day, read from the index alone.
        Index(
            "ix_payments_revenue",
            "tenant_id",
            "currency",
            "succeeded_at",
            postgresql_include=["amount", "status"],
        ),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    invoice_id: int | None = fk("invoices.id", nullable=True)
    customer_account_id: int = fk("customer_accounts.id")
    processor: PaymentProcessor = Field(sa_type=enum_type(PaymentProcessor))
    # Null until the processor names the payment (a Checkout Session or PaymentIntent id).
    external_id: str | None = Field(default=None, max_length=255)
    idempotency_key: str = Field(max_length=255)
    amount: Decimal = money()
    currency: str = Field(default="EUR", max_length=3)
    status: PaymentStatus = Field(default=PaymentStatus.PENDING, sa_type=enum_type(PaymentStatus))
    attempt: int = 1
    # How it was paid: "checkout" (the customer's Pay), "off_session" (auto-billing), "manual" (an
    # admin recorded a bank transfer), "payment_link" (an ad-hoc invoice's public page).
    kind: str = Field(default="checkout", max_length=20)
    # The PaymentIntent behind a Checkout Session or an off-session charge, once the processor names it.
    payment_intent_ref: str | None = Field(default=None, max_length=255, index=True)
    charge_ref: str | None = Field(default=None, max_length=255)
    checkout_url: str = Field(default="")
    checkout_expires_at: datetime | None = timestamp()
    refunded_amount: Decimal = money()
    failure_code: str = Field(default="", max_length=100)
    # A manual payment's reference (the bank transfer's), or who recorded it.
    note: str = Field(default="")
    failure_reason: str = Field(default="")
    succeeded_at: datetime | None = timestamp()
    created_at: datetime = created_at()


class Refund(SQLModel, table=True):
    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    payment_id: int = fk("payments.id", index=True)
    credit_note_id: int | None = fk("credit_notes.id", nullable=True)
    external_id: str | None = Field(default=None, max_length=255)
    idempotency_key: str = Field(max_length=255)
    amount: Decimal = money()
    currency: str = Field(default="EUR", max_length=3)
    status: RefundStatus = Field(default=RefundStatus.PENDING, sa_type=enum_type(RefundStatus))
    reason: str = Field(default="")
    # "admin" (refunded from the console) or "processor" (started in the Stripe dashboard).
    origin: str = Field(default="admin", max_length=20)
    created_at: datetime = created_at()


class InboundWebhookEvent(SQLModel, table=True):
    """Every processor event stored once by its id before any work happens."""

    __tablename__ = "inbound_webhook_events"
    __table_args__ = (
        UniqueConstraint("processor", "event_id"),
        Index(None, "tenant_id", "received_at"),
        Index(None, "tenant_id", "result", "id"),
    )

    id: int | None = id_field()
    # At receipt: the door's tenant, else the tenant the event names (its metadata, or the payment of
    # its payment intent), unverified; handling routes the event and corrects it (webhooks.py).
    tenant_id: int | None = fk("tenants.id", nullable=True, ondelete="SET NULL")
    # Received through a tenant's own door (/api/webhooks/stripe/{tenant}), verified with its secret.
    via_tenant_endpoint: bool = Field(default=False)
    processor: PaymentProcessor = Field(sa_type=enum_type(PaymentProcessor))
    event_id: str = Field(max_length=255)
    event_type: str = Field(max_length=100)
    payload_sha256: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result: WebhookResult = Field(default=WebhookResult.PENDING, sa_type=enum_type(WebhookResult))
    error: str = Field(default="")
    received_at: datetime = created_at()
    processed_at: datetime | None = timestamp()


class ProcessorAccount(SQLModel, table=True):
    """A tenant's own processor account (its Stripe keys), encrypted with backend.crypto and never
    shown again once saved. Without one the deployment's keys apply; without those, manual."""

    __tablename__ = "processor_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "processor"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    processor: PaymentProcessor = Field(sa_type=enum_type(PaymentProcessor))
    secret_key_encrypted: str = Field(default="")
    webhook_secret_encrypted: str = Field(default="")
    publishable_key: str = Field(default="", max_length=255)
    updated_at: datetime = created_at()


class Dispute(SQLModel, table=True):
    """A chargeback the processor reported (charge.dispute.created / closed)."""

    __tablename__ = "disputes"
    __table_args__ = (UniqueConstraint("processor", "external_id"), Index(None, "tenant_id", "status"))

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    processor: PaymentProcessor = Field(sa_type=enum_type(PaymentProcessor))
    external_id: str = Field(max_length=255)
    payment_id: int | None = fk("payments.id", nullable=True)
    invoice_id: int | None = fk("invoices.id", nullable=True)
    charge_ref: str = Field(default="", max_length=255)
    amount: Decimal = money()
    currency: str = Field(default="EUR", max_length=3)
    reason: str = Field(default="", max_length=100)
    # The processor's status: needs_response, under_review, won, lost, ...
    status: str = Field(default="needs_response", max_length=40)
    opened_at: datetime = created_at()
    closed_at: datetime | None = timestamp()


class Payout(SQLModel, table=True):
    """Money the processor sent to (or failed to send to) the tenant's bank account."""

    __tablename__ = "payouts"
    __table_args__ = (UniqueConstraint("processor", "external_id"), Index(None, "tenant_id", "arrival_at"))

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    processor: PaymentProcessor = Field(sa_type=enum_type(PaymentProcessor))
    external_id: str = Field(max_length=255)
    amount: Decimal = money()
    currency: str = Field(default="EUR", max_length=3)
    status: str = Field(default="pending", max_length=40)  # paid, failed, ...
    failure_message: str = Field(default="")
    arrival_at: datetime | None = timestamp()
    created_at: datetime = created_at()


class BalanceTransaction(SQLModel, table=True):
    """One movement of the processor balance (a charge, refund, fee, payout) for the finance views."""

    __tablename__ = "balance_transactions"
    __table_args__ = (UniqueConstraint("processor", "external_id"), Index(None, "tenant_id", "occurred_at"))

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    processor: PaymentProcessor = Field(sa_type=enum_type(PaymentProcessor))
    external_id: str = Field(max_length=255)
    type: str = Field(max_length=40)  # charge, refund, payout, adjustment, ...
    source_ref: str = Field(default="", max_length=255)
    amount: Decimal = money()
    fee: Decimal = money()
    net: Decimal = money()
    currency: str = Field(default="EUR", max_length=3)
    occurred_at: datetime = created_at()


class PaymentLink(SQLModel, table=True):
    """A tokenized public link that pays one invoice without sign-in; only the token's hash is kept."""

    __tablename__ = "payment_links"
    __table_args__ = (UniqueConstraint("token_sha256"), Index(None, "tenant_id", "invoice_id"))

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    invoice_id: int = fk("invoices.id", ondelete="CASCADE")
    token_sha256: str = Field(max_length=64)
    email: str = Field(default="", max_length=254)
    expires_at: datetime = created_at()
    created_by_user_id: int | None = fk("users.id", nullable=True, ondelete="SET NULL")
    revoked_at: datetime | None = timestamp()
    created_at: datetime = created_at()
