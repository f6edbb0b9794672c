"""What the refund, dispute and payout tests share: an issued invoice of hand-checked amounts, a card
payment as the checkout would have written it, and processor events as Stripe shapes them.

The invoice (German VAT, a private customer in Germany):
  Server setup  3 × 19.99 = 59.97 net, 19 %: 11.3943 -> 11.39 tax, 71.36 gross
  Handbook      1 × 10.00 = 10.00 net,  7 %:  0.70 tax,              10.70 gross
  total 69.97 net + 12.09 tax = 82.06 gross
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from backend.integrations.payment_processor import WebhookEvent
from backend.invoicing import manual_drafts
from backend.invoicing.schemas import DraftInput, DraftLineInput
from backend.models import CreditNote, CreditNoteLine, Invoice, Payment, PaymentProcessor, Refund, TaxCategory
from backend.payments.events import EventContext, dispatch
from tests.billing.world import World

D = Decimal
_events = itertools.count(1)


def issued_invoice(world: World) -> Invoice:
    customer = world.customer()
    assert customer.id is not None
    draft = manual_drafts.create_draft(
        world.session,
        world.scope,
        world.admin,
        DraftInput(
            customer_account_id=customer.id,
            lines=[
                DraftLineInput(
                    description="Server setup",
                    quantity=D(3),
                    unit_price=D("19.99"),
                    tax_category=TaxCategory.STANDARD,
                ),
                DraftLineInput(
                    description="Handbook",
                    quantity=D(1),
                    unit_price=D("10.00"),
                    tax_category=TaxCategory.REDUCED,
                ),
            ],
        ),
        world.now,
    )
    invoice = manual_drafts.issue_invoice(world.session, world.scope, world.admin, draft.id or 0, world.now)
    assert invoice.gross == D("82.06")
    return invoice


def card_payment(world: World, invoice: Invoice, intent: str = "pi_1") -> Payment:
    """The pending payment a checkout writes (and commits) before it calls Stripe."""
    payment = Payment(
        tenant_id=world.scope.tenant_id,
        invoice_id=invoice.id,
        customer_account_id=invoice.customer_account_id,
        processor=PaymentProcessor.STRIPE,
        kind="checkout",
        external_id=f"cs_{intent}",
        payment_intent_ref=intent,
        idempotency_key=f"checkout:{invoice.id}:{intent}",
        amount=invoice.gross,
        currency=invoice.currency,
    )
    world.session.add(payment)
    world.session.flush()
    return payment


def charge(
    payment: Payment, charge_id: str = "ch_1", refunds: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A Stripe charge of the payment (amounts in cents), with its refunds so far."""
    refunded = sum(int(refund["amount"]) for refund in refunds or [])
    return {
        "id": charge_id,
        "object": "charge",
        "amount": int(payment.amount * 100),
        "amount_refunded": refunded,
        "currency": payment.currency.lower(),
        "payment_intent": payment.payment_intent_ref,
        "status": "succeeded",
        "metadata": {"payment_id": str(payment.id), "tenant_id": str(payment.tenant_id)},
        "refunds": {"object": "list", "data": refunds or []},
    }


def stripe_refund(refund_id: str, cents: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": refund_id,
        "object": "refund",
        "amount": cents,
        "currency": "eur",
        "status": "succeeded",
    } | fields


def deliver(world: World, event_type: str, obj: dict[str, Any]) -> str | None:
    """Run the handlers of one event, as the webhook route does after storing it."""
    event = WebhookEvent(f"evt_{next(_events)}", event_type, 1_800_000_000, obj)
    return dispatch(EventContext(world.session, world.scope, event, world.now))


def refunds_of(world: World, payment: Payment) -> list[Refund]:
    statement = select(Refund).where(Refund.payment_id == payment.id).order_by(Refund.id)
    return list(world.session.scalars(statement))


def credit_notes_of(world: World, invoice: Invoice) -> list[CreditNote]:
    statement = select(CreditNote).where(CreditNote.invoice_id == invoice.id).order_by(CreditNote.id)
    return list(world.session.scalars(statement))


def note_lines(world: World, note: CreditNote) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(net, tax, rate) of each line of the credit note, in order."""
    statement = (
        select(CreditNoteLine)
        .where(CreditNoteLine.credit_note_id == note.id)
        .order_by(CreditNoteLine.position)
    )
    return [(line.net, line.tax, line.tax_rate) for line in world.session.scalars(statement)]
