"""What the admin's customer and subscription pages (and the admin API) receive: plain values.

Amounts are Decimals with their currency and moments aware datetimes, for the API; the gateway
formats them for the pages. Subscription pages get the customer pages' formatted detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from backend.reporting.schemas import SubscriptionDetail

# A customer's standing, worst first: an overdue invoice, something unpaid, nothing open.
STANDING_OVERDUE, STANDING_OPEN, STANDING_GOOD = "overdue", "open", "good"


def standing_of(unpaid_invoices: int, overdue_invoices: int) -> str:
    if overdue_invoices:
        return STANDING_OVERDUE
    return STANDING_OPEN if unpaid_invoices else STANDING_GOOD


@dataclass(frozen=True, slots=True)
class CustomerListItem:
    id: int
    number: str
    name: str
    customer_type: str  # "private" or "business"
    country: str  # ISO 3166, empty without a billing profile
    email: str  # the billing email, empty without a billing profile
    subscriptions: int
    unpaid_invoices: int
    overdue_invoices: int
    standing: str  # "good", "open" or "overdue"


@dataclass(frozen=True, slots=True)
class CustomerListPage:
    customers: list[CustomerListItem]
    page: int  # 1-based
    page_count: int  # at least 1
    total: int


@dataclass(frozen=True, slots=True)
class CurrencyStanding:
    currency: str
    total_paid: Decimal  # gross of the paid invoices
    open_balance: Decimal  # balance due of the issued and overdue invoices
    unpaid_invoices: int
    overdue_invoices: int


@dataclass(frozen=True, slots=True)
class CustomerStanding:
    standing: str  # "good", "open" or "overdue"
    overdue_invoices: int
    unpaid_invoices: int
    by_currency: list[CurrencyStanding]  # currencies with any invoice paid or open


@dataclass(frozen=True, slots=True)
class BillingProfileFacts:
    name: str
    company_name: str
    customer_type: str
    address: list[str]  # the postal lines, empty ones left out
    country: str
    email: str
    phone: str
    vat_id: str
    vat_id_status: str
    billing_day: int


@dataclass(frozen=True, slots=True)
class MemberFacts:
    email: str
    role: str  # owner, billing or viewer


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    number: str
    issued_at: datetime | None
    currency: str
    total: Decimal  # gross
    balance_due: Decimal
    status: str


@dataclass(frozen=True, slots=True)
class CustomerSubscriptionFacts:
    number: str
    plan_name: str
    status: str


@dataclass(frozen=True, slots=True)
class CustomerFile:
    """One customer account in full, for the admin."""

    id: int
    number: str
    name: str
    customer_type: str
    created_at: datetime
    profile: BillingProfileFacts | None
    members: list[MemberFacts]
    subscriptions: list[CustomerSubscriptionFacts]  # newest first
    invoices: list[InvoiceFacts]  # the newest issued ones
    invoice_count: int
    standing: CustomerStanding


@dataclass(frozen=True, slots=True)
class AdminSubscriptionRow:
    number: str
    customer_id: int
    customer_number: str
    customer_name: str
    plan_name: str
    status: str
    price: str  # e.g. "19.90 EUR / month", net
    next_billing: str  # date in the tenant's zone, empty when nothing is due


@dataclass(frozen=True, slots=True)
class AdminSubscriptionPage:
    subscriptions: list[AdminSubscriptionRow]
    page: int
    page_count: int
    total: int


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: str  # tenant time
    action: str  # in words, e.g. "Canceled immediately"
    by: str  # the user's email, or "System"
    detail: str


@dataclass(frozen=True, slots=True)
class ChargeEntry:
    description: str
    period: str  # tenant time, empty for a charge without a period
    amount: str  # negative for a credit
    invoice: str  # the invoice number, or empty while it waits for the next invoice


@dataclass(frozen=True, slots=True)
class AdminSubscriptionFile:
    detail: SubscriptionDetail
    customer_id: int
    customer_number: str
    customer_name: str
    history: list[HistoryEntry] = field(default_factory=list)  # newest first
    charges: list[ChargeEntry] = field(default_factory=list)  # newest first
