"""A customer's statement: their invoices, what is still open first, and each invoice in full.

The order answers "what do I owe?" first: unpaid invoices (issued, overdue) by due date, the
earliest first, so an overdue one leads; then the settled history (paid, void, uncollectible), the
newest first. Each invoice carries its credit notes. Drafts are not listed: they are not the
customer's until issued.

Each read asks the policy first: a customer (any member of the account) reads their own customer
account's invoices, an admin any of the tenant's. Another customer's invoice is refused with
`InvoiceNotFound`, answered like a number that does not exist, so nobody learns which numbers are
taken; a number of another tenant is simply not found. Lists are paged by cursor: `starting_after`
is the id of the last invoice of the previous page.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlmodel import Session

from backend.audit.service import Actor
from backend.invoicing.drafts import tax_breakdown
from backend.invoicing.errors import InvoiceNotFound
from backend.invoicing.repository import CreditNoteRepository, InvoiceLineRepository, InvoiceRepository
from backend.invoicing.statement_schemas import (
    BankTransferView,
    CreditNoteView,
    InvoiceLineView,
    InvoiceSummaryView,
    InvoiceView,
    StatementStatus,
    TaxRateView,
    invoice_pdf_url,
)
from backend.kit.errors import NotFoundError, ValidationFailed
from backend.kit.pagination import Page
from backend.kit.policy import Action, Role, allows, authorize
from backend.kit.repository import TenantScope
from backend.models import CreditNote, Invoice, InvoiceStatus
from backend.models.statuses import UNPAID_INVOICE_STATUSES
from backend.money import Money

PAGE_SIZE = 20
STATEMENT_STATUSES: tuple[InvoiceStatus, ...] = tuple(InvoiceStatus(status) for status in StatementStatus)


def list_invoices(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    *,
    status: StatementStatus | None = None,
    limit: int = PAGE_SIZE,
    starting_after: int | None = None,
) -> Page[InvoiceSummaryView]:
    """A page of the caller's customer account's statement (an admin's: the whole tenant's),
    open invoices first; `status` keeps one status only. A cursor that is no invoice of this list
    is refused (`ValidationFailed`), since the list's order cannot place it."""
    authorize(actor, scope, Action.READ_INVOICES, owner_account_id=actor.customer_account_id)
    customer = None if actor.role == Role.ADMIN else actor.customer_account_id
    statuses = (InvoiceStatus(status),) if status else STATEMENT_STATUSES
    invoices = InvoiceRepository(session, scope)
    after = None
    if starting_after is not None:
        after = invoices.get(starting_after)
        theirs = after is not None and customer in (None, after.customer_account_id)
        if after is None or not theirs or after.status not in statuses:
            raise ValidationFailed("starting_after: no invoice of this list has this id.")
    page = invoices.statement_page(customer, statuses, limit=limit, after=after)
    notes = _notes_by_invoice(
        CreditNoteRepository(session, scope).for_invoices([i.id or 0 for i in page.items])
    )
    return page.map(lambda invoice: _summary(invoice, notes.get(invoice.id or 0, [])))


def invoice_by_number(session: Session, scope: TenantScope, actor: Actor, number: str) -> InvoiceView:
    """The invoice numbered `number` in full, if the caller may read it."""
    authorize(actor, scope, Action.READ_INVOICES, owner_account_id=actor.customer_account_id)
    invoice = InvoiceRepository(session, scope).by_number(number.strip().upper())
    if invoice is None or invoice.status == InvoiceStatus.DRAFT or invoice.id is None:
        raise NotFoundError("Invoice not found.")
    if not allows(actor, scope, Action.READ_INVOICES, owner_account_id=invoice.customer_account_id):
        raise InvoiceNotFound()
    lines = InvoiceLineRepository(session, scope).for_invoice(invoice.id)
    notes = CreditNoteRepository(session, scope).for_invoice(invoice.id)
    summary = _summary(invoice, [_note(note) for note in notes])
    return InvoiceView(
        id=summary.id,
        number=summary.number,
        customer_account_id=summary.customer_account_id,
        status=summary.status,
        currency=summary.currency,
        net=summary.net,
        tax=summary.tax,
        gross=summary.gross,
        balance_due=summary.balance_due,
        issued_at=summary.issued_at,
        due_at=summary.due_at,
        paid_at=summary.paid_at,
        voided_at=summary.voided_at,
        buyer_name=_buyer_name(invoice),
        issuer_name=str(invoice.issuer_snapshot.get("legal_name", "")),
        tax_mode=str(invoice.tax_mode),
        tax_note=invoice.tax_note,
        lines=[
            InvoiceLineView(
                position=line.position,
                description=line.description,
                period_start=line.period_start,
                period_end=line.period_end,
                quantity=_plain(line.quantity),
                unit_price=_minor(line.unit_price, invoice.currency),
                tax_rate=_plain(line.tax_rate),
                net=_minor(line.net, invoice.currency),
                tax=_minor(line.tax, invoice.currency),
                gross=_minor(line.gross, invoice.currency),
            )
            for line in lines
        ],
        tax_breakdown=[
            TaxRateView(
                category=str(row.category),
                rate=_plain(row.rate),
                net=_minor(row.net, invoice.currency),
                tax=_minor(row.tax, invoice.currency),
            )
            for row in tax_breakdown(lines)
        ],
        credit_notes=summary.credit_notes,
        bank_transfer=_bank_transfer(invoice),
        pdf_url=summary.pdf_url,
    )


def _summary(invoice: Invoice, notes: list[CreditNoteView]) -> InvoiceSummaryView:
    assert invoice.id is not None and invoice.number is not None
    return InvoiceSummaryView(
        id=invoice.id,
        number=invoice.number,
        customer_account_id=invoice.customer_account_id,
        status=str(invoice.status),
        currency=invoice.currency,
        net=_minor(invoice.net, invoice.currency),
        tax=_minor(invoice.tax, invoice.currency),
        gross=_minor(invoice.gross, invoice.currency),
        balance_due=_minor(invoice.balance_due, invoice.currency),
        issued_at=invoice.issued_at,
        due_at=invoice.due_at,
        paid_at=invoice.paid_at,
        voided_at=invoice.voided_at,
        credit_notes=notes,
        pdf_url=invoice_pdf_url(invoice.number),
    )


def _notes_by_invoice(notes: list[CreditNote]) -> dict[int, list[CreditNoteView]]:
    grouped: dict[int, list[CreditNoteView]] = defaultdict(list)
    for note in notes:
        grouped[note.invoice_id].append(_note(note))
    return grouped


def _note(note: CreditNote) -> CreditNoteView:
    return CreditNoteView(
        number=note.number,
        issued_at=note.issued_at,
        reason=note.reason,
        currency=note.currency,
        net=_minor(note.net, note.currency),
        tax=_minor(note.tax, note.currency),
        gross=_minor(note.gross, note.currency),
        refund_amount=_minor(note.refund_amount, note.currency),
    )


def _buyer_name(invoice: Invoice) -> str:
    buyer = invoice.buyer_snapshot
    return str(buyer.get("company_name") or buyer.get("name") or "")


def _bank_transfer(invoice: Invoice) -> BankTransferView | None:
    """The issuer's bank account as the invoice states it, while something is left to pay."""
    issuer = invoice.issuer_snapshot
    if invoice.status not in UNPAID_INVOICE_STATUSES or invoice.balance_due <= 0 or not issuer.get("iban"):
        return None
    return BankTransferView(
        account_holder=str(issuer.get("legal_name", "")),
        iban=str(issuer["iban"]),
        bic=str(issuer.get("bic", "")),
        reference=invoice.number or "",
        amount=_minor(invoice.balance_due, invoice.currency),
        currency=invoice.currency,
    )


def _minor(amount: Decimal, currency: str) -> Decimal:
    """An amount with the currency's minor digits (`14.28`), as the invoice prints it; stored
    amounts are exact to the micro but already rounded per line, so nothing is lost."""
    return Money.of(amount, currency).round_to_minor().amount


def _plain(number: Decimal) -> Decimal:
    """A quantity or rate without trailing zeros (`1`, `19`, `7.7`), never in exponent form."""
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
