"""The admin's invoice pages: the search, one invoice with its lines, credit notes and history, and
what an admin does to it (issue a draft, void, mark paid or unpaid with a reason).

Amounts and moments are formatted here (tenant time zone); the services ask the policy (admins
only) and an invoice of another tenant is not found. Manual drafts are in admin_invoice_drafts.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from backend import clock
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.invoicing import admin_reads, manual_drafts
from backend.invoicing import service as invoicing
from backend.invoicing.schemas import AdminInvoiceRow, InvoiceHistoryEntry
from backend.invoicing.statement_schemas import console_credit_note_pdf_url, console_pdf_url
from backend.kit.errors import FieldErrors
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.money import Money
from backend.reporting.subscriptions import moment

# What the audit log's invoice actions mean, in the admin's words.
HISTORY_ACTIONS = {
    "invoice.draft_created": "Draft written",
    "invoice.draft_changed": "Draft changed",
    "invoice.issue": "Issued",
    "invoice.void": "Voided",
    "invoice.credit": "Credit note issued",
    "invoice.mark_paid": "Marked paid",
    "invoice.mark_unpaid": "Marked unpaid",
    "invoice.payment_received": "Payment received",
    "payment.bank_transfer_recorded": "Bank transfer recorded",
    "payment.refund_requested": "Refund requested",
    "payment.refunded": "Refunded",
    "payment.refund_failed": "Refund failed",
    "payment.dispute_opened": "Dispute opened",
    "payment.dispute_changed": "Dispute updated",
}


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    reference: str  # the number, or a draft's id: the address of its page
    number: str  # "Draft" for a draft
    customer_id: int
    customer_name: str
    customer_number: str
    status: str
    total: str  # gross with its currency
    balance_due: str
    issued: str  # the tenant's date, "—" for a draft
    due: str


@dataclass(frozen=True, slots=True)
class InvoiceListView:
    rows: list[InvoiceRow]
    page: int
    page_count: int
    total: int


@dataclass(frozen=True, slots=True)
class LineView:
    description: str
    period: str  # "2027-01-10 – 2027-02-01", or "" without a period
    quantity: str
    unit_price: str
    tax: str  # "19 % (standard)"
    net: str
    gross: str


@dataclass(frozen=True, slots=True)
class CreditNoteLine:
    number: str
    issued: str
    total: str
    reason: str
    pdf_href: str = ""


@dataclass(frozen=True, slots=True)
class HistoryLine:
    at: str
    action: str
    by: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class InvoicePage:
    id: int
    reference: str
    number: str
    status: str
    customer_id: int
    customer_name: str
    customer_number: str
    net: str
    tax: str
    gross: str
    balance_due: str
    issued: str
    due: str
    paid: str
    tax_note: str
    time_zone: str
    lines: list[LineView] = field(default_factory=list)
    credit_notes: list[CreditNoteLine] = field(default_factory=list)
    history: list[HistoryLine] = field(default_factory=list)
    can_edit: bool = False  # a draft: edit, delete, issue
    can_void: bool = False
    can_mark_paid: bool = False
    can_mark_unpaid: bool = False
    pdf_href: str = ""  # issued invoices only: drafts have no document
    balance_value: str = "0.00"  # the balance as a plain number: the "Record payment" form's default


def parse_day(value: str, field_name: str, label: str) -> date | None:
    """A date from a form ("2027-03-21"), None when empty; anything else is refused by field."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldErrors({field_name: f"{label}: enter a date like 2027-03-21."}) from None


def invoice_list(
    user: SignedInUser,
    number: str = "",
    customer: str = "",
    status: str = "",
    issued_from: str = "",
    issued_until: str = "",
    page: int = 1,
) -> InvoiceListView:
    since = parse_day(issued_from, "issued_from", "Issued from")
    until = parse_day(issued_until, "issued_until", "Issued until")
    wanted = admin_reads.checked_filter(number, customer, status, since, until)
    with unit_of_work() as session:
        scope = user_scope(user)
        found = admin_reads.invoice_list(session, scope, actor(None, user), wanted, page=page)
        zone = _zone(user)
    return InvoiceListView(
        [_row(row, zone) for row in found.invoices], found.page, found.page_count, found.total
    )


def invoice_page(user: SignedInUser, reference: str) -> InvoicePage:
    """The invoice `reference` (a number, or a draft's id) of the tenant (`NotFoundError` otherwise)."""
    with unit_of_work() as session:
        scope, who = user_scope(user), actor(None, user)
        invoice_id = admin_reads.invoice_id_for_reference(session, scope, who, reference)
        found = admin_reads.invoice_file(session, scope, who, invoice_id)
    zone = _zone(user)
    invoice = found.invoice
    currency = invoice.currency

    def money(amount: Decimal) -> str:
        return Money.of(amount, currency).format()

    status = invoice.status
    return InvoicePage(
        id=invoice.id,
        reference=invoice.reference,
        number=invoice.number or "Draft",
        status=status,
        customer_id=invoice.customer_id,
        customer_name=invoice.customer_name,
        customer_number=invoice.customer_number,
        net=money(invoice.net),
        tax=money(found.tax),
        gross=money(invoice.gross),
        balance_due=money(invoice.balance_due),
        issued=_day(invoice.issued_at, zone),
        due=_day(invoice.due_at, zone),
        paid=_day(found.paid_at, zone) if found.paid_at else "",
        tax_note=found.tax_note,
        time_zone=str(zone),
        lines=[
            LineView(
                description=line.description,
                period=f"{_day(line.period_start, zone)} – {_day(line.period_end, zone)}"
                if line.period_start and line.period_end
                else "",
                quantity=str(line.quantity),
                unit_price=money(line.unit_price),
                tax=f"{line.tax_rate} % ({line.tax_category})",
                net=money(line.net),
                gross=money(line.gross),
            )
            for line in found.lines
        ],
        credit_notes=[
            CreditNoteLine(
                note.number,
                _day(note.issued_at, zone),
                money(note.gross),
                note.reason,
                console_credit_note_pdf_url(note.number),
            )
            for note in found.credit_notes
        ],
        history=[_history(entry, zone) for entry in found.history],
        can_edit=status == "draft",
        can_void=status in ("issued", "overdue"),
        can_mark_paid=status in ("issued", "overdue"),
        can_mark_unpaid=status == "paid" and invoice.gross != 0,
        pdf_href=console_pdf_url(invoice.number) if invoice.number else "",
        balance_value=str(Money.of(invoice.balance_due, currency).round_to_minor().amount),
    )


def issue(request: RequestContext, user: SignedInUser, invoice_id: int) -> str:
    """Issue the draft; returns its number (the address of its page from now on)."""
    with unit_of_work() as session:
        invoice = manual_drafts.issue_invoice(
            session, user_scope(user), actor(request, user), invoice_id, clock.now()
        )
        return invoice.number or str(invoice_id)


def void(request: RequestContext, user: SignedInUser, invoice_id: int, reason: str) -> str:
    """Void the invoice; returns the credit note's number."""
    text = _required(reason, "voided (e.g. issued to the wrong customer)")
    with unit_of_work() as session:
        note = invoicing.void_invoice(
            session, user_scope(user), invoice_id, text, clock.now(), actor=actor(request, user)
        )
        return note.number


def mark_paid(request: RequestContext, user: SignedInUser, invoice_id: int, reason: str) -> None:
    with unit_of_work() as session:
        invoicing.mark_paid(
            session, user_scope(user), invoice_id, clock.now(), actor=actor(request, user), reason=reason
        )


def mark_unpaid(request: RequestContext, user: SignedInUser, invoice_id: int, reason: str) -> None:
    with unit_of_work() as session:
        invoicing.mark_unpaid(
            session, user_scope(user), invoice_id, clock.now(), actor=actor(request, user), reason=reason
        )


def _required(reason: str, why: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise FieldErrors({"reason": f"Reason: say why the invoice is {why}."})
    return text


def _row(row: AdminInvoiceRow, zone: ZoneInfo) -> InvoiceRow:
    return InvoiceRow(
        reference=row.reference,
        number=row.number or "Draft",
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        customer_number=row.customer_number,
        status=row.status,
        total=Money.of(row.gross, row.currency).format(),
        balance_due=Money.of(row.balance_due, row.currency).format(),
        issued=_day(row.issued_at, zone),
        due=_day(row.due_at, zone),
    )


def _history(entry: InvoiceHistoryEntry, zone: ZoneInfo) -> HistoryLine:
    return HistoryLine(
        at=moment(entry.at, zone),
        action=HISTORY_ACTIONS.get(entry.action, entry.action),
        by=entry.by,
        reason=entry.reason,
        detail=", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in sorted(entry.details.items())),
    )


def _day(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d") if at else "—"


def _zone(user: SignedInUser) -> ZoneInfo:
    with unit_of_work() as session:
        tenant = TenantDirectory(session).by_id(user.tenant_id)
        return ZoneInfo(tenant.time_zone if tenant else "UTC")
