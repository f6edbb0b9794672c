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
    created_at: datetime = created_at()


class InboundWebhookEvent(SQLModel, table=True):
    """Every processor event stored once by its id before any work happens."""

    __tablename__ = "inbound_webhook_events"
    __table_args__ = (UniqueConstraint("processor", "event_id"), Index(None, "tenant_id", "received_at"))

    id: int | None = id_field()
    tenant_id: int | None = fk("tenants.id", nullable=True, ondelete="SET NULL")
    processor: PaymentProcessor = Field(sa_type=enum_type(PaymentProcessor))
    event_id: str = Field(max_length=255)
    event_type: str = Field(max_length=100)
    payload_sha256: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result: WebhookResult = Field(default=WebhookResult.PENDING, sa_type=enum_type(WebhookResult))
    error: str = Field(default="")
    received_at: datetime = created_at()
    processed_at: datetime | None = timestamp()
