"""What the admin's invoice pages and the admin API receive and send: plain values, never rows.

Amounts are Decimals with their currency and moments aware datetimes; the gateway formats them
for the pages. Inputs are pydantic models, so the API and the pages validate the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backend.models import TaxCategory

MAX_ID = 2**63 - 1
MAX_DRAFT_LINES = 100
REASON_MAX_LENGTH = 500


class DraftLineInput(BaseModel):
    """One line of a manual draft: what is sold, how many at what net unit price, taxed how."""

    model_config = ConfigDict(str_strip_whitespace=True)

    description: str = Field(min_length=1, max_length=500)
    quantity: Decimal = Field(
        default=Decimal(1), gt=0, le=Decimal(1_000_000), max_digits=18, decimal_places=6
    )
    unit_price: Decimal = Field(
        ge=Decimal(-1_000_000_000), le=Decimal(1_000_000_000), max_digits=18, decimal_places=2
    )
    tax_category: TaxCategory = TaxCategory.STANDARD


class DraftInput(BaseModel):
    customer_account_id: int = Field(ge=1, le=MAX_ID)
    lines: list[DraftLineInput] = Field(min_length=1, max_length=MAX_DRAFT_LINES)


class ReasonInput(BaseModel):
    """Why an admin voids an invoice or marks it paid or unpaid (kept in the audit log)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=REASON_MAX_LENGTH)


class BillNowInput(BaseModel):
    """Bill one customer now (`customer_account_id`), or every customer with unbilled charges."""

    customer_account_id: int | None = Field(default=None, ge=1, le=MAX_ID)


@dataclass(frozen=True, slots=True)
class AdminInvoiceRow:
    id: int
    reference: str  # the number once issued, else the id (drafts have no number)
    number: str  # "" for a draft
    customer_id: int
    customer_number: str
    customer_name: str
    status: str
    currency: str
    net: Decimal
    gross: Decimal
    balance_due: Decimal
    issued_at: datetime | None
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class AdminInvoicePage:
    invoices: list[AdminInvoiceRow]
    page: int  # 1-based
    page_count: int  # at least 1
    total: int


@dataclass(frozen=True, slots=True)
class InvoiceLineView:
    id: int
    position: int
    description: str
    period_start: datetime | None
    period_end: datetime | None
    quantity: Decimal
    unit_price: Decimal
    tax_category: str
    tax_rate: Decimal  # percent; on a draft the rate it would have if issued now
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True, slots=True)
class CreditNoteView:
    number: str
    issued_at: datetime | None
    net: Decimal
    tax: Decimal
    gross: Decimal
    refund_amount: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class InvoiceHistoryEntry:
    at: datetime
    action: str  # the audit log's action, e.g. "invoice.mark_paid"
    by: str  # the admin's email, or "System"
    reason: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AdminInvoiceFile:
    invoice: AdminInvoiceRow
    tax_mode: str
    tax_note: str
    tax: Decimal
    paid_at: datetime | None
    voided_at: datetime | None
    lines: list[InvoiceLineView]
    credit_notes: list[CreditNoteView]
    history: list[InvoiceHistoryEntry]  # newest first


@dataclass(frozen=True, slots=True)
class BillingRunView:
    """A "bill now" job: its progress while it runs, then its summary."""

    job_id: int
    kind: str  # "bill_now"
    scope: str  # "customer" or "all"
    customer_account_id: int | None
    status: str  # queued, running, done, failed
    done: int
    total: int
    issued: int
    skipped_below_minimum: int
    errors: int
    invoice_numbers: list[str]
    last_error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
