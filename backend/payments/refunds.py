"""Refunds: money given back for a payment, each with its credit note, made once.

An admin refunds a payment of an invoice, in full or in part, saying why. A bank transfer is given
back by transfer: the refund is recorded at once. A card payment is refunded through the processor,
in three steps so that nothing is lost or doubled when a step fails or the webhook comes first:
1. `request_refund` writes the pending `Refund` (its amount held back from what is refundable) and
   the caller COMMITS;
2. the processor is called with the refund's idempotency key and `refund_id` in its metadata, no
   transaction open (a retry after a crash or timeout re-sends the same key: Stripe answers the
   same refund);
3. `complete_refund` marks it succeeded, adds it to the payment's refunded amount and issues the
   credit note, under the payment's lock, once: whichever of the console and `charge.refunded`
   comes second finds it done.
A refund started in the Stripe dashboard reaches us only as `charge.refunded`: each refund of the
charge not yet known (by its id, or the metadata `refund_id`) becomes a `Refund` of origin
"processor" with its credit note, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.audit import service as audit
from backend.db import unit_of_work
from backend.integrations.payment_processor import Processor, ProcessorError, RefundRequest
from backend.invoicing.credit_notes import credit_refund, preview_refund_credit
from backend.kit.errors import Conflict, FieldErrors, NotFoundError
from backend.kit.policy import SYSTEM, Action, authorize
from backend.kit.repository import TenantScope
from backend.models import Payment, PaymentProcessor, PaymentStatus, Refund, RefundStatus
from backend.money import Money
from backend.payments import balance, settlement
from backend.payments.accounts import processor_for
from backend.payments.charges import amount_of, id_of, payment_of_charge
from backend.payments.events import EventContext, handles
from backend.payments.repository import PaymentRepository, RefundRepository

REFUNDABLE = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)
REASON_MAX_LENGTH = 500
CENT = Decimal("0.01")


class PaymentNotRefundable(Conflict):
    def __init__(self, payment_id: int, status: str) -> None:
        super().__init__(f"Payment {payment_id} is {status}; only a payment that succeeded can be refunded.")


class RefundFailed(Conflict):
    """The processor refused the refund (it is recorded as failed; nothing was given back)."""


class ProcessorUnreachable(Conflict):
    """The processor could not be reached: the refund waits, and the same request sends it again."""

    http_status = 503


def refundable(session: Session, scope: TenantScope, payment: Payment) -> Decimal:
    """What is left to refund of the payment: its amount less what was refunded or is on its way."""
    assert payment.id is not None
    pending = RefundRepository(session, scope).pending_total(payment.id)
    return max(payment.amount - payment.refunded_amount - pending, Decimal(0))


def request_refund(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    payment_id: int,
    amount: Decimal,
    reason: str,
    now: datetime,
    *,
    idempotency_key: str,
) -> Refund:
    """Step 1: the pending refund of `amount` (at most what is refundable) with its reason. A bank
    transfer is refunded at once (by transfer; its credit note is issued); a card refund waits for
    the processor (`send_refund`). The same `idempotency_key` answers the refund it made first."""
    authorize(actor, scope, Action.REFUND_PAYMENT)
    key = f"refund:{idempotency_key.strip()[:200]}"
    refunds = RefundRepository(session, scope)
    if (earlier := refunds.by_idempotency_key(key)) is not None:
        if earlier.payment_id != payment_id:
            raise Conflict("This request key was already used for a refund of another payment.")
        return earlier
    text = (reason or "").strip()[:REASON_MAX_LENGTH]
    if not text:
        raise FieldErrors({"reason": "Reason: say why the money is given back (it is on the credit note)."})
    payment = _locked_payment(session, scope, payment_id)
    _checkamount_of(session, scope, payment, amount)
    refund = refunds.add(
        Refund(
            payment_id=payment_id,
            idempotency_key=key,
            amount=amount,
            currency=payment.currency,
            reason=text,
            origin="admin",
        )
    )
    audit.record(
        session,
        scope,
        actor,
        "payment.refund_requested",
        object_type="invoice" if payment.invoice_id else "payment",
        object_id=payment.invoice_id or payment.id,
        after={"payment": payment.id, "refund": refund.id, "amount": str(amount), "reason": text},
    )
    if payment.processor == PaymentProcessor.MANUAL:
        assert refund.id is not None
        complete_refund(session, scope, refund.id, now, actor=actor)
    return refund


@dataclass(frozen=True, slots=True)
class RefundPreview:
    """What a refund of `amount` gives back and the credit note it issues, before it is confirmed."""

    amount: Decimal
    currency: str
    net: Decimal  # of the credit note (0 and 0 when none is issued: a void invoice)
    tax: Decimal
    by_transfer: bool  # a bank transfer is given back by transfer, a card payment to the card


def preview_refund(
    session: Session, scope: TenantScope, actor: audit.Actor, payment_id: int, amount: Decimal
) -> RefundPreview:
    """The refund `request_refund` would make for `amount`, checked by the same rules, changing nothing."""
    authorize(actor, scope, Action.REFUND_PAYMENT)
    payment = PaymentRepository(session, scope).get(payment_id)
    if payment is None:
        raise NotFoundError("Payment not found.")
    _checkamount_of(session, scope, payment, amount)
    net, tax = (
        preview_refund_credit(session, scope, payment.invoice_id, amount) if payment.invoice_id else (0, 0)
    )
    return RefundPreview(
        amount, payment.currency, Decimal(net), Decimal(tax), payment.processor == PaymentProcessor.MANUAL
    )


def _checkamount_of(session: Session, scope: TenantScope, payment: Payment, amount: Decimal) -> None:
    """A refundable payment, and a positive amount in cents up to what is left of it."""
    if (
        not isinstance(amount, Decimal)
        or not amount.is_finite()
        or amount <= 0
        or amount != amount.quantize(CENT)
    ):
        raise FieldErrors({"amount": "Amount: a positive amount of money with at most two decimals."})
    if payment.status not in REFUNDABLE:
        raise PaymentNotRefundable(payment.id or 0, payment.status)
    left = refundable(session, scope, payment)
    if amount > left:
        shown = Money.of(left, payment.currency).round_to_minor().amount
        raise FieldErrors({"amount": f"Amount: at most what is left to refund, {shown} {payment.currency}."})


@dataclass(frozen=True, slots=True)
class RefundCall:
    """What step 2 sends the processor for a pending refund (read in step 1's unit of work)."""

    refund_id: int
    request: RefundRequest


def refund_call(session: Session, scope: TenantScope, refund_id: int) -> RefundCall | None:
    """The processor request of a pending card refund; None when there is nothing to send (done,
    failed, or a bank transfer)."""
    refund = RefundRepository(session, scope).get(refund_id)
    if refund is None or refund.status != RefundStatus.PENDING:
        return None
    payment = PaymentRepository(session, scope).get(refund.payment_id)
    if payment is None or payment.processor == PaymentProcessor.MANUAL:
        return None
    metadata = {
        "refund_id": str(refund_id),
        "payment_id": str(payment.id),
        "tenant_id": str(scope.tenant_id),
    }
    if payment.invoice_id is not None:
        metadata["invoice_id"] = str(payment.invoice_id)
    request = RefundRequest(
        payment_intent=payment.payment_intent_ref or payment.external_id or "",
        amount=Money.of(refund.amount, refund.currency),
        idempotency_key=refund.idempotency_key,
        reason="requested_by_customer",
        metadata=metadata,
    )
    return RefundCall(refund_id, request)


def complete_refund(
    session: Session,
    scope: TenantScope,
    refund_id: int,
    now: datetime,
    *,
    external_id: str | None = None,
    actor: audit.Actor = SYSTEM,
) -> str:
    """Step 3: the money went back. Once per refund, under the payment's lock (taken before the
    refund's, as every path here does): the payment's refunded amount and status, the credit note
    for the amount on the payment's invoice, the audit entry. A refund done already is left as it is."""
    found = RefundRepository(session, scope).get(refund_id)
    if found is None:
        raise NotFoundError("Refund not found.")
    payment = _locked_payment(session, scope, found.payment_id)
    refund = RefundRepository(session, scope).lock(refund_id)
    assert refund is not None and refund.id is not None
    if refund.status != RefundStatus.PENDING:
        return f"refund {refund.id} already {refund.status}"
    refund.status = RefundStatus.SUCCEEDED
    refund.external_id = external_id or refund.external_id
    payment.refunded_amount += refund.amount
    payment.status = (
        PaymentStatus.REFUNDED
        if payment.refunded_amount >= payment.amount
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    note = None
    if payment.invoice_id is not None:
        note = credit_refund(
            session, scope, payment.invoice_id, refund.amount, f"Refund: {refund.reason}", now, actor=actor
        )
        refund.credit_note_id = note.id if note else None
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "payment.refunded",
        object_type="invoice" if payment.invoice_id else "payment",
        object_id=payment.invoice_id or payment.id,
        after={
            "payment": payment.id,
            "refund": refund.id,
            "amount": str(refund.amount),
            "origin": refund.origin,
            "credit_note": note.number if note else "",
        },
    )
    return f"refund {refund.id} of {refund.amount} {refund.currency}" + (f", {note.number}" if note else "")


def fail_refund(session: Session, scope: TenantScope, refund_id: int, message: str) -> None:
    """The processor refused the pending refund: it no longer holds back the refundable amount."""
    refund = RefundRepository(session, scope).lock(refund_id)
    if refund is None or refund.status != RefundStatus.PENDING:
        return
    refund.status = RefundStatus.FAILED
    audit.record(
        session,
        scope,
        SYSTEM,
        "payment.refund_failed",
        object_type="payment",
        object_id=refund.payment_id,
        after={"refund": refund.id, "message": message[:300]},
    )


def refund_payment(
    scope: TenantScope,
    actor: audit.Actor,
    payment_id: int,
    amount: Decimal,
    reason: str,
    now: datetime,
    *,
    idempotency_key: str,
) -> int:
    """The three steps for a page or the API, each in its own unit of work; returns the refund id.
    A processor that refuses raises `RefundFailed`; one that cannot be reached `ProcessorUnreachable`
    (the refund stays pending, and the same key sends it again)."""
    with unit_of_work() as session:
        refund = request_refund(
            session, scope, actor, payment_id, amount, reason, now, idempotency_key=idempotency_key
        )
        assert refund.id is not None
        refund_id = refund.id
        call = refund_call(session, scope, refund_id)
        processor: Processor | None = processor_for(session, scope) if call else None
    if call is None or processor is None:
        return refund_id
    try:
        result = processor.refund(call.request)
    except ProcessorError as error:
        if error.retryable:
            raise ProcessorUnreachable(
                "The payment processor could not be reached; the refund waits. Try again."
            ) from error
        with unit_of_work() as session:
            fail_refund(session, scope, call.refund_id, str(error))
        raise RefundFailed(f"The payment processor refused the refund: {error}") from error
    with unit_of_work() as session:
        if result.status == "failed":
            fail_refund(session, scope, call.refund_id, "refused by the processor")
        else:
            complete_refund(session, scope, call.refund_id, now, external_id=result.id, actor=actor)
    if result.status == "failed":
        raise RefundFailed("The payment processor refused the refund.")
    return call.refund_id


@handles("charge.refunded")
def charge_refunded(context: EventContext) -> str | None:
    """Every refund of the charge becomes a `Refund` with its credit note, once: those the console
    started are completed (found by id or metadata `refund_id`), the others (the Stripe dashboard)
    are recorded with origin "processor". A payment still pending is settled first (the refund
    proves the charge succeeded; the late checkout event then finds it done)."""
    session, scope, charge = context.session, context.scope, context.event.object
    payment = payment_of_charge(session, scope, charge)
    if payment is None:
        return None
    assert payment.id is not None
    notes = []
    if payment.status == PaymentStatus.PENDING:
        notes.append(
            settlement.payment_succeeded(
                session,
                scope,
                payment.id,
                amount_of(charge.get("amount"), charge),
                context.now,
                payment_intent_ref=id_of(charge.get("payment_intent")),
                charge_ref=str(charge.get("id") or ""),
            )
        )
    _locked_payment(session, scope, payment.id)
    listed = (charge.get("refunds") or {}).get("data")
    if isinstance(listed, list):
        for stripe_refund in listed:
            if isinstance(stripe_refund, dict) and stripe_refund.get("status") in ("succeeded", "pending"):
                notes.append(_processor_refund(context, payment, stripe_refund))
    else:
        notes.append(_refunded_total(context, payment, charge))
    return "; ".join(note for note in notes if note)


def _processor_refund(context: EventContext, payment: Payment, stripe_refund: dict[str, Any]) -> str:
    session, scope = context.session, context.scope
    refunds = RefundRepository(session, scope)
    external_id = str(stripe_refund.get("id") or "")
    known = refunds.by_external_id(external_id) if external_id else None
    mine = (stripe_refund.get("metadata") or {}).get("refund_id")
    if known is None and str(mine or "").isdigit():
        candidate = refunds.get(int(str(mine)))
        known = candidate if candidate is not None and candidate.payment_id == payment.id else None
    if known is None:
        known = refunds.add(
            Refund(
                payment_id=payment.id,
                external_id=external_id,
                idempotency_key=f"processor:{external_id}",
                amount=amount_of(stripe_refund.get("amount"), stripe_refund),
                currency=payment.currency,
                reason=str(stripe_refund.get("reason") or "") or "Refunded in the Stripe dashboard",
                origin="processor",
            )
        )
    balance.record_of(context, stripe_refund, "refund")
    assert known.id is not None
    return complete_refund(session, scope, known.id, context.now, external_id=external_id or None)


def _refunded_total(context: EventContext, payment: Payment, charge: dict[str, Any]) -> str:
    """A charge without its refund list (newer API versions leave it out): what was refunded in all,
    less the refunds recorded or on their way, is one refund from outside the console."""
    session, scope = context.session, context.scope
    refunded = amount_of(charge.get("amount_refunded"), charge)
    assert payment.id is not None
    known = payment.refunded_amount + RefundRepository(session, scope).pending_total(payment.id)
    if refunded <= known:
        return f"charge {charge.get('id')}: refunds already recorded"
    refund = RefundRepository(session, scope).add(
        Refund(
            payment_id=payment.id,
            idempotency_key=f"processor:{charge.get('id')}:{refunded}",
            amount=refunded - known,
            currency=payment.currency,
            reason="Refunded in the Stripe dashboard",
            origin="processor",
        )
    )
    assert refund.id is not None
    return complete_refund(session, scope, refund.id, context.now)


def _locked_payment(session: Session, scope: TenantScope, payment_id: int) -> Payment:
    payment = PaymentRepository(session, scope).lock(payment_id)
    if payment is None:
        raise NotFoundError("Payment not found.")
    return payment
