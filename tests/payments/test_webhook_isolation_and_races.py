"""Tenants' own Stripe accounts stay apart (an event names its tenant, a secret signs one door), and
ten deliveries of one event at once apply its money once (PostgreSQL, real transactions)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from backend.models import InvoiceStatus, PaymentStatus, WebhookResult
from tests.payments.checkout_world import (
    GROSS,
    PayWorld,
    completed_session,
    event,
    pay_world,
    signature,
)
from tests.payments.test_stripe_webhooks import DEPLOYMENT, payload_id, post

pytestmark = pytest.mark.postgres
__all__ = ["pay_world"]


def door(slug: str) -> str:
    return f"{DEPLOYMENT}/{slug}"


def test_a_tenants_own_account_pays_through_its_own_door(pay_world: PayWorld) -> None:
    a = pay_world.a
    payment = pay_world.pending_payment(a)
    payload = event("checkout.session.completed", completed_session(a, payment))

    response = post(pay_world, payload, signature(payload, a.webhook_secret), door(a.slug))

    assert (response.status_code, response.json()["received"]) == (200, "processed")
    assert pay_world.invoice(a).status == InvoiceStatus.PAID


def test_an_event_naming_tenant_a_sent_to_tenant_bs_door_touches_nobody(pay_world: PayWorld) -> None:
    """B controls its own webhook secret: it can sign anything, but only for its own door, and an
    event whose metadata names A is not handled there (B's scope cannot find A's payment either)."""
    a, b = pay_world.a, pay_world.b
    payment = pay_world.pending_payment(a)
    payload = event("checkout.session.completed", completed_session(a, payment))

    response = post(pay_world, payload, signature(payload, b.webhook_secret), door(b.slug))

    assert (response.status_code, response.json()["received"]) == (200, "ignored")
    [row] = pay_world.stored_events(payload_id(payload))
    assert (row.tenant_id, row.result) == (b.scope.tenant_id, WebhookResult.IGNORED)
    assert pay_world.invoice(a).balance_due == GROSS
    assert pay_world.payment(payment.id or 0).status == PaymentStatus.PENDING


def test_a_payment_id_of_tenant_a_in_an_event_naming_b_is_not_found_in_b(pay_world: PayWorld) -> None:
    a, b = pay_world.a, pay_world.b
    payment = pay_world.pending_payment(a)
    obj = completed_session(a, payment)
    obj["metadata"] = {**obj["metadata"], "tenant_id": str(b.scope.tenant_id)}
    payload = event("checkout.session.completed", obj)

    response = post(pay_world, payload, signature(payload, b.webhook_secret), door(b.slug))

    assert response.json()["received"] == "ignored"  # no payment of B has that id or session
    assert pay_world.invoice(a).balance_due == GROSS
    assert pay_world.invoice(b).balance_due == GROSS


@pytest.mark.parametrize(
    "path_of", [lambda w: door(w.a.slug), lambda w: DEPLOYMENT], ids=["a-door", "deployment"]
)
def test_tenant_bs_secret_cannot_sign_tenant_as_events(pay_world: PayWorld, path_of: object) -> None:
    a, b = pay_world.a, pay_world.b
    payment = pay_world.pending_payment(a)
    payload = event("checkout.session.completed", completed_session(a, payment))

    response = post(pay_world, payload, signature(payload, b.webhook_secret), path_of(pay_world))  # type: ignore[operator]

    assert response.status_code == 400
    assert pay_world.stored_events(payload_id(payload)) == []
    assert pay_world.invoice(a).balance_due == GROSS


def test_a_tenant_with_its_own_account_is_not_touchable_through_the_deployments_door(
    pay_world: PayWorld,
) -> None:
    a = pay_world.a
    payment = pay_world.pending_payment(a)
    payload = event("checkout.session.completed", completed_session(a, payment))

    response = post(pay_world, payload, signature(payload, pay_world.deployment.webhook_secret))

    assert (response.status_code, response.json()["received"]) == (200, "ignored")
    assert pay_world.stored_events(payload_id(payload))[0].tenant_id is None
    assert pay_world.invoice(a).balance_due == GROSS


def test_a_slug_without_an_account_and_no_slug_at_all_answer_alike(pay_world: PayWorld) -> None:
    shop = pay_world.deployment  # a tenant, but on the deployment's account
    payment = pay_world.pending_payment(shop)
    payload = event("checkout.session.completed", completed_session(shop, payment))
    header = signature(payload, shop.webhook_secret)

    answers = [post(pay_world, payload, header, door(slug)) for slug in (shop.slug, "no-such-tenant")]

    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()


def test_ten_concurrent_deliveries_of_one_completed_event_pay_once(pay_world: PayWorld) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    payload = event("checkout.session.completed", completed_session(shop, payment))
    header = signature(payload, shop.webhook_secret)
    client = pay_world.client()
    barrier, answers, lock = threading.Barrier(10), [], threading.Lock()

    def deliver() -> None:
        barrier.wait()
        response = client.post(DEPLOYMENT, content=payload, headers={"Stripe-Signature": header})
        with lock:
            answers.append((response.status_code, response.json()["received"]))

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [(200, "duplicate")] * 9 + [(200, "processed")]
    invoice = pay_world.invoice(shop)
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.PAID, Decimal(0))
    assert len(pay_world.stored_events(payload_id(payload))) == 1
    assert pay_world.payment(payment.id or 0).amount == GROSS


def test_ten_different_events_of_one_payment_at_once_apply_its_money_once(pay_world: PayWorld) -> None:
    """Different event ids (completed, intent succeeded, retries with new ids) all race for one row."""
    from tests.payments.checkout_world import succeeded_intent

    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    payloads = [
        event("checkout.session.completed", completed_session(shop, payment))
        if i % 2
        else event("payment_intent.succeeded", succeeded_intent(shop, payment))
        for i in range(10)
    ]
    client = pay_world.client()
    barrier, statuses = threading.Barrier(10), []

    def deliver(payload: bytes) -> None:
        header = signature(payload, shop.webhook_secret)
        barrier.wait()
        statuses.append(
            client.post(DEPLOYMENT, content=payload, headers={"Stripe-Signature": header}).status_code
        )

    threads = [threading.Thread(target=deliver, args=(p,)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 10
    invoice = pay_world.invoice(shop)
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.PAID, Decimal(0))
    audit_receipts = _receipts(pay_world, shop.invoice_id)
    assert audit_receipts == 1


def _receipts(world: PayWorld, invoice_id: int) -> int:
    from sqlalchemy import func, select

    from backend.db import unit_of_work
    from backend.models import AuditLogEntry

    with unit_of_work(world.engine) as session:
        statement = select(func.count()).where(
            AuditLogEntry.action == "invoice.payment_received", AuditLogEntry.object_id == str(invoice_id)
        )
        return int(session.scalar(statement) or 0)
