"""What the admin sees of an invoice's money: its payments (card and bank transfer), what was
refunded of each with the credit notes, and the disputes on its charges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from backend.audit.service import Actor
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import Payment
from backend.money import Money
from backend.payments.refunds import REFUNDABLE, refundable
from backend.payments.repository import DisputeRepository, PaymentRepository, RefundRepository


@dataclass(frozen=True, slots=True)
class PaymentView:
    id: int
    at: datetime  # when it succeeded, else when it was started
    processor: str  # stripe, manual
    kind: str  # checkout, off_session, manual, payment_link
    amount: Decimal
    currency: str
    status: str
    refunded_amount: Decimal
    refundable: Decimal  # what a refund may still give back (0 unless it succeeded)
    reference: str  # a bank transfer's reference, a card payment's PaymentIntent


@dataclass(frozen=True, slots=True)
class RefundView:
    id: int
    payment_id: int
    at: datetime
    amount: Decimal
    currency: str
    status: str
    reason: str
    origin: str  # admin (the console), processor (the Stripe dashboard)
    credit_note: str  # its number, "" while pending


@dataclass(frozen=True, slots=True)
class DisputeView:
    external_id: str
    amount: Decimal
    currency: str
    reason: str
    status: str
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class InvoicePayments:
    payments: list[PaymentView]
    refunds: list[RefundView]
    disputes: list[DisputeView]


def invoice_payments(session: Session, scope: TenantScope, actor: Actor, invoice_id: int) -> InvoicePayments:
    """The payments of the invoice (oldest first) with their refunds, and its disputes."""
    authorize(actor, scope, Action.READ_PAYMENTS)
    payments = PaymentRepository(session, scope).of_invoice(invoice_id)
    refunds_repository = RefundRepository(session, scope)
    refunds = refunds_repository.of_payments([p.id for p in payments if p.id is not None])
    numbers = refunds_repository.credit_note_numbers([r.credit_note_id for r in refunds if r.credit_note_id])
    return InvoicePayments(
        payments=[_payment(session, scope, payment) for payment in payments],
        refunds=[
            RefundView(
                id=refund.id or 0,
                payment_id=refund.payment_id,
                at=refund.created_at,
                amount=_minor(refund.amount, refund.currency),
                currency=refund.currency,
                status=str(refund.status),
                reason=refund.reason,
                origin=refund.origin,
                credit_note=numbers.get(refund.credit_note_id or 0, ""),
            )
            for refund in refunds
        ],
        disputes=[
            DisputeView(
                d.external_id,
                _minor(d.amount, d.currency),
                d.currency,
                d.reason,
                d.status,
                d.opened_at,
                d.closed_at,
            )
            for d in DisputeRepository(session, scope).of_invoice(invoice_id)
        ],
    )


def _payment(session: Session, scope: TenantScope, payment: Payment) -> PaymentView:
    left = refundable(session, scope, payment) if payment.status in REFUNDABLE else Decimal(0)
    return PaymentView(
        id=payment.id or 0,
        at=payment.succeeded_at or payment.created_at,
        processor=str(payment.processor),
        kind=payment.kind,
        amount=_minor(payment.amount, payment.currency),
        currency=payment.currency,
        status=str(payment.status),
        refunded_amount=_minor(payment.refunded_amount, payment.currency),
        refundable=_minor(left, payment.currency),
        reference=payment.note or payment.payment_intent_ref or "",
    )


def _minor(amount: Decimal, currency: str) -> Decimal:
    """Stored with six decimals; shown in the currency's minor unit."""
    return Money.of(amount, currency).round_to_minor().amount


def payment_to_refund(
    session: Session, scope: TenantScope, actor: Actor, invoice_id: int, payment_id: int | None
) -> int:
    """The payment of the invoice a refund is for: the one named (it must be the invoice's), or the
    invoice's only payment that can still be refunded."""
    authorize(actor, scope, Action.REFUND_PAYMENT)
    payments = PaymentRepository(session, scope).of_invoice(invoice_id)
    if payment_id is not None:
        if not any(payment.id == payment_id for payment in payments):
            raise NotFoundError("Payment not found on this invoice.")
        return payment_id
    candidates = [p.id for p in payments if p.id is not None and p.status in REFUNDABLE]
    if len(candidates) != 1:
        which = "has no payment that can be refunded" if not candidates else "has several payments"
        raise FieldErrors({"payment_id": f"Payment: the invoice {which}; name the payment to refund."})
    return candidates[0]
