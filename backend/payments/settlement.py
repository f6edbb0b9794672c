"""A payment the processor confirmed (or refused), applied once however often it is reported.

A card payment is reported twice or more: the job that charged it sees the result, and Stripe sends
`payment_intent.succeeded` (and for Checkout `checkout.session.completed`), in any order, maybe
concurrently, maybe again. Every path first writes a pending `Payment` row and commits it BEFORE
calling the processor, putting its id in the processor's metadata (`payment_id`); every report then
locks that row and applies the money only if the row is not yet succeeded. So the invoice's balance
goes down once, whoever reports first.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from backend.audit import service as audit
from backend.invoicing import service as invoicing
from backend.invoicing.errors import InvoiceNotPayable
from backend.kit.errors import NotFoundError
from backend.kit.policy import SYSTEM
from backend.kit.repository import TenantScope
from backend.models import Payment, PaymentStatus
from backend.payments.repository import PaymentRepository

SETTLED = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)


def payment_succeeded(
    session: Session,
    scope: TenantScope,
    payment_id: int,
    amount: Decimal,
    now: datetime,
    *,
    payment_intent_ref: str | None = None,
    charge_ref: str | None = None,
) -> str:
    """Record that the processor took `amount` for the payment, and credit its invoice, once.

    Returns a note for the event log. Money for an invoice that is already paid or void (paid twice
    by two means, voided meanwhile) is kept on the payment and audited for the admin to refund; it is
    never refused, since the processor has it."""
    payment = _locked(session, scope, payment_id)
    if payment.status in SETTLED:
        return f"payment {payment.id} already recorded"
    payment.status, payment.succeeded_at, payment.amount = PaymentStatus.SUCCEEDED, now, amount
    payment.failure_code, payment.failure_reason = "", ""
    payment.payment_intent_ref = payment_intent_ref or payment.payment_intent_ref
    payment.charge_ref = charge_ref or payment.charge_ref
    session.flush()
    if payment.invoice_id is None:
        return f"payment {payment.id} succeeded"
    reference = f"{payment.processor} {payment.payment_intent_ref or payment.external_id or payment.id}"
    try:
        invoice = invoicing.receive_payment(
            session,
            scope,
            payment.invoice_id,
            amount,
            now,
            actor=SYSTEM,
            reference=reference,
            allow_overpayment=True,
        )
    except InvoiceNotPayable as refused:
        audit.record(
            session,
            scope,
            SYSTEM,
            "payment.unapplied",
            object_type="payment",
            object_id=payment.id,
            after={"amount": str(amount), "invoice_status": str(refused.status), "review": "refund"},
        )
        return f"payment {payment.id} succeeded; invoice {refused.invoice} was already {refused.status}"
    return f"invoice {invoice.number} received {amount} {invoice.currency} ({invoice.status})"


def payment_failed(
    session: Session,
    scope: TenantScope,
    payment_id: int,
    now: datetime,
    *,
    code: str,
    message: str,
    status: PaymentStatus = PaymentStatus.FAILED,
) -> str:
    """Record a refused or abandoned payment; one that succeeded meanwhile stays succeeded (a late
    failure report of an earlier attempt must not undo money that arrived)."""
    payment = _locked(session, scope, payment_id)
    if payment.status != PaymentStatus.PENDING:
        return f"payment {payment.id} already {payment.status}"
    payment.status, payment.failure_code, payment.failure_reason = status, code[:100], message
    session.flush()
    return f"payment {payment.id} {status}: {code or message}"


def _locked(session: Session, scope: TenantScope, payment_id: int) -> Payment:
    payment = PaymentRepository(session, scope).lock(payment_id)
    if payment is None:
        raise NotFoundError("Payment not found.")
    return payment
