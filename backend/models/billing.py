"""Charges, invoices, credit notes and the gapless document number sequences."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Numeric, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, money, tenant_fk, timestamp
from backend.models.enums import DocumentKind, InvoiceStatus, TaxCategory, TaxMode
from backend.models.types import enum_type

_UNBILLED = text("invoice_id IS NULL")


class OpenPosition(SQLModel, table=True):
    """An unbilled charge. Its source reference makes every charge idempotent."""

    __tablename__ = "open_positions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source_ref"),
        # The invoice run's query: unbilled positions of a customer.
        Index(
            "ix_open_positions_unbilled",
            "tenant_id",
            "customer_account_id",
            postgresql_where=_UNBILLED,
            sqlite_where=_UNBILLED,
        ),
        Index(None, "invoice_id"),
        Index(None, "subscription_id"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    customer_account_id: int = fk("customer_accounts.id")
    subscription_id: int | None = fk("subscriptions.id", nullable=True)
    source_ref: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(max_length=500)
    period_start: datetime | None = timestamp()
    period_end: datetime | None = timestamp()
    quantity: Decimal = Field(default=Decimal(1), sa_column=Column(Numeric(18, 6), nullable=False))
    unit_price: Decimal = money()
    amount: Decimal = money()
    currency: str = Field(default="EUR", max_length=3)
    tax_category: TaxCategory = Field(default=TaxCategory.STANDARD, sa_type=enum_type(TaxCategory))
    invoice_id: int | None = fk("invoices.id", nullable=True)
    created_at: datetime = created_at()


class Invoice(SQLModel, table=True):
    __tablename__ = "invoices"
    __table_args__ = (
        # Numbers are assigned at issue, so drafts have none; issued numbers are unique per tenant.
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "customer_account_id", "status"),
        Index(None, "tenant_id", "status", "due_at"),
        Index(None, "tenant_id", "next_payment_attempt_at"),
        Index(None, "tenant_id", "issued_at"),
        # Revenue analytics: turnover of a currency by day of issue, read from the index alone.
        Index(
            "ix_invoices_revenue",
            "tenant_id",
            "currency",
            "issued_at",
            postgresql_include=["status", "net", "gross", "buyer_country", "tax_mode"],
        ),
        CheckConstraint("net + tax = gross", name="totals_add_up"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    number: str | None = Field(default=None, max_length=40)
    customer_account_id: int = fk("customer_accounts.id")
    status: InvoiceStatus = Field(default=InvoiceStatus.DRAFT, sa_type=enum_type(InvoiceStatus))
    currency: str = Field(default="EUR", max_length=3)
    net: Decimal = money()
    tax: Decimal = money()
    gross: Decimal = money()
    balance_due: Decimal = money()
    tax_mode: TaxMode = Field(default=TaxMode.DOMESTIC, sa_type=enum_type(TaxMode))
    tax_country: str = Field(default="", max_length=2)
    # Where the buyer is, for the OSS threshold (cross-border EU consumer sales).
    buyer_country: str = Field(default="", max_length=2)
    buyer_vat_id: str = Field(default="", max_length=32)
    tax_note: str = Field(default="")
    # Buyer and issuer identity as they were at issue (issued invoices never change).
    buyer_snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    issuer_snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    issued_at: datetime | None = timestamp()
    due_at: datetime | None = timestamp()
    paid_at: datetime | None = timestamp()
    voided_at: datetime | None = timestamp()
    overdue_at: datetime | None = timestamp()
    dunning_level: int = 0
    last_reminder_at: datetime | None = timestamp()
    # Auto-billing: how many off-session charges were tried, and when the next one is due (null: none
    # scheduled). The auto-payment coordinator reads the index on (tenant_id, next_payment_attempt_at).
    payment_attempts: int = 0
    next_payment_attempt_at: datetime | None = timestamp()
    pdf_storage_key: str = Field(default="", max_length=300)
    pdf_sha256: str = Field(default="", max_length=64)
    created_at: datetime = created_at()


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        UniqueConstraint("invoice_id", "position"),
        CheckConstraint("net + tax = gross", name="line_adds_up"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    invoice_id: int = fk("invoices.id", ondelete="CASCADE")
    position: int
    open_position_id: int | None = fk("open_positions.id", nullable=True)
    description: str = Field(max_length=500)
    period_start: datetime | None = timestamp()
    period_end: datetime | None = timestamp()
    quantity: Decimal = Field(default=Decimal(1), sa_column=Column(Numeric(18, 6), nullable=False))
    unit_price: Decimal = money()
    tax_category: TaxCategory = Field(default=TaxCategory.STANDARD, sa_type=enum_type(TaxCategory))
    tax_rate: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(7, 4), nullable=False))
    net: Decimal = money()
    tax: Decimal = money()
    gross: Decimal = money()


class CreditNote(SQLModel, table=True):
    """A correction of an issued invoice (`INV-2026-00001-CN1`); invoices themselves never change."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(None, "tenant_id", "invoice_id"),
        CheckConstraint("net + tax = gross", name="totals_add_up"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    invoice_id: int = fk("invoices.id")
    number: str = Field(max_length=48)
    reason: str = Field(default="", max_length=500)
    currency: str = Field(default="EUR", max_length=3)
    net: Decimal = money()
    tax: Decimal = money()
    gross: Decimal = money()
    # The part of gross that was already paid and is owed back to the customer.
    refund_amount: Decimal = money()
    issued_at: datetime | None = timestamp()
    pdf_storage_key: str = Field(default="", max_length=300)
    pdf_sha256: str = Field(default="", max_length=64)
    created_at: datetime = created_at()


class CreditNoteLine(SQLModel, table=True):
    __tablename__ = "credit_note_lines"
    __table_args__ = (
        UniqueConstraint("credit_note_id", "position"),
        CheckConstraint("net + tax = gross", name="line_adds_up"),
    )

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    credit_note_id: int = fk("credit_notes.id", ondelete="CASCADE")
    position: int
    invoice_line_id: int | None = fk("invoice_lines.id", nullable=True)
    description: str = Field(max_length=500)
    # The time the credit is for (e.g. the unused part of a period after a plan change).
    period_start: datetime | None = timestamp()
    period_end: datetime | None = timestamp()
    quantity: Decimal = Field(default=Decimal(1), sa_column=Column(Numeric(18, 6), nullable=False))
    unit_price: Decimal = money()
    tax_rate: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(7, 4), nullable=False))
    net: Decimal = money()
    tax: Decimal = money()
    gross: Decimal = money()


class DocumentNumberSequence(SQLModel, table=True):
    """Last number handed out per tenant, kind and year; locked row by row to stay gapless."""

    __tablename__ = "document_number_sequences"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "year"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    kind: DocumentKind = Field(sa_type=enum_type(DocumentKind))
    year: int
    last_value: int = 0
