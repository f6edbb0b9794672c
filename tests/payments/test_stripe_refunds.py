"""Refunds, disputes, payouts and balance transactions with the fake Stripe server, through the real
SDK: the processor's own events (delivered by hand, twice where it matters) drive the handlers.

The invoice (tests/payments/refund_world.py) is 82.06 EUR, paid by an off-session card charge of
8206 cents. The fake's fee on a charge is 1.5 % + 25 cents: 8206 x 15 / 1000 rounded = 123, + 25 =
148 cents, so the charge's net is 80.58.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from backend.integrations.payment_processor import ChargeRequest, ChargeStatus, CustomerRequest
from backend.integrations.stripe_processor import StripeProcessor
from backend.models import (
    BalanceTransaction,
    Dispute,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    Payout,
    RefundStatus,
)
from backend.money import Money
from backend.payments import balance, refunds, settlement
from tests.billing.world import World
from tests.fakes.stripe_server import FakeStripe
from tests.payments.refund_world import card_payment, credit_notes_of, deliver, issued_invoice, refunds_of

D = Decimal
KEY = "sk_test_refunds"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeStripe, StripeProcessor]]:
    with FakeStripe([KEY], delivery="manual") as stripe:
        secret = stripe.set_webhook(KEY, lambda body, headers: 200)
        processor = StripeProcessor(KEY, secret, api_base=stripe.base_url)
        # The tenant's processor is this account (as with its own keys stored).
        monkeypatch.setattr(refunds, "processor_for", lambda session, scope: processor)
        monkeypatch.setattr(balance, "processor_for", lambda session, scope: processor)
        yield stripe, processor


def _paid_by_card(world: World, stripe: FakeStripe, processor: StripeProcessor) -> tuple[Any, Payment, str]:
    """The invoice charged off-session (as auto-billing does) and settled; returns the charge id."""
    invoice = issued_invoice(world)
    payment = card_payment(world, invoice, intent="")
    customer = processor.ensure_customer(
        CustomerRequest(world.scope.tenant_id, 1, "Ada", "ada@x.example", "c1")
    )
    metadata = {
        "payment_id": str(payment.id),
        "invoice_id": str(invoice.id),
        "tenant_id": str(world.scope.tenant_id),
    }
    result = processor.charge_off_session(
        ChargeRequest(
            Money(D("82.06"), "EUR"), customer, "pm_card_visa", f"charge:{payment.id}", metadata=metadata
        )
    )
    assert result.status == ChargeStatus.SUCCEEDED and result.payment_intent
    settlement.payment_succeeded(
        world.session,
        world.scope,
        payment.id or 0,
        D("82.06"),
        world.now,
        payment_intent_ref=result.payment_intent,
    )
    assert invoice.status == InvoiceStatus.PAID
    return invoice, payment, str(_last(stripe, "charge.succeeded")["data"]["object"]["id"])


def _last(stripe: FakeStripe, event_type: str) -> dict[str, Any]:
    return stripe.events(KEY, event_type)[-1]


def _deliver_last(world: World, stripe: FakeStripe, event_type: str, times: int = 1) -> None:
    event = _last(stripe, event_type)
    for _ in range(times):
        deliver(world, event_type, event["data"]["object"])


@pytest.fixture
def card(world: World, fake: tuple[FakeStripe, StripeProcessor]) -> tuple[Any, Payment, str]:
    return _paid_by_card(world, *fake)


def _rows(world: World, model: type[Any]) -> list[Any]:
    return list(world.session.scalars(select(model).where(model.tenant_id == world.scope.tenant_id)))


def test_a_console_refund_goes_to_stripe_once_and_its_event_makes_no_second_credit_note(
    world: World, fake: tuple[FakeStripe, StripeProcessor], card: tuple[Any, Payment, str]
) -> None:
    stripe, processor = fake
    invoice, payment, _charge = card
    refund = refunds.request_refund(
        world.session, world.scope, world.admin, payment.id or 0, D("30.00"), "Canceled", world.now,
        idempotency_key="console-1",
    )  # fmt: skip
    call = refunds.refund_call(world.session, world.scope, refund.id or 0)
    assert call is not None
    result = processor.refund(call.request)
    assert processor.refund(call.request).id == result.id  # a retry with the same key: the same refund
    [stripe_refund] = stripe.objects(KEY, "refund")
    assert (stripe_refund["amount"], stripe_refund["metadata"]["refund_id"]) == (3000, str(refund.id))
    _deliver_last(world, stripe, "charge.refunded", times=2)  # the event overtakes the console
    refunds.complete_refund(world.session, world.scope, refund.id or 0, world.now, external_id=result.id)
    assert [(r.id, r.external_id, r.status) for r in refunds_of(world, payment)] == [
        (refund.id, result.id, RefundStatus.SUCCEEDED)
    ]
    assert [n.gross for n in credit_notes_of(world, invoice)] == [D("30.00")]
    assert (payment.refunded_amount, payment.status) == (D("30.00"), PaymentStatus.PARTIALLY_REFUNDED)
    [txn] = [t for t in _rows(world, BalanceTransaction) if t.type == "refund"]
    assert (txn.amount, txn.source_ref) == (D("-30.00"), result.id)


def test_a_dashboard_refund_makes_its_credit_note_once(
    world: World, fake: tuple[FakeStripe, StripeProcessor], card: tuple[Any, Payment, str]
) -> None:
    stripe, _processor = fake
    invoice, payment, charge = card
    stripe.refund_from_dashboard(charge, 2000, reason="requested_by_customer")
    _deliver_last(world, stripe, "charge.refunded", times=2)
    [refund] = refunds_of(world, payment)
    assert (refund.amount, refund.origin, refund.reason) == (D("20.00"), "processor", "requested_by_customer")
    assert [n.gross for n in credit_notes_of(world, invoice)] == [D("20.00")]


def test_the_charge_balance_transaction_is_read_from_stripe_with_its_fee(
    world: World, fake: tuple[FakeStripe, StripeProcessor], card: tuple[Any, Payment, str]
) -> None:
    stripe, _processor = fake
    _deliver_last(world, stripe, "charge.succeeded", times=2)
    [txn] = _rows(world, BalanceTransaction)
    assert (txn.type, txn.amount, txn.fee, txn.net) == ("charge", D("82.06"), D("1.48"), D("80.58"))


def test_a_dispute_opened_and_lost_is_recorded_on_the_invoice(
    world: World, fake: tuple[FakeStripe, StripeProcessor], card: tuple[Any, Payment, str]
) -> None:
    stripe, _processor = fake
    invoice, payment, charge = card
    dispute = stripe.open_dispute(charge, reason="fraudulent")
    _deliver_last(world, stripe, "charge.dispute.created")
    stripe.close_dispute(dispute["id"], "lost")
    _deliver_last(world, stripe, "charge.dispute.closed", times=2)
    [row] = _rows(world, Dispute)
    assert (row.invoice_id, row.payment_id, row.amount, row.status) == (
        invoice.id,
        payment.id,
        D("82.06"),
        "lost",
    )


def test_payouts_paid_and_failed_from_stripe(world: World, fake: tuple[FakeStripe, StripeProcessor]) -> None:
    stripe, _processor = fake
    stripe.payout(KEY, 150000, status="paid")
    _deliver_last(world, stripe, "payout.paid", times=2)
    stripe.payout(KEY, 2500, status="failed")
    _deliver_last(world, stripe, "payout.failed", times=2)
    payouts = sorted(_rows(world, Payout), key=lambda p: p.amount)
    assert [(p.amount, p.status, bool(p.failure_message)) for p in payouts] == [
        (D("25.00"), "failed", True),
        (D("1500.00"), "paid", False),
    ]
    assert [t.amount for t in _rows(world, BalanceTransaction) if t.type == "payout"] == [D("-1500.00")]
