"""A customer's invoices for their pages: the statement a page at a time, and one invoice in full.

The statement service decides what the signed-in user may read (their own customer account's
invoices; another customer's number is "not found"). Here its views become what a page shows:
money formatted with its currency, dates on the tenant's calendar, and how to pay by bank transfer
when the tenant has an IBAN. When the tenant takes cards (its processor is online) and the user may
pay (owners and billing members), the pages offer Pay: Stripe Checkout, confirmed by the webhook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.invoicing import statements
from backend.invoicing.statement_schemas import (
    BankTransferView,
    CreditNoteView,
    console_credit_note_pdf_url,
    console_pdf_url,
)
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, allows
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models.statuses import UNPAID_INVOICE_STATUSES
from backend.money import Money
from backend.payments import checkout, checkout_flow
from backend.payments.accounts import processor_for

PAGE_SIZE = 10
UNPAID = {str(status) for status in UNPAID_INVOICE_STATUSES}


@dataclass(frozen=True, slots=True)
class CreditNoteRow:
    number: str
    issued: str  # tenant's calendar day
    amount: str  # gross credited, e.g. "11.90 EUR"
    reason: str
    pdf_href: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    id: int
    number: str
    status: str
    issued: str
    due: str
    total: str  # gross
    balance: str  # still to pay
    is_open: bool  # issued or overdue: waiting for its money
    credit_notes: list[CreditNoteRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BankDetails:
    """The account to pay into by bank transfer; `iban` is empty when the tenant has none."""

    account_holder: str = ""
    iban: str = ""
    bic: str = ""
    reference: str = ""  # on an invoice's page: its number
    amount: str = ""  # on an invoice's page: its balance


@dataclass(frozen=True, slots=True)
class Statement:
    invoices: list[InvoiceRow]
    has_more: bool
    bank: BankDetails
    pays_online: bool = False  # Pay by card is offered (the tenant takes cards, the user may pay)


@dataclass(frozen=True, slots=True)
class LineRow:
    description: str
    period: str  # "2026-11-03 – 2026-12-03" on the tenant's calendar, or ""
    quantity: str
    unit_price: str
    tax_rate: str  # "19 %"
    net: str


@dataclass(frozen=True, slots=True)
class TaxRow:
    label: str  # "VAT 19 % on 30.00 EUR"
    tax: str


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    """One invoice as its page shows it."""

    number: str
    status: str
    issued: str
    due: str
    paid: str
    voided: str
    buyer_name: str
    issuer_name: str
    net: str
    tax: str
    total: str
    balance: str
    is_open: bool
    lines: list[LineRow]
    taxes: list[TaxRow]
    tax_note: str
    credit_notes: list[CreditNoteRow]
    bank: BankDetails
    pdf_href: str
    time_zone: str
    pays_online: bool = False


def _customer(user: SignedInUser) -> int:
    if user.customer_account_id is None:
        raise NotFoundError("This user has no customer account.")
    return user.customer_account_id


def invoice_statement(user: SignedInUser, starting_after: int | None = None) -> Statement:
    """A page of the user's customer account's invoices (open ones first), after the invoice
    `starting_after` (the last of the previous page), and the tenant's bank account."""
    _customer(user)
    with unit_of_work() as session:
        scope = user_scope(user)
        page = statements.list_invoices(
            session, scope, actor(None, user), limit=PAGE_SIZE, starting_after=starting_after
        )
        zone, bank = _zone(session, scope), _tenant_bank(session, scope)
        online = _pays_online(session, scope, user)
    rows = [
        InvoiceRow(
            id=view.id,
            number=view.number,
            status=view.status,
            issued=_day(view.issued_at, zone),
            due=_day(view.due_at, zone),
            total=_money(view.gross, view.currency),
            balance=_money(view.balance_due, view.currency),
            is_open=view.status in UNPAID,
            credit_notes=[_credit_note(note, zone) for note in view.credit_notes],
        )
        for view in page.items
    ]
    return Statement(invoices=rows, has_more=page.has_more, bank=bank, pays_online=online)


def invoice_document(user: SignedInUser, number: str) -> InvoiceDocument:
    """The user's invoice `number` (`NotFoundError` or `InvoiceNotFound` for any other)."""
    _customer(user)
    with unit_of_work() as session:
        scope = user_scope(user)
        view = statements.invoice_by_number(session, scope, actor(None, user), number)
        zone = _zone(session, scope)
        online = _pays_online(session, scope, user)
    currency = view.currency
    return InvoiceDocument(
        number=view.number,
        status=view.status,
        issued=_day(view.issued_at, zone),
        due=_day(view.due_at, zone),
        paid=_day(view.paid_at, zone),
        voided=_day(view.voided_at, zone),
        buyer_name=view.buyer_name,
        issuer_name=view.issuer_name,
        net=_money(view.net, currency),
        tax=_money(view.tax, currency),
        total=_money(view.gross, currency),
        balance=_money(view.balance_due, currency),
        is_open=view.status in UNPAID,
        lines=[
            LineRow(
                description=line.description,
                period=_period(line.period_start, line.period_end, zone),
                quantity=str(line.quantity),
                unit_price=_money(line.unit_price, currency),
                tax_rate=f"{line.tax_rate} %",
                net=_money(line.net, currency),
            )
            for line in view.lines
        ],
        taxes=[
            TaxRow(label=f"VAT {row.rate} % on {_money(row.net, currency)}", tax=_money(row.tax, currency))
            for row in view.tax_breakdown
        ],
        tax_note=view.tax_note,
        credit_notes=[_credit_note(note, zone) for note in view.credit_notes],
        bank=_invoice_bank(view.bank_transfer),
        pdf_href=console_pdf_url(view.number),
        time_zone=zone.key,
        pays_online=online,
    )


def start_payment(request: RequestContext, user: SignedInUser, number: str) -> str:
    """The processor's payment page for the user's invoice `number` (Stripe Checkout); Stripe sends
    the customer back to the invoice's page on this host, `?paid=<session>` once paid. Refusals
    (`PaymentError`: not open, an automatic payment in progress, bank transfer only) say why."""
    _customer(user)
    started = checkout_flow.pay_invoice(
        user_scope(user), actor(request, user), number, console_url=f"{request.scheme}://{request.host}"
    )
    return started.url


def payment_status(user: SignedInUser, number: str, session_id: str) -> str:
    """How the payment of checkout session `session_id` of the user's invoice stands: "pending",
    "succeeded", "failed", "canceled", or "" when the session is not this invoice's."""
    _customer(user)
    with unit_of_work() as session:
        return checkout.checkout_status(
            session, user_scope(user), actor(None, user), number, session_id[:255]
        )


def _pays_online(session: Session, scope: TenantScope, user: SignedInUser) -> bool:
    may_pay = allows(actor(None, user), scope, Action.PAY_INVOICE, owner_account_id=user.customer_account_id)
    return may_pay and processor_for(session, scope).online


def _credit_note(note: CreditNoteView, zone: ZoneInfo) -> CreditNoteRow:
    return CreditNoteRow(
        number=note.number,
        issued=_day(note.issued_at, zone),
        amount=_money(note.gross, note.currency),
        reason=note.reason,
        pdf_href=console_credit_note_pdf_url(note.number),
    )


def _invoice_bank(transfer: BankTransferView | None) -> BankDetails:
    if transfer is None:
        return BankDetails()
    return BankDetails(
        account_holder=transfer.account_holder,
        iban=transfer.iban,
        bic=transfer.bic,
        reference=transfer.reference,
        amount=_money(transfer.amount, transfer.currency),
    )


def _tenant_bank(session: Session, scope: TenantScope) -> BankDetails:
    """The tenant's current bank account, for the open invoices of the list."""
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    if tenant is None or not tenant.issuer_iban:
        return BankDetails()
    holder = tenant.issuer_legal_name or tenant.name
    return BankDetails(account_holder=holder, iban=tenant.issuer_iban, bic=tenant.issuer_bic)


def _zone(session: Session, scope: TenantScope) -> ZoneInfo:
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    return ZoneInfo(tenant.time_zone if tenant else "UTC")


def _money(amount: Decimal, currency: str) -> str:
    return Money.of(amount, currency).format()


def _day(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat() if moment else ""


def _period(start: datetime | None, end: datetime | None, zone: ZoneInfo) -> str:
    """A line's service period from its start to its end, days on the tenant's calendar, as the
    subscription pages show periods."""
    if start is None or end is None:
        return ""
    return f"{_day(start, zone)} – {_day(end, zone)}"
