"""What an admin does with invoices: bill now, credit, void, mark paid or unpaid (SPEC §4).

Each operation asks the policy first, refuses a step the invoice's state does not allow with a
named `InvoiceError` (changing nothing), and records an audit entry. How drafts are built and
issued is in drafts.py and issuing.py, credit notes in credit_notes.py, the invoice run in runs.py
and its coordinators in tasks.py.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from backend.audit import service as audit
from backend.billing.charging import Charger
from backend.billing.positions import customers_with_unbilled_charges, lock_unbilled_charges
from backend.customers.service import billing_profile
from backend.invoicing import promotions, settlement
from backend.invoicing.credit_notes import credited_by_line, issue_credit_note, write_credit_note
from backend.invoicing.drafts import InvoicingContext, build_drafts, round_money
from backend.invoicing.errors import InvoiceNotPaid, InvoiceNotPayable, InvoiceNotVoidable
from backend.invoicing.issuing import issue_drafts
from backend.invoicing.repository import CreditNoteRepository
from backend.invoicing.schemas import REASON_MAX_LENGTH
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import CreditNote, Invoice, InvoiceStatus
from backend.models.statuses import UNPAID_INVOICE_STATUSES


def bill_now(
    session: Session,
    scope: TenantScope,
    now: datetime,
    *,
    customer_account_id: int | None = None,
    actor: audit.Actor,
) -> list[Invoice]:
    """Invoice unbilled positions right away, for one customer or all, ignoring the billing day
    and the minimum amount (an admin asked for it)."""
    authorize(actor, scope, Action.BILL_NOW)
    charger = Charger(session, scope)
    ctx = InvoicingContext(session, scope)
    if customer_account_id is not None:
        customers = [customer_account_id]
        if billing_profile(session, scope, customer_account_id) is None:
            raise NotFoundError("Customer not found.")
    else:
        customers = sorted({row[0] for row in customers_with_unbilled_charges(session, scope, now)})
    for subscription in charger.subscriptions.due_for_customers(customers, now):
        charger.bill([subscription], now)
    if customer_account_id is None:
        customers = sorted({row[0] for row in customers_with_unbilled_charges(session, scope, now)})
    positions = lock_unbilled_charges(session, scope, customers, now)
    invoices = ctx.invoices.by_ids(issue_drafts(ctx, build_drafts(ctx, positions), now, force=True))
    audit.record(
        session,
        scope,
        actor,
        "invoices.bill_now",
        object_type="customer_account" if customer_account_id else "tenant",
        object_id=customer_account_id or scope.tenant_id,
        after={"invoices": [invoice.number for invoice in invoices]},
    )
    return invoices


def credit_invoice(
    session: Session,
    scope: TenantScope,
    invoice_id: int,
    credits: dict[int, Decimal],
    reason: str,
    now: datetime,
    *,
    actor: audit.Actor,
) -> CreditNote:
    """An admin's partial credit note: `credits` maps invoice line ids to the net amount credited.

    An unpaid invoice's balance goes down; whatever was already paid is owed back (refund_amount).
    """
    authorize(actor, scope, Action.CREDIT_INVOICE)
    return issue_credit_note(session, scope, invoice_id, credits, reason, now, actor=actor)


def void_invoice(
    session: Session,
    scope: TenantScope,
    invoice_id: int,
    reason: str,
    now: datetime,
    *,
    actor: audit.Actor,
) -> CreditNote:
    """Void an issued or overdue, unpaid invoice: a credit note for everything not yet credited;
    promotions it used are given back."""
    authorize(actor, scope, Action.VOID_INVOICE)
    ctx = InvoicingContext(session, scope)
    invoice = ctx.locked_invoice(invoice_id)
    if invoice.status not in UNPAID_INVOICE_STATUSES:
        raise InvoiceNotVoidable(invoice.number or str(invoice_id), invoice.status)
    credited = credited_by_line(ctx, invoice)
    assert invoice.id is not None
    remaining = {
        line.id: line.net - credited.get(line.id, Decimal(0))
        for line in ctx.lines.for_invoice(invoice.id)
        if line.id is not None and line.net - credited.get(line.id, Decimal(0)) != 0
    }
    before = {"status": str(invoice.status), "balance_due": str(invoice.balance_due)}
    note = write_credit_note(ctx, invoice, remaining, reason or "Invoice voided", now, allow_negative=True)
    invoice.status, invoice.voided_at, invoice.balance_due = InvoiceStatus.VOID, now, Decimal(0)
    promotions.give_back(session, scope, invoice.id, now)
    session.flush()
    settlement.invoice_settled(session, scope, invoice, now, actor)
    audit.record(
        session,
        scope,
        actor,
        "invoice.void",
        object_type="invoice",
        object_id=invoice.id,
        before=before,
        after={"status": "void", "credit_note": note.number, "reason": reason},
    )
    return note


def mark_paid(
    session: Session, scope: TenantScope, invoice_id: int, now: datetime, *, actor: audit.Actor, reason: str
) -> Invoice:
    """An admin records the payment of an issued or overdue invoice in full, saying why (the bank
    transfer's reference, "paid in cash"), which the audit log keeps.

    Every "paid" an admin records goes through here: reversing the dunning of the invoice hooks in
    at this one function."""
    authorize(actor, scope, Action.MARK_INVOICE_PAID)
    reason = _required_reason(reason, "marked paid (e.g. the bank transfer's reference)")
    ctx = InvoicingContext(session, scope)
    invoice = ctx.locked_invoice(invoice_id)
    if invoice.status not in UNPAID_INVOICE_STATUSES:
        raise InvoiceNotPayable(str(invoice.number), invoice.status)
    before = {"status": str(invoice.status), "balance_due": str(invoice.balance_due)}
    invoice.status, invoice.paid_at, invoice.balance_due = InvoiceStatus.PAID, now, Decimal(0)
    session.flush()
    settlement.invoice_settled(session, scope, invoice, now, actor)
    audit.record(
        session,
        scope,
        actor,
        "invoice.mark_paid",
        object_type="invoice",
        object_id=invoice.id,
        before=before,
        after={"status": "paid", "reason": reason},
    )
    return invoice


def receive_payment(
    session: Session,
    scope: TenantScope,
    invoice_id: int,
    amount: Decimal,
    now: datetime,
    *,
    actor: audit.Actor,
    reference: str,
    allow_overpayment: bool = False,
) -> Invoice:
    """Money arrived for an issued or overdue invoice: a card payment the processor confirmed
    (actor SYSTEM, from the webhook) or a bank transfer an admin records, in full or in part.

    The balance goes down by `amount`; at zero the invoice is paid and the settlement listeners run
    (dunning reinstates, provisioning resumes) in this unit of work. An admin cannot record more
    than the balance (`FieldErrors`); money a processor already took is never refused: with
    `allow_overpayment` the invoice is paid and the audit entry names the excess. An invoice that
    is paid or void already raises `InvoiceNotPayable`, changing nothing: the caller decides (a
    webhook records the money for a refund review)."""
    authorize(actor, scope, Action.RECEIVE_PAYMENT)
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise FieldErrors({"amount": "Amount: a positive amount of money, such as 120.00."})
    reference = _required_reason(reference, "paid (e.g. the bank transfer's reference)")
    ctx = InvoicingContext(session, scope)
    invoice = ctx.locked_invoice(invoice_id)
    if invoice.status not in UNPAID_INVOICE_STATUSES:
        raise InvoiceNotPayable(str(invoice.number), invoice.status)
    if amount > invoice.balance_due and not allow_overpayment:
        due = round_money(invoice.balance_due, invoice.currency)
        raise FieldErrors({"amount": f"Amount: at most the balance due, {due} {invoice.currency}."})
    before = {
        "status": str(invoice.status),
        "balance_due": str(round_money(invoice.balance_due, invoice.currency)),
    }
    excess = max(amount - invoice.balance_due, Decimal(0))
    invoice.balance_due = max(invoice.balance_due - amount, Decimal(0))
    if invoice.balance_due == 0:
        invoice.status, invoice.paid_at = InvoiceStatus.PAID, now
        invoice.next_payment_attempt_at = None
    session.flush()
    if invoice.status == InvoiceStatus.PAID:
        settlement.invoice_settled(session, scope, invoice, now, actor)
    after = {
        "status": str(invoice.status),
        "balance_due": str(round_money(invoice.balance_due, invoice.currency)),
        "received": str(amount),
        "reference": reference,
    }
    if excess:
        after["overpaid"] = str(round_money(excess, invoice.currency))
    audit.record(
        session,
        scope,
        actor,
        "invoice.payment_received",
        object_type="invoice",
        object_id=invoice.id,
        before=before,
        after=after,
    )
    return invoice


def locked_invoice(session: Session, scope: TenantScope, invoice_id: int) -> Invoice:
    """The tenant's invoice, locked until commit, for a step that must see its balance while no
    other payment changes it (starting a card payment; the caller authorizes)."""
    return InvoicingContext(session, scope).locked_invoice(invoice_id)


def mark_unpaid(
    session: Session, scope: TenantScope, invoice_id: int, now: datetime, *, actor: audit.Actor, reason: str
) -> Invoice:
    """Undo a wrong "paid", saying why: the balance is the gross less what credit notes took off."""
    authorize(actor, scope, Action.MARK_INVOICE_UNPAID)
    reason = _required_reason(reason, "marked unpaid again (e.g. the transfer was returned)")
    ctx = InvoicingContext(session, scope)
    invoice = ctx.locked_invoice(invoice_id)
    if invoice.status != InvoiceStatus.PAID or invoice.gross == 0:
        raise InvoiceNotPaid(str(invoice.number), invoice.status)
    assert invoice.id is not None
    credited = CreditNoteRepository(session, scope).credited_total(invoice.id)
    invoice.balance_due = max(invoice.gross - credited, Decimal(0))
    invoice.paid_at = None
    # Dunning starts over: its next run sends the step now due (a step mailed before is not mailed
    # again) and, after the last, puts the subscriptions the payment reinstated back to past due.
    invoice.dunning_level, invoice.last_reminder_at = 0, None
    overdue = invoice.due_at is not None and invoice.due_at < now
    invoice.status = InvoiceStatus.OVERDUE if overdue else InvoiceStatus.ISSUED
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "invoice.mark_unpaid",
        object_type="invoice",
        object_id=invoice.id,
        before={"status": "paid"},
        after={"status": str(invoice.status), "balance_due": str(invoice.balance_due), "reason": reason},
    )
    return invoice


def _required_reason(reason: str, why: str) -> str:
    """The reason trimmed; an empty one is refused before anything changes."""
    text = (reason or "").strip()
    if not text:
        raise FieldErrors({"reason": f"Reason: say why the invoice is {why}."})
    return text[:REASON_MAX_LENGTH]
