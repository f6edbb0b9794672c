"""Refunds, disputes and payouts through POST /api/webhooks/stripe[/{tenant}], signed as Stripe signs:
`charge.refunded` before the checkout's own event, a dashboard refund reported by two events, a
refund of a payment the database does not have (500, handled on redelivery), a dispute traced to
its tenant through the payment intent, and a payout on a tenant's own account.

The invoice of each shop (tests/payments/checkout_world.py): 100.00 net + 19.00 tax = 119.00 EUR.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from backend.db import unit_of_work
from backend.models import (
    CreditNote,
    Dispute,
    InvoiceStatus,
    Payment,
    PaymentProcessor,
    PaymentStatus,
    Payout,
    Refund,
)
from tests.payments.checkout_world import (
    PayWorld,
    Shop,
    completed_session,
    event,
    metadata,
    pay_world,
    signature,
)

pytestmark = pytest.mark.postgres
__all__ = ["pay_world"]


def _post(world: PayWorld, payload: bytes, secret: str, path: str = "/api/webhooks/stripe") -> Any:
    headers = {"Content-Type": "application/json", "Stripe-Signature": signature(payload, secret)}
    return world.client().post(path, content=payload, headers=headers)


def _refunded_charge(shop: Shop, payment: Payment, *refunds: tuple[str, int]) -> dict[str, Any]:
    return {
        "id": "ch_1",
        "object": "charge",
        "amount": 11900,
        "amount_refunded": sum(cents for _id, cents in refunds),
        "currency": "eur",
        "status": "succeeded",
        "payment_intent": "pi_1",
        "metadata": metadata(shop, payment),
        "refunds": {
            "object": "list",
            "data": [
                {"id": rid, "object": "refund", "amount": cents, "currency": "eur", "status": "succeeded"}
                for rid, cents in refunds
            ],
        },
    }


def _rows(world: PayWorld, model: type[Any], shop: Shop) -> list[Any]:
    with unit_of_work(world.engine) as session:
        statement = select(model).where(model.tenant_id == shop.scope.tenant_id).order_by(model.id)
        return list(session.scalars(statement))


def test_a_refund_before_the_checkout_event_settles_then_credits_once(pay_world: PayWorld) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    refunded = event("charge.refunded", _refunded_charge(shop, payment, ("re_1", 11900)))
    assert _post(pay_world, refunded, shop.webhook_secret).json()["received"] == "processed"
    completed = event("checkout.session.completed", completed_session(shop, payment))
    assert _post(pay_world, completed, shop.webhook_secret).status_code == 200

    invoice = pay_world.invoice(shop)
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.PAID, Decimal(0))  # paid once
    stored = pay_world.payment(payment.id or 0)
    assert (stored.status, stored.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("119.00"))
    assert [n.gross for n in _rows(pay_world, CreditNote, shop)] == [Decimal("119.00")]


def test_a_dashboard_refund_reported_by_two_events_makes_one_credit_note(pay_world: PayWorld) -> None:
    shop = pay_world.a  # its own Stripe account, through its own door
    payment = pay_world.pending_payment(shop)
    door = f"/api/webhooks/stripe/{shop.slug}"
    paid = event("checkout.session.completed", completed_session(shop, payment))
    assert _post(pay_world, paid, shop.webhook_secret, door).status_code == 200
    charge = _refunded_charge(shop, payment, ("re_dash", 2380))
    first = event("charge.refunded", charge)
    for payload in (first, first, event("charge.refunded", charge)):  # a duplicate, then another event
        assert _post(pay_world, payload, shop.webhook_secret, door).status_code == 200
    [refund] = _rows(pay_world, Refund, shop)
    assert (refund.external_id, refund.amount, refund.origin) == ("re_dash", Decimal("23.80"), "processor")
    # 23.80 gross at 19 %: 23.80 / 1.19 = 20.00 net, 3.80 tax.
    [note] = _rows(pay_world, CreditNote, shop)
    assert (note.net, note.tax, note.gross) == (Decimal("20.00"), Decimal("3.80"), Decimal("23.80"))


def test_a_refund_of_a_payment_not_known_yet_fails_and_is_handled_on_redelivery(pay_world: PayWorld) -> None:
    """The charge names a payment this database does not have yet: 500, nothing recorded; Stripe
    delivers it again once the payment is there, and then it is handled."""
    shop = pay_world.deployment
    known = pay_world.pending_payment(shop)
    late_id = (known.id or 0) + 10_000
    charge = _refunded_charge(shop, known, ("re_1", 1000))
    charge["metadata"]["payment_id"], charge["payment_intent"] = str(late_id), "pi_late"
    payload = event("charge.refunded", charge)
    assert _post(pay_world, payload, shop.webhook_secret).status_code == 500
    assert _rows(pay_world, Refund, shop) == []
    with unit_of_work(pay_world.engine) as session:
        session.add(
            Payment(
                id=late_id, tenant_id=shop.scope.tenant_id, invoice_id=shop.invoice_id,
                customer_account_id=shop.account_id, processor=PaymentProcessor.STRIPE, kind="off_session",
                idempotency_key="off:late", amount=Decimal("119.00"), payment_intent_ref="pi_late",
            )
        )  # fmt: skip
    assert _post(pay_world, payload, shop.webhook_secret).status_code == 200  # the same event again
    assert [(r.payment_id, r.amount) for r in _rows(pay_world, Refund, shop)] == [(late_id, Decimal("10.00"))]


def test_a_dispute_is_traced_to_its_tenant_through_the_payment_intent(pay_world: PayWorld) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    intent = f"pi_{uuid.uuid4().hex[:12]}"  # Stripe's ids are unique: the database is shared by tests
    paid = event("checkout.session.completed", completed_session(shop, payment, intent=intent))
    assert _post(pay_world, paid, shop.webhook_secret).status_code == 200
    dispute = {
        "id": f"dp_{uuid.uuid4().hex[:12]}", "object": "dispute", "amount": 11900, "currency": "eur",
        "charge": f"ch_{uuid.uuid4().hex[:12]}",
        "payment_intent": intent, "reason": "fraudulent", "status": "needs_response", "metadata": {},
    }  # fmt: skip
    assert _post(pay_world, event("charge.dispute.created", dispute), shop.webhook_secret).status_code == 200
    closed = dispute | {"status": "won"}
    assert _post(pay_world, event("charge.dispute.closed", closed), shop.webhook_secret).status_code == 200
    [row] = _rows(pay_world, Dispute, shop)
    assert (row.invoice_id, row.payment_id, row.status) == (shop.invoice_id, payment.id, "won")


def test_a_payout_on_a_tenants_own_account_is_recorded_once(pay_world: PayWorld) -> None:
    shop = pay_world.b
    door = f"/api/webhooks/stripe/{shop.slug}"
    payout_id = f"po_{uuid.uuid4().hex[:12]}"  # Stripe's ids are unique: the database is shared by tests
    payout = {"id": payout_id, "object": "payout", "amount": 50000, "currency": "eur", "status": "paid"}
    for payload in (event("payout.paid", payout), event("payout.paid", payout)):
        assert _post(pay_world, payload, shop.webhook_secret, door).status_code == 200
    [row] = _rows(pay_world, Payout, shop)
    assert (row.external_id, row.amount, row.status) == (payout_id, Decimal("500.00"), "paid")
    assert _rows(pay_world, Payout, pay_world.a) == []
