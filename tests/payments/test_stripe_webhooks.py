"""POST /api/webhooks/stripe[/{tenant}]: signature on the raw body, each event once, handling in one
transaction, any order; money reaches the invoice only through a verified event."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.models import InvoiceStatus, PaymentStatus, WebhookResult
from backend.payments import events as payment_events
from tests.payments.checkout_world import (
    GROSS,
    PayWorld,
    completed_session,
    event,
    expired_session,
    pay_world,
    signature,
    succeeded_intent,
)

pytestmark = pytest.mark.postgres
__all__ = ["pay_world"]

DEPLOYMENT = "/api/webhooks/stripe"


def post(world: PayWorld, payload: bytes, header: str | None, path: str = DEPLOYMENT) -> object:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    return world.client().post(path, content=payload, headers=headers)


def test_a_completed_checkout_pays_the_invoice_once(pay_world: PayWorld) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    payload = event("checkout.session.completed", completed_session(shop, payment))

    first = post(pay_world, payload, signature(payload, shop.webhook_secret))
    again = post(pay_world, payload, signature(payload, shop.webhook_secret))

    assert first.status_code == 200, first.text
    assert first.json()["received"] == "processed"
    assert (again.status_code, again.json()["received"]) == (200, "duplicate")
    invoice = pay_world.invoice(shop)
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.PAID, Decimal(0))
    stored = pay_world.payment(payment.id or 0)
    assert (stored.status, stored.amount, stored.payment_intent_ref) == (
        PaymentStatus.SUCCEEDED,
        GROSS,
        "pi_1",
    )
    [row] = pay_world.stored_events(payload_id(payload))
    assert (row.result, row.tenant_id, row.event_type) == (
        WebhookResult.PROCESSED,
        shop.scope.tenant_id,
        "checkout.session.completed",
    )


def payload_id(payload: bytes) -> str:
    import json

    return str(json.loads(payload)["id"])


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda p, s: (p.replace(b"11900", b"99900"), s), id="tampered-body"),
        pytest.param(lambda p, s: (p, signature(p, "whsec_someone_else")), id="wrong-secret"),
        pytest.param(lambda p, s: (p, signature(p, s, age_seconds=301)), id="stale-timestamp"),
        pytest.param(lambda p, s: (p, None), id="missing-header"),
        pytest.param(lambda p, s: (p, "t=1,v1=deadbeef"), id="garbage-header"),
    ],
)
def test_a_bad_signature_is_refused_and_changes_nothing(pay_world: PayWorld, tamper: object) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    payload = event("checkout.session.completed", completed_session(shop, payment))
    sent, header = tamper(payload, shop.webhook_secret)  # type: ignore[operator]

    response = post(pay_world, sent, header)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert pay_world.stored_events(payload_id(payload)) == []
    assert pay_world.invoice(shop).balance_due == GROSS
    assert pay_world.payment(payment.id or 0).status == PaymentStatus.PENDING


def test_out_of_order_intent_first_then_session_then_intent_again_settles_once(pay_world: PayWorld) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    sequence = [
        event("payment_intent.succeeded", succeeded_intent(shop, payment)),
        event("checkout.session.completed", completed_session(shop, payment)),
        event("payment_intent.succeeded", succeeded_intent(shop, payment)),  # a new event id, same intent
    ]
    answers = [post(pay_world, p, signature(p, shop.webhook_secret)).json()["received"] for p in sequence]

    assert answers == ["processed", "processed", "processed"]
    invoice = pay_world.invoice(shop)
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.PAID, Decimal(0))
    stored = pay_world.payment(payment.id or 0)
    assert (stored.status, stored.charge_ref) == (PaymentStatus.SUCCEEDED, "ch_1")
    assert "already recorded" in pay_world.stored_events(payload_id(sequence[1]))[0].error


def test_an_unpaid_completion_waits_for_the_async_result(pay_world: PayWorld) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    unpaid = event("checkout.session.completed", completed_session(shop, payment, paid=False))
    failed = event("checkout.session.async_payment_failed", completed_session(shop, payment, paid=False))

    post(pay_world, unpaid, signature(unpaid, shop.webhook_secret))
    waiting = pay_world.payment(payment.id or 0)
    post(pay_world, failed, signature(failed, shop.webhook_secret))

    assert (waiting.status, waiting.payment_intent_ref) == (PaymentStatus.PENDING, "pi_1")
    assert pay_world.payment(payment.id or 0).status == PaymentStatus.FAILED
    assert pay_world.invoice(shop).status == InvoiceStatus.ISSUED


def test_an_expired_session_cancels_the_payment_and_leaves_the_invoice_open(pay_world: PayWorld) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    payload = event("checkout.session.expired", expired_session(shop, payment))

    response = post(pay_world, payload, signature(payload, shop.webhook_secret))

    assert response.status_code == 200
    assert pay_world.payment(payment.id or 0).status == PaymentStatus.CANCELED
    invoice = pay_world.invoice(shop)
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.ISSUED, GROSS)


def test_a_declined_card_keeps_the_checkout_payment_pending_with_its_reason(pay_world: PayWorld) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    intent = succeeded_intent(shop, payment) | {
        "status": "requires_payment_method",
        "amount_received": 0,
        "last_payment_error": {
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "message": "No.",
        },
    }
    payload = event("payment_intent.payment_failed", intent)

    post(pay_world, payload, signature(payload, shop.webhook_secret))

    stored = pay_world.payment(payment.id or 0)
    assert (stored.status, stored.failure_code) == (PaymentStatus.PENDING, "insufficient_funds")


def test_an_off_session_failure_is_left_to_auto_billing(pay_world: PayWorld) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop, kind="off_session")
    intent = succeeded_intent(shop, payment) | {"status": "requires_payment_method", "amount_received": 0}
    payload = event("payment_intent.payment_failed", intent)

    response = post(pay_world, payload, signature(payload, shop.webhook_secret))

    assert response.json()["received"] in {"ignored", "processed"}  # another module may take it
    assert pay_world.payment(payment.id or 0).failure_code == ""


def test_unknown_types_and_events_without_a_tenant_are_stored_as_ignored(pay_world: PayWorld) -> None:
    shop = pay_world.deployment
    unknown = event(
        "customer.tax_id.created", {"id": "txi_1", "metadata": {"tenant_id": str(shop.scope.tenant_id)}}
    )
    payout = event("payout.paid", {"id": "po_1", "object": "payout", "amount": 5000, "currency": "eur"})

    answers = [post(pay_world, p, signature(p, shop.webhook_secret)) for p in (unknown, payout)]

    assert [(a.status_code, a.json()["received"]) for a in answers] == [(200, "ignored"), (200, "ignored")]
    [typed] = pay_world.stored_events(payload_id(unknown))
    [nobody] = pay_world.stored_events(payload_id(payout))
    assert (typed.tenant_id, typed.result) == (shop.scope.tenant_id, WebhookResult.IGNORED)
    assert (nobody.tenant_id, nobody.result) == (None, WebhookResult.IGNORED)


def test_the_same_event_id_with_another_body_is_answered_but_not_handled(pay_world: PayWorld) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    expired = event("checkout.session.expired", expired_session(shop, payment), event_id="evt_conflict_1")
    paid = event("checkout.session.completed", completed_session(shop, payment), event_id="evt_conflict_1")

    post(pay_world, expired, signature(expired, shop.webhook_secret))
    second = post(pay_world, paid, signature(paid, shop.webhook_secret))

    assert second.status_code == 200
    assert "conflict" in second.json()["detail"]
    assert pay_world.invoice(shop).balance_due == GROSS


def test_a_failing_handler_rolls_back_answers_500_and_is_handled_again_on_redelivery(
    pay_world: PayWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    payload = event("checkout.session.completed", completed_session(shop, payment))
    real_dispatch = payment_events.dispatch

    def failing(context: payment_events.EventContext) -> str | None:
        real_dispatch(context)  # the money is applied, then the transaction fails
        raise RuntimeError("the database went away")

    monkeypatch.setattr("backend.payments.webhooks.dispatch", failing)
    failed = post(pay_world, payload, signature(payload, shop.webhook_secret))
    [row] = pay_world.stored_events(payload_id(payload))
    kept = (row.result, pay_world.invoice(shop).balance_due, pay_world.payment(payment.id or 0).status)
    monkeypatch.setattr("backend.payments.webhooks.dispatch", real_dispatch)
    retried = post(pay_world, payload, signature(payload, shop.webhook_secret))

    assert failed.status_code == 500
    assert failed.headers["content-type"].startswith("application/problem+json")
    assert kept == (WebhookResult.FAILED, GROSS, PaymentStatus.PENDING)  # rolled back, failure visible
    assert "the database went away" in row.error
    assert (retried.status_code, retried.json()["received"]) == (200, "processed")
    assert pay_world.invoice(shop).status == InvoiceStatus.PAID
    assert pay_world.stored_events(payload_id(payload))[0].result == WebhookResult.PROCESSED


def test_the_webhook_needs_no_token_no_idempotency_key_and_is_not_rate_limited(pay_world: PayWorld) -> None:
    from backend.api.rate_limit import is_limited

    shop = pay_world.deployment
    payload = event("customer.created", {"id": "cus_1", "metadata": {"tenant_id": str(shop.scope.tenant_id)}})

    response = post(pay_world, payload, signature(payload, shop.webhook_secret))

    assert response.status_code == 200
    assert not is_limited("/api/webhooks/stripe") and not is_limited("/api/webhooks/stripe/acme")
