"""What a customer's statement shows of their invoices, for the API and the pages (through the gateway).

Plain dataclasses built from the stored invoices, never ORM rows. Amounts are Decimals in the
currency's minor unit as the invoice carries them (the API sends them as decimal strings); times
are aware UTC datetimes. Issued invoices never change, so what a view shows is what the document says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class StatementStatus(StrEnum):
    """The statuses a statement lists: every issued document (drafts are not the customer's yet)."""

    ISSUED = "issued"
    OVERDUE = "overdue"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


def invoice_pdf_url(number: str) -> str:
    """Where an API client downloads the invoice's PDF (owner or admin, with a token)."""
    return f"/api/v1/invoices/{number}/pdf"


def console_pdf_url(number: str) -> str:
    """Where the console downloads it with the browser's session cookie."""
    return f"/api/invoices/{number}.pdf"


def console_credit_note_pdf_url(number: str) -> str:
    """Where the console downloads a credit note's PDF with the browser's session cookie."""
    return f"/api/credit-notes/{number}.pdf"


@dataclass(frozen=True, slots=True)
class CreditNoteView:
    """A correction of the invoice it is listed with (`INV-2026-00001-CN1`): what it takes off
    the invoice (gross), and of that what was already paid and is owed back (refund_amount)."""

    number: str
    issued_at: datetime | None
    reason: str
    currency: str
    net: Decimal
    tax: Decimal
    gross: Decimal
    refund_amount: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceSummaryView:
    id: int
    number: str
    customer_account_id: int
    status: str
    currency: str
    net: Decimal
    tax: Decimal
    gross: Decimal
    balance_due: Decimal
    issued_at: datetime | None
    due_at: datetime | None
    paid_at: datetime | None
    voided_at: datetime | None
    credit_notes: list[CreditNoteView]
    pdf_url: str


@dataclass(frozen=True, slots=True)
class InvoiceLineView:
    position: int
    description: str
    period_start: datetime | None
    period_end: datetime | None
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal  # percent, e.g. 19.0000
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True, slots=True)
class TaxRateView:
    """The invoice's net and tax at one rate of one tax category (sums of the rounded lines)."""

    category: str
    rate: Decimal  # percent
    net: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class BankTransferView:
    """How to pay an open invoice by bank transfer: the issuer's account as the invoice states it,
    and the invoice number as the reference."""

    account_holder: str
    iban: str
    bic: str
    reference: str
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """One invoice in full: its lines, the tax per rate, the totals, and its credit notes."""

    id: int
    number: str
    customer_account_id: int
    status: str
    currency: str
    net: Decimal
    tax: Decimal
    gross: Decimal
    balance_due: Decimal
    issued_at: datetime | None
    due_at: datetime | None
    paid_at: datetime | None
    voided_at: datetime | None
    buyer_name: str
    issuer_name: str
    tax_mode: str
    tax_note: str
    lines: list[InvoiceLineView]
    tax_breakdown: list[TaxRateView]
    credit_notes: list[CreditNoteView]
    bank_transfer: BankTransferView | None  # open invoices of an issuer with an IBAN
    pdf_url: str
