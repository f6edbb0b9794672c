"""Credit notes: the only way an issued invoice is corrected (SPEC §4; Kill Bill's rule).

A credit note credits part of an invoice's lines (`INV-2026-00001-CN1`): an admin's partial credit,
a void (everything not yet credited), or a credit for unused time of a charge that was already
invoiced (a plan change, withdrawal or cancellation ending a charged period early). A line is
never credited by more than is left of it. On an unpaid invoice the balance goes down; whatever
was already paid is owed back (`refund_amount`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from backend.audit import service as audit
from backend.invoicing.drafts import InvoicingContext, line_tax, round_money
from backend.invoicing.errors import InvoiceNotCreditable
from backend.invoicing.repository import CreditNoteRepository
from backend.kit.errors import NotFoundError, ValidationFailed
from backend.kit.repository import TenantScope
from backend.models import CreditNote, CreditNoteLine, Invoice, InvoiceStatus, OpenPosition
from backend.models.statuses import UNPAID_INVOICE_STATUSES
from backend.periods import Period

# The invoices whose lines can still be credited: a void or draft invoice charged nothing.
CREDITABLE_STATUSES = (*UNPAID_INVOICE_STATUSES, InvoiceStatus.PAID)


def credited_by_line(ctx: InvoicingContext, invoice: Invoice) -> dict[int, Decimal]:
    """The net already credited on each line of the invoice, by line id."""
    assert invoice.id is not None
    return CreditNoteRepository(ctx.session, ctx.scope).credited_net_by_line(invoice.id)


def issue_credit_note(
    session: Session,
    scope: TenantScope,
    invoice_id: int,
    credits: dict[int, Decimal],
    reason: str,
    now: datetime,
    *,
    periods: dict[int, tuple[datetime, datetime]] | None = None,
    actor: audit.Actor,
) -> CreditNote:
    """The credit note of `credit_invoice` (`periods` optionally maps lines to the time each
    credit is for), without a policy check of its own: it is a step of an operation that checked
    its actor (an admin's credit, or a plan change, withdrawal or cancellation crediting unused
    time through `credit_billed_charge`)."""
    ctx = InvoicingContext(session, scope)
    invoice = ctx.locked_invoice(invoice_id)
    if invoice.status not in (*UNPAID_INVOICE_STATUSES, InvoiceStatus.PAID):
        raise InvoiceNotCreditable(invoice.number or str(invoice_id), invoice.status)
    note = write_credit_note(ctx, invoice, credits, reason, now, periods=periods)
    if invoice.status == InvoiceStatus.PAID:
        note.refund_amount = note.gross
    else:
        reduced = min(note.gross, invoice.balance_due)
        invoice.balance_due -= reduced
        note.refund_amount = note.gross - reduced
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "invoice.credit",
        object_type="invoice",
        object_id=invoice.id,
        after={"credit_note": note.number, "gross": str(note.gross), "reason": reason},
    )
    return note


def credit_billed_charge(
    session: Session,
    scope: TenantScope,
    charge: OpenPosition,
    amount: Decimal,
    reason: str,
    covered: Period,
    now: datetime,
    *,
    actor: audit.Actor,
) -> CreditNote | None:
    """Credit `amount` (net, > 0) of an invoiced `charge` for the time `covered`: a credit note on
    its invoice, capped by what is left of its line. Nothing when the invoice was voided (it
    charged nothing) or the line is credited in full already. Like `issue_credit_note`, a step of an
    operation that asked the policy."""
    assert charge.invoice_id is not None and charge.id is not None
    ctx = InvoicingContext(session, scope)
    invoice = ctx.invoices.get(charge.invoice_id)
    line = ctx.lines.for_open_position(charge.id)
    if invoice is None or invoice.id is None or line is None or line.id is None:
        raise NotFoundError("Invoice not found.")
    if invoice.status not in CREDITABLE_STATUSES:
        return None
    left = line.net - credited_by_line(ctx, invoice).get(line.id, Decimal(0))
    amount = min(amount, left)
    if amount <= 0:
        return None
    return issue_credit_note(
        session,
        scope,
        invoice.id,
        {line.id: amount},
        reason,
        now,
        periods={line.id: (covered.start, covered.end)},
        actor=actor,
    )


def credited_windows(
    session: Session, scope: TenantScope, position_ids: list[int]
) -> list[tuple[int, datetime | None, datetime | None]]:
    """Per credit note line crediting one of the charges (open position ids): (charge id, start of
    the credited time, start of the invoice line's time). A credit note from a later moment on than
    its line starts is a credit for unused time; one over the whole line a void or manual credit."""
    return CreditNoteRepository(session, scope).credited_windows(position_ids)


def write_credit_note(
    ctx: InvoicingContext,
    invoice: Invoice,
    credits: dict[int, Decimal],
    reason: str,
    now: datetime,
    *,
    allow_negative: bool = False,
    periods: dict[int, tuple[datetime, datetime]] | None = None,
) -> CreditNote:
    """A credit note on `invoice` for `credits` (invoice line id -> net amount), numbered after the
    invoice (`INV-2026-00001-CN2`); each line's tax at the line's rate, rounded per line. An amount
    is in whole minor units and at most what is left of its line (`allow_negative`: any amount,
    for a void crediting what is left of every line, discount lines too). Changes no balance."""
    assert invoice.id is not None
    if not credits:
        raise ValidationFailed("Choose at least one line and an amount to credit.")
    lines = {line.id: line for line in ctx.lines.for_invoice(invoice.id)}
    credited = credited_by_line(ctx, invoice)
    note_lines = []
    for position, (line_id, amount) in enumerate(sorted(credits.items()), start=1):
        line = lines.get(line_id)
        if line is None:
            raise NotFoundError(f"Invoice line {line_id} is not on invoice {invoice.number}.")
        amount = Decimal(amount)
        if round_money(amount, invoice.currency) != amount:
            raise ValidationFailed(
                f"Credit amounts are in whole {invoice.currency} minor units; got {amount}."
            )
        left = line.net - credited.get(line_id, Decimal(0))
        if not allow_negative and not (0 < amount <= left):
            raise ValidationFailed(
                f"Line {line.position} ('{line.description}') can be credited by at most"
                f" {left} {invoice.currency}; got {amount}."
            )
        tax = line_tax(amount, line.tax_rate, invoice.currency)
        period_start, period_end = (periods or {}).get(line_id, (line.period_start, line.period_end))
        note_lines.append(
            CreditNoteLine(
                tenant_id=ctx.scope.tenant_id,
                position=position,
                invoice_line_id=line_id,
                description=line.description,
                period_start=period_start,
                period_end=period_end,
                quantity=Decimal(1),
                unit_price=amount,
                tax_rate=line.tax_rate,
                net=amount,
                tax=tax,
                gross=amount + tax,
            )
        )
    notes = CreditNoteRepository(ctx.session, ctx.scope)
    sequence = notes.count_for_invoice(invoice.id) + 1
    net = sum((line.net for line in note_lines), Decimal(0))
    tax = sum((line.tax for line in note_lines), Decimal(0))
    note = notes.add(
        CreditNote(
            invoice_id=invoice.id,
            number=f"{invoice.number}-CN{sequence}",
            reason=reason[:500],
            currency=invoice.currency,
            net=net,
            tax=tax,
            gross=net + tax,
            issued_at=now,
        )
    )
    for line in note_lines:
        line.credit_note_id = note.id  # type: ignore[assignment]
        ctx.session.add(line)
    ctx.session.flush()
    return note
