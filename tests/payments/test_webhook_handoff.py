"""The webhook route stores an event and hands its handling to a worker: the answer comes before the
money moves, a real RQ worker then handles it once, and a lost handoff is found again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from backend import clock, ports
from backend.db import unit_of_work
from backend.kit.coordination import IdRange
from backend.models import InvoiceStatus, PaymentStatus, WebhookResult
from backend.payments import events as payment_events
from backend.payments.repository import InboundEventLog
from backend.payments.tasks import WEBHOOK_EVENTS
from jobs.dispatch import unit_job_id
from jobs.monitoring import bind_rq
from tests.payments.checkout_world import (
    GROSS,
    PayWorld,
    completed_session,
    event,
    pay_world,
    signature,
)

pytestmark = pytest.mark.postgres
__all__ = ["pay_world"]

DEPLOYMENT = "/api/webhooks/stripe"


@pytest.fixture
def queue(redis_url: str) -> Iterator[Queue]:
    """The job layer bound to a real Redis, as the console's web process binds it."""
    previous = (ports.job_queue(), ports.job_monitor())
    connection = Redis.from_url(redis_url)
    payments = Queue("payments", connection=connection)
    payments.empty()  # jobs other tests left queued are not this test's to run
    bind_rq(redis_url)
    yield payments
    ports.bind_jobs(*previous)
    payments.empty()


def post(world: PayWorld, payload: bytes, secret: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Stripe-Signature": signature(payload, secret)}
    response = world.client().post(DEPLOYMENT, content=payload, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def work(queue: Queue) -> None:
    """A real RQ worker (no fork) runs every queued job, then stops."""
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_the_route_answers_on_receipt_and_a_worker_pays_the_invoice_once(
    pay_world: PayWorld, queue: Queue
) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    payload = event("checkout.session.completed", completed_session(shop, payment))
    event_id = json.loads(payload)["id"]

    first = post(pay_world, payload, shop.webhook_secret)
    [row] = pay_world.stored_events(event_id)
    before = (row.result, row.tenant_id, pay_world.invoice(shop).balance_due)
    again = post(pay_world, payload, shop.webhook_secret)  # Stripe's retry, before the worker ran
    job_ids = queue.get_job_ids()
    work(queue)
    work(queue)  # nothing left: a second pass changes nothing

    assert first["received"] == "received"
    assert before == (WebhookResult.PENDING, shop.scope.tenant_id, GROSS)  # stored, money untouched
    assert again["received"] == "duplicate"
    # one job for the event, whatever the deliveries: its id names the tenant and the stored row alone
    assert job_ids == [
        unit_job_id(WEBHOOK_EVENTS.name, shop.scope.tenant_id, IdRange(row.id or 0, row.id or 0).key)
    ]
    invoice = pay_world.invoice(shop)
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.PAID, Decimal(0))
    assert pay_world.payment(payment.id or 0).status == PaymentStatus.SUCCEEDED
    [handled] = pay_world.stored_events(event_id)
    assert (handled.result, handled.tenant_id) == (WebhookResult.PROCESSED, shop.scope.tenant_id)


def test_a_failure_on_the_worker_is_recorded_rolled_back_and_retried(
    pay_world: PayWorld, queue: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    payload = event("checkout.session.completed", completed_session(shop, payment))
    event_id = json.loads(payload)["id"]
    real_dispatch = payment_events.dispatch

    def failing(context: payment_events.EventContext) -> str | None:
        real_dispatch(context)  # the money is applied, then the transaction fails
        raise RuntimeError("the database went away")

    post(pay_world, payload, shop.webhook_secret)
    monkeypatch.setattr("backend.payments.webhooks.dispatch", failing)
    work(queue)
    [failed] = pay_world.stored_events(event_id)
    kept = (failed.result, pay_world.invoice(shop).balance_due, pay_world.payment(payment.id or 0).status)
    monkeypatch.setattr("backend.payments.webhooks.dispatch", real_dispatch)
    [job] = [queue.fetch_job(job_id) for job_id in queue.scheduled_job_registry.get_job_ids()]
    queue.enqueue_job(job)  # the retry's backoff has passed (rq's scheduler would move it)
    work(queue)

    assert kept == (WebhookResult.FAILED, GROSS, PaymentStatus.PENDING)
    assert "the database went away" in failed.error
    assert pay_world.invoice(shop).status == InvoiceStatus.PAID
    assert pay_world.stored_events(event_id)[0].result == WebhookResult.PROCESSED


def test_an_event_whose_handoff_was_lost_is_found_by_the_coordinator_after_a_minute(
    pay_world: PayWorld,
) -> None:
    """The web process stored the event and died before queueing it: the coordinator queues it."""
    shop = pay_world.deployment
    payment = pay_world.pending_payment(shop)
    payload = event("checkout.session.completed", completed_session(shop, payment))
    with unit_of_work(pay_world.engine) as session:  # what the route's one statement stores
        stored = InboundEventLog(session).store_once(
            {
                "processor": "stripe",
                "event_id": json.loads(payload)["id"],
                "event_type": "checkout.session.completed",
                "payload_sha256": "0" * 64,
                "payload": json.loads(payload),
                "via_tenant_endpoint": False,
                "received_at": clock.now(),
            },
            shop.scope.tenant_id,
        )
    assert stored is not None
    row_id = stored[0]

    def units() -> list[str]:
        with unit_of_work(pay_world.engine) as session:
            return WEBHOOK_EVENTS.find_units(session, shop.scope, clock.now())

    at_once = units()  # a worker may be handling it right now: not queued twice
    with clock.frozen(clock.now() + timedelta(seconds=61)):
        later = units()
        with unit_of_work(pay_world.engine) as session:
            handled = WEBHOOK_EVENTS.run_unit(session, shop.scope, later[0], clock.now())
            again = WEBHOOK_EVENTS.run_unit(session, shop.scope, later[0], clock.now())
        after = units()

    assert at_once == []
    assert later == [IdRange.holding(row_id).key]
    assert (handled, again, after) == (1, 0, [])
    assert pay_world.invoice(shop).status == InvoiceStatus.PAID


def test_another_tenants_unit_does_not_handle_an_event(pay_world: PayWorld) -> None:
    """Tenant B's unit over the id range of A's stored event handles nothing: the event stays A's."""
    shop, other = pay_world.deployment, pay_world.b
    payment = pay_world.pending_payment(shop)
    payload = event("checkout.session.completed", completed_session(shop, payment))
    with unit_of_work(pay_world.engine) as session:
        stored = InboundEventLog(session).store_once(
            {
                "processor": "stripe",
                "event_id": json.loads(payload)["id"],
                "event_type": "checkout.session.completed",
                "payload_sha256": "0" * 64,
                "payload": json.loads(payload),
                "via_tenant_endpoint": False,
                "received_at": clock.now() - timedelta(minutes=5),
            },
            shop.scope.tenant_id,
        )
    assert stored is not None
    key = IdRange.holding(stored[0]).key

    with unit_of_work(pay_world.engine) as session:
        found = WEBHOOK_EVENTS.find_units(session, other.scope, clock.now())
        handled = WEBHOOK_EVENTS.run_unit(session, other.scope, key, clock.now())

    assert (found, handled) == ([], 0)
    assert pay_world.stored_events(json.loads(payload)["id"])[0].result == WebhookResult.PENDING
    assert pay_world.invoice(shop).balance_due == GROSS
