"""Bank transfers an admin records: money that reached the tenant's account for an invoice.

The customer pays by transfer to the IBAN on the invoice, with its number as the reference; an admin
records what arrived, in full or in part (any positive amount up to the balance due), with the
bank's reference. Each transfer is a `Payment` (processor manual, kind manual, succeeded at once)
so that it can be listed and refunded like a card payment, and the invoice's balance goes down
through `invoicing.receive_payment`, the one way money reaches an invoice. A request repeated with
its idempotency key (a double click, an API retry) records the transfer once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from backend.audit import service as audit
from backend.invoicing import service as invoicing
from backend.kit.errors import Conflict, FieldErrors
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import Payment, PaymentProcessor, PaymentStatus
from backend.payments.repository import PaymentRepository

REFERENCE_MAX_LENGTH = 200
CENT = Decimal("0.01")


class ChargeInFlight(Conflict):
    """An automatic card charge of the invoice has not reported back yet: recording a transfer now
    could collect the invoice twice."""

    def __init__(self) -> None:
        super().__init__(
            "A card charge of this invoice is in flight; record the transfer once it has failed, or"
            " refund the one you do not keep."
        )


def record_bank_transfer(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    invoice_id: int,
    amount: Decimal,
    reference: str,
    now: datetime,
    *,
    idempotency_key: str = "",
) -> Payment:
    """Record `amount` received by bank transfer for an issued or overdue invoice.

    At most the balance due (a larger amount is refused by field, nothing changes); at zero the
    invoice is paid. Refused while an automatic card charge of the invoice is in flight.
    `reference` (the bank's, required) is kept on the payment and in the audit log. The same
    `idempotency_key` again answers the payment recorded the first time."""
    authorize(actor, scope, Action.RECORD_BANK_TRANSFER)
    payments = PaymentRepository(session, scope)
    key = f"manual:{idempotency_key.strip()[:200] or uuid.uuid4().hex}"
    if (earlier := payments.by_idempotency_key(key)) is not None:
        if earlier.invoice_id != invoice_id:
            raise Conflict("This request key was already used for a payment of another invoice.")
        return earlier
    if any(
        p.kind == "off_session" and p.status == PaymentStatus.PENDING for p in payments.of_invoice(invoice_id)
    ):
        raise ChargeInFlight()
    text = (reference or "").strip()[:REFERENCE_MAX_LENGTH]
    if not text:
        raise FieldErrors({"reference": "Reference: the bank transfer's reference, as on the statement."})
    invoice = invoicing.receive_payment(
        session, scope, invoice_id, _checked(amount), now, actor=actor, reference=f"bank transfer {text}"
    )
    payment = payments.add(
        Payment(
            invoice_id=invoice_id,
            customer_account_id=invoice.customer_account_id,
            processor=PaymentProcessor.MANUAL,
            kind="manual",
            idempotency_key=key,
            amount=amount,
            currency=invoice.currency,
            status=PaymentStatus.SUCCEEDED,
            note=text,
            succeeded_at=now,
        )
    )
    audit.record(
        session,
        scope,
        actor,
        "payment.bank_transfer_recorded",
        object_type="invoice",
        object_id=invoice_id,
        after={"payment": payment.id, "amount": str(amount), "reference": text},
    )
    return payment


def _checked(amount: Decimal) -> Decimal:
    """A positive amount in whole cents (receive_payment checks it against the balance)."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise FieldErrors({"amount": "Amount: a positive amount of money, such as 120.00."})
    if amount != amount.quantize(CENT):
        raise FieldErrors({"amount": "Amount: at most two decimals, such as 120.50."})
    return amount
