"""Every invoice of the tenant for its admins: the search (number, customer, status, issue dates),
one invoice's file (lines, credit notes, its history from the audit log), and references.

Admins only (`BROWSE_INVOICES`). An invoice is referred to by its number once issued, by its id
while it is a draft (drafts have no number); a reference of another tenant is not found.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.audit import service as audit
from backend.invoicing.drafts import InvoicingContext, round_money
from backend.invoicing.repository import CreditNoteRepository, InvoiceFilter, InvoiceSearch
from backend.invoicing.schemas import (
    AdminInvoiceFile,
    AdminInvoicePage,
    AdminInvoiceRow,
    CreditNoteView,
    InvoiceHistoryEntry,
    InvoiceLineView,
)
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.pagination import Page
from backend.kit.policy import Action, Actor, authorize
from backend.kit.repository import TenantScope
from backend.models import CustomerAccount, Invoice, InvoiceStatus
from backend.models.statuses import INVOICE_STATUS_GROUPS

PAGE_SIZE = 20
HISTORY_SHOWN = 50
STATUSES = (*(status.value for status in InvoiceStatus), *INVOICE_STATUS_GROUPS)
MAX_REFERENCE = 48


def checked_filter(
    number: str = "",
    customer: str = "",
    status: str = "",
    issued_from: date | None = None,
    issued_until: date | None = None,
    customer_account_id: int | None = None,
) -> InvoiceFilter:
    """The search with an unknown status dropped and texts trimmed; a range that ends before it
    starts is refused, naming the field."""
    if issued_from and issued_until and issued_until < issued_from:
        raise FieldErrors({"issued_until": "Issued until: choose a date on or after the start date."})
    return InvoiceFilter(
        number=number.strip()[:40],
        customer=customer.strip()[:100],
        status=status if status in STATUSES else "",
        issued_from=issued_from,
        issued_until=issued_until,
        customer_account_id=customer_account_id,
    )


def invoice_list(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    wanted: InvoiceFilter,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> AdminInvoicePage:
    """Page `page` (1-based, clamped) of the matching invoices, newest first."""
    authorize(actor, scope, Action.BROWSE_INVOICES)
    search = InvoiceSearch(session, scope)
    bounds = _issued_bounds(InvoicingContext(session, scope).zone, wanted)
    total = search.count_matching(wanted, bounds)
    page_count = max(1, -(-total // per_page))
    page = min(max(page, 1), page_count)
    rows = search.rows(wanted, bounds, limit=per_page, offset=(page - 1) * per_page)
    return AdminInvoicePage([_row(invoice, customer) for invoice, customer in rows], page, page_count, total)


def invoices_after(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    wanted: InvoiceFilter,
    *,
    limit: int = 50,
    starting_after: int | None = None,
) -> Page[AdminInvoiceRow]:
    """The matching invoices after the id `starting_after`, oldest first (the API's cursor)."""
    authorize(actor, scope, Action.BROWSE_INVOICES)
    bounds = _issued_bounds(InvoicingContext(session, scope).zone, wanted)
    rows = InvoiceSearch(session, scope).rows(
        wanted, bounds, limit=limit + 1, starting_after=starting_after, newest_first=False
    )
    return Page([_row(invoice, customer) for invoice, customer in rows[:limit]], len(rows) > limit)


def invoice_id_for_reference(session: Session, scope: TenantScope, actor: Actor, reference: str) -> int:
    """The id of the invoice numbered `reference` (or, for a draft, with the id `reference`)."""
    authorize(actor, scope, Action.BROWSE_INVOICES)
    text = reference.strip().upper()[:MAX_REFERENCE]
    search = InvoiceSearch(session, scope)
    if text.isdigit():
        found = search.get(int(text)) if int(text) < 2**63 else None
        invoice_id = found.id if found is not None else None
    else:
        invoice_id = search.id_for_number(text)
    if invoice_id is None:
        raise NotFoundError("Invoice not found.")
    return invoice_id


def invoice_file(session: Session, scope: TenantScope, actor: Actor, invoice_id: int) -> AdminInvoiceFile:
    """The invoice with its customer, lines, credit notes and history (newest first)."""
    authorize(actor, scope, Action.BROWSE_INVOICES)
    search = InvoiceSearch(session, scope)
    found = search.with_customer(invoice_id)
    if found is None:
        raise NotFoundError("Invoice not found.")
    invoice, customer = found
    ctx = InvoicingContext(session, scope)
    lines = ctx.lines.for_invoice(invoice_id)
    notes = CreditNoteRepository(session, scope).for_invoice(invoice_id)
    entries = audit.list_entries(
        session, scope, actor, limit=HISTORY_SHOWN, object_type="invoice", object_id=str(invoice_id)
    ).items
    emails = search.user_emails({e.actor_user_id for e in entries if e.actor_user_id is not None})
    return AdminInvoiceFile(
        invoice=_row(invoice, customer),
        tax_mode=str(invoice.tax_mode),
        tax_note=invoice.tax_note,
        tax=round_money(invoice.tax, invoice.currency),
        paid_at=invoice.paid_at,
        voided_at=invoice.voided_at,
        lines=[
            InvoiceLineView(
                id=line.id or 0,
                position=line.position,
                description=line.description,
                period_start=line.period_start,
                period_end=line.period_end,
                quantity=_exact(line.quantity, 0),
                unit_price=_exact(line.unit_price, 2),
                tax_category=str(line.tax_category),
                tax_rate=_exact(line.tax_rate, 0),
                net=round_money(line.net, invoice.currency),
                tax=round_money(line.tax, invoice.currency),
                gross=round_money(line.gross, invoice.currency),
            )
            for line in lines
        ],
        credit_notes=[
            CreditNoteView(
                number=note.number,
                issued_at=note.issued_at,
                net=round_money(note.net, note.currency),
                tax=round_money(note.tax, note.currency),
                gross=round_money(note.gross, note.currency),
                refund_amount=round_money(note.refund_amount, note.currency),
                reason=note.reason,
            )
            for note in notes
        ],
        history=[
            InvoiceHistoryEntry(
                at=entry.created_at,
                action=entry.action,
                by=emails.get(entry.actor_user_id or 0, "System"),
                reason=str((entry.after or {}).get("reason", "")),
                details=_details(entry.before, entry.after),
            )
            for entry in entries
        ],
    )


def _details(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """What changed, as "field": "before → after" (or the new value when there was none before)."""
    changed: dict[str, Any] = {}
    for key, value in (after or {}).items():
        if key == "reason" or value in ("", None, [], {}):
            continue
        old = (before or {}).get(key)
        changed[key] = f"{old} → {value}" if old not in (None, "") and old != value else value
    return changed


def _exact(value: Decimal, places: int) -> Decimal:
    """`value` with `places` decimals when that loses nothing (stored amounts carry six)."""
    shown = value.quantize(Decimal(1).scaleb(-places))
    return shown if shown == value else value.normalize()


def _row(invoice: Invoice, customer: CustomerAccount) -> AdminInvoiceRow:
    assert invoice.id is not None and customer.id is not None
    return AdminInvoiceRow(
        id=invoice.id,
        reference=invoice.number or str(invoice.id),
        number=invoice.number or "",
        customer_id=customer.id,
        customer_number=customer.number,
        customer_name=customer.name,
        status=str(invoice.status),
        currency=invoice.currency,
        net=round_money(invoice.net, invoice.currency),
        gross=round_money(invoice.gross, invoice.currency),
        balance_due=round_money(invoice.balance_due, invoice.currency),
        issued_at=invoice.issued_at,
        due_at=invoice.due_at,
    )


def _issued_bounds(zone: ZoneInfo, wanted: InvoiceFilter) -> tuple[datetime | None, datetime | None]:
    """The issue date range as moments: from the start of the first day to the end of the last,
    both in the tenant's time zone (the dates an admin reads on the invoices)."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(UTC)

    since = midnight(wanted.issued_from) if wanted.issued_from else None
    until = midnight(wanted.issued_until + timedelta(days=1)) if wanted.issued_until else None
    return since, until
