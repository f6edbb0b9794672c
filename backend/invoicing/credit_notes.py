"""Credit notes: the only way an issued invoice is corrected (SPEC §4; Kill Bill's rule).

A credit note credits part of an invoice's lines (`INV-2026-00001-CN1`): an admin's partial credit,
a void (everything not yet credited), a credit for unused time of a charge that was already
invoiced (a plan change, withdrawal or cancellation ending a charged period early), or the money a
refund gave back (`credit_refund`, spread over the lines in proportion). A line is
never credited by more than is left of it. On an unpaid invoice the balance goes down; whatever
was already paid is owed back (`refund_amount`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from sqlmodel import Session

from backend.audit import service as audit
from backend.invoicing.drafts import HUNDRED, InvoicingContext, line_tax, round_money
from backend.invoicing.errors import InvoiceNotCreditable
from backend.invoicing.repository import CreditNoteRepository
from backend.kit.errors import NotFoundError, ValidationFailed
from backend.kit.repository import TenantScope
from backend.models import CreditNote, CreditNoteLine, Invoice, InvoiceStatus, OpenPosition
from backend.models.statuses import UNPAID_INVOICE_STATUSES
from backend.money import minor_exponent
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


def credit_refund(
    session: Session,
    scope: TenantScope,
    invoice_id: int,
    amount: Decimal,
    reason: str,
    now: datetime,
    *,
    actor: audit.Actor,
) -> CreditNote | None:
    """The credit note for money a refund gave back: `amount` is gross (what the customer got),
    spread over what is left to credit of the invoice's lines by `split_refund`.

    The balance due does not change: a refund takes back money that was paid, and the credit note
    takes the same amount off the invoice, so what is still owed stays owed (an invoice of 119.00
    paid 50.00 and refunded 20.00 is now 99.00 with 30.00 paid: 69.00 due, as before). The whole
    credit note is owed back (`refund_amount`), which the refund settles. Capped by what is left to
    credit (a credit note that already owes the money back covers the rest); None when nothing is
    left or the invoice charged nothing (void, draft). A step of `payments.refunds`, which asked the
    policy."""
    ctx = InvoicingContext(session, scope)
    invoice = ctx.locked_invoice(invoice_id)
    split = _refund_split(ctx, invoice, amount)
    if not split:
        return None
    note = write_credit_note(
        ctx,
        invoice,
        {line_id: net for line_id, (net, _tax) in split.items()},
        reason,
        now,
        taxes={line_id: tax for line_id, (_net, tax) in split.items()},
    )
    note.refund_amount = note.gross
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "invoice.credit",
        object_type="invoice",
        object_id=invoice.id,
        after={"credit_note": note.number, "gross": str(note.gross), "reason": reason, "refund": "yes"},
    )
    return note


def preview_refund_credit(
    session: Session, scope: TenantScope, invoice_id: int, amount: Decimal
) -> tuple[Decimal, Decimal]:
    """(net, tax) of the credit note `credit_refund` would issue for `amount` now, computed by the
    same split, changing nothing; (0, 0) when it would issue none. Read for a page an admin (the
    caller asked the policy) looks at before confirming a refund."""
    ctx = InvoicingContext(session, scope)
    invoice = ctx.invoices.get(invoice_id)
    if invoice is None:
        raise NotFoundError("Invoice not found.")
    split = _refund_split(ctx, invoice, amount)
    return (
        sum((net for net, _tax in split.values()), Decimal(0)),
        sum((tax for _net, tax in split.values()), Decimal(0)),
    )


def _refund_split(
    ctx: InvoicingContext, invoice: Invoice, amount: Decimal
) -> dict[int, tuple[Decimal, Decimal]]:
    """The refund's split over what is left of the invoice's lines (nothing on a void or draft)."""
    if invoice.status not in CREDITABLE_STATUSES or invoice.id is None:
        return {}
    credited = credited_by_line(ctx, invoice)
    left = [
        (line.id, line.net - credited.get(line.id, Decimal(0)), line.tax_rate)
        for line in ctx.lines.for_invoice(invoice.id)
        if line.id is not None and line.net - credited.get(line.id, Decimal(0)) > 0
    ]
    return split_refund(amount, left, invoice.currency)


def split_refund(
    amount: Decimal, left: list[tuple[int, Decimal, Decimal]], currency: str
) -> dict[int, tuple[Decimal, Decimal]]:
    """How a refund of `amount` (gross) credits the lines `left` ((line id, net left, tax rate)):
    line id -> (net, tax), the grosses adding up to `amount` exactly.

    All that is left: each line's net left, with its tax by the line rule. Less: the gross is
    shared in proportion to each line's gross left, in whole minor units (largest remainder: each
    line gets the floor of its share, the cents still missing go to the largest remainders), and
    each share's tax is taken out of it at the line's rate: net = share / (1 + rate) rounded
    half-up, tax = share - net (a gross amount holds its tax; only this way does the credit note
    equal the money returned to the cent). Capped by the gross left."""
    minor = Decimal(1).scaleb(-minor_exponent(currency))
    gross_left = {line_id: net + line_tax(net, rate, currency) for line_id, net, rate in left}
    total = sum(gross_left.values(), Decimal(0))
    if total <= 0 or amount <= 0:
        return {}
    if amount >= total:
        return {line_id: (net, line_tax(net, rate, currency)) for line_id, net, rate in left}
    exact = {line_id: amount * gross / total for line_id, gross in gross_left.items()}
    shares = {
        line_id: (value / minor).to_integral_value(ROUND_FLOOR) * minor for line_id, value in exact.items()
    }
    missing = int((amount - sum(shares.values(), Decimal(0))) / minor)
    for line_id in sorted(exact, key=lambda i: (-(exact[i] - shares[i]), i))[:missing]:
        shares[line_id] += minor
    rates = {line_id: rate for line_id, _net, rate in left}
    split = {}
    for line_id, share in shares.items():
        if share <= 0:
            continue
        net = round_money(share * HUNDRED / (HUNDRED + rates[line_id]), currency)
        split[line_id] = (net, share - net)
    return split


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
    taxes: dict[int, Decimal] | None = None,
) -> CreditNote:
    """A credit note on `invoice` for `credits` (invoice line id -> net amount), numbered after the
    invoice (`INV-2026-00001-CN2`); each line's tax at the line's rate, rounded per line. An amount
    is in whole minor units and at most what is left of its line (`allow_negative`: any amount,
    for a void crediting what is left of every line, discount lines too). `taxes` gives a line's
    tax instead (a refund's gross split into net and tax, `credit_refund`). Changes no balance."""
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
        tax = (taxes or {}).get(line_id, line_tax(amount, line.tax_rate, invoice.currency))
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
