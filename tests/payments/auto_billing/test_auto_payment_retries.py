"""Auto-billing charges issued invoices off-session and retries declines on the tenant's schedule.

By hand: the customer (billing day 1) orders a 10.00 monthly plan on 10 January; the invoice of
1 February 09:00 UTC is 10.00 + 19 % VAT = 11.90 EUR, charged as 1190 cents. The default schedule
counts from the first attempt: 1 Feb 09:00, +24 h = 2 Feb 09:00, +72 h = 4 Feb 09:00, +168 h =
8 Feb 09:00.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.models import AuditLogEntry, CustomerAccount, Invoice, InvoiceStatus, Payment, PaymentStatus
from backend.payments import auto_billing
from backend.payments.retry_schedule import update_retry_schedule
from tests.billing.world import utc
from tests.payments.auto_billing.conftest import API_KEY, CardWorld

# The charging unit commits mid-way (the pending payment before the charge); pysqlite does not keep
# the test's savepoint across that commit, so on SQLite its rows would outlive the test.
pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

INVOICE_DAY = utc(2027, 2, 1, 9)
GROSS = Decimal("11.90")
CENTS = 1190


def issued_invoice(card_world: CardWorld, *, declines: int = 0) -> tuple[CustomerAccount, Invoice]:
    """A customer with a saved card and auto-billing on, invoiced on 1 February (charged in that tick)."""
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer(billing_day=1)
    profile = card_world.save_card(account)
    if declines:
        card_world.fake.decline_next(profile.payment_customer_ref, declines)
    world.order(account, world.plan("web", "10.00"))
    world.run_until(INVOICE_DAY)
    [invoice] = world.invoices()
    assert (invoice.gross, invoice.issued_at) == (GROSS, INVOICE_DAY)
    return account, invoice


def payments_of(card_world: CardWorld, invoice: Invoice) -> list[Payment]:
    session = card_world.world.session
    session.expire_all()
    statement = select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.id)
    return list(session.scalars(statement))


def tick_at(card_world: CardWorld, when) -> None:
    card_world.world.at(when)
    card_world.world.tick()


def succeeded_intents(card_world: CardWorld) -> list[dict]:
    intents = card_world.fake.objects(API_KEY, "payment_intent")
    return [intent for intent in intents if intent["status"] == "succeeded"]


def test_declined_twice_the_invoice_is_paid_on_the_third_try_three_days_after_the_first(
    card_world: CardWorld,
) -> None:
    _, invoice = issued_invoice(card_world, declines=2)
    assert (invoice.payment_attempts, invoice.next_payment_attempt_at) == (1, utc(2027, 2, 2, 9))
    assert invoice.balance_due == GROSS

    tick_at(card_world, utc(2027, 2, 2, 8, 59))  # not yet due
    assert len(card_world.payment_intent_posts()) == 1
    tick_at(card_world, utc(2027, 2, 2, 9))
    assert (invoice.payment_attempts, invoice.next_payment_attempt_at) == (2, utc(2027, 2, 4, 9))
    tick_at(card_world, utc(2027, 2, 3, 9))
    assert len(card_world.payment_intent_posts()) == 2
    tick_at(card_world, utc(2027, 2, 4, 9))

    posts = card_world.payment_intent_posts()
    assert [(p["idempotency_key"], p["params"]["amount"], p["status"]) for p in posts] == [
        (f"auto:{invoice.id}:1", str(CENTS), 402),
        (f"auto:{invoice.id}:2", str(CENTS), 402),
        (f"auto:{invoice.id}:3", str(CENTS), 200),
    ]
    [intent] = succeeded_intents(card_world)
    assert intent["amount"] == CENTS
    assert intent["metadata"]["invoice_id"] == str(invoice.id)
    payments = payments_of(card_world, invoice)
    assert [(p.attempt, p.kind, p.status) for p in payments] == [
        (1, "off_session", PaymentStatus.FAILED),
        (2, "off_session", PaymentStatus.FAILED),
        (3, "off_session", PaymentStatus.SUCCEEDED),
    ]
    assert payments[0].failure_code == "card_declined"
    assert payments[2].payment_intent_ref == intent["id"]
    assert (invoice.status, invoice.balance_due, invoice.paid_at) == (
        InvoiceStatus.PAID,
        0,
        utc(2027, 2, 4, 9),
    )

    # Stripe's reports of the same three attempts, late: nothing changes, nothing is charged again.
    card_world.fake.deliver_all()
    tick_at(card_world, utc(2027, 2, 9, 9))
    assert [p.status for p in payments_of(card_world, invoice)] == [
        PaymentStatus.FAILED,
        PaymentStatus.FAILED,
        PaymentStatus.SUCCEEDED,
    ]
    assert len(card_world.payment_intent_posts()) == 3
    received = card_world.world.session.scalars(
        select(AuditLogEntry).where(
            AuditLogEntry.tenant_id == card_world.world.scope.tenant_id,
            AuditLogEntry.action == "invoice.payment_received",
            AuditLogEntry.object_id == str(invoice.id),
        )
    ).all()
    assert len(received) == 1


def test_after_the_last_attempt_of_the_tenants_schedule_the_invoice_is_left_to_dunning(
    card_world: CardWorld,
) -> None:
    world = card_world.world
    update_retry_schedule(world.session, world.scope, world.admin, retry_schedule_hours=[0, 12])
    _, invoice = issued_invoice(card_world, declines=5)
    assert invoice.next_payment_attempt_at == utc(2027, 2, 1, 21)  # + 12 h
    tick_at(card_world, utc(2027, 2, 1, 21))
    assert (invoice.payment_attempts, invoice.next_payment_attempt_at) == (2, None)
    world.run_until(utc(2027, 2, 20, 9))
    assert len(card_world.payment_intent_posts()) == 2
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.OVERDUE, GROSS)
    failures = world.session.scalars(
        select(AuditLogEntry)
        .where(
            AuditLogEntry.tenant_id == world.scope.tenant_id,
            AuditLogEntry.action == "invoice.auto_payment_failed",
        )
        .order_by(AuditLogEntry.id)
    ).all()
    assert [(f.after["attempt"], f.after["next_attempt_at"]) for f in failures] == [
        (1, utc(2027, 2, 1, 21).isoformat()),
        (2, None),
    ]


def test_a_job_killed_after_the_charge_succeeded_charges_once_when_run_again(
    card_world: CardWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer(billing_day=1)
    card_world.save_card(account)
    world.order(account, world.plan("web", "10.00"))
    world.run_until(INVOICE_DAY - timedelta(days=1))

    def killed(*args: object, **kwargs: object) -> str:
        raise RuntimeError("worker killed before the commit")

    with monkeypatch.context() as patch:
        patch.setattr(auto_billing, "_record_result", killed)
        world.at(INVOICE_DAY)
        with pytest.raises(RuntimeError):
            world.tick()
    world.session.rollback()
    [invoice] = world.invoices()
    [pending] = payments_of(card_world, invoice)
    assert (pending.status, pending.kind, pending.attempt) == (PaymentStatus.PENDING, "off_session", 1)
    assert len(succeeded_intents(card_world)) == 1  # Stripe took the money; we have not recorded it

    tick_at(card_world, INVOICE_DAY + timedelta(minutes=1))

    posts = card_world.payment_intent_posts()
    assert [(p["idempotency_key"], p["replayed"]) for p in posts] == [
        (f"auto:{invoice.id}:1", False),
        (f"auto:{invoice.id}:1", True),
    ]
    [intent] = succeeded_intents(card_world)
    [payment] = payments_of(card_world, invoice)
    assert (payment.status, payment.payment_intent_ref, payment.amount) == (
        PaymentStatus.SUCCEEDED,
        intent["id"],
        GROSS,
    )
    world.session.refresh(invoice)
    assert (invoice.status, invoice.balance_due, invoice.payment_attempts) == (InvoiceStatus.PAID, 0, 1)


def test_a_decline_the_job_did_not_record_is_recorded_from_the_webhook_once(
    card_world: CardWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer(billing_day=1)
    profile = card_world.save_card(account)
    card_world.fake.decline_next(profile.payment_customer_ref, 1)
    world.order(account, world.plan("web", "10.00"))
    world.run_until(INVOICE_DAY - timedelta(days=1))
    with monkeypatch.context() as patch:
        patch.setattr(auto_billing, "_record_result", lambda *a, **k: (_ for _ in ()).throw(RuntimeError()))
        world.at(INVOICE_DAY)
        with pytest.raises(RuntimeError):
            world.tick()
    world.session.rollback()

    card_world.fake.deliver_all()
    card_world.fake.deliver_all()  # and once more: Stripe retries
    [invoice] = world.invoices()
    [payment] = payments_of(card_world, invoice)
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, "card_declined")
    assert (invoice.payment_attempts, invoice.next_payment_attempt_at) == (1, utc(2027, 2, 2, 9))
    failed_notes = [
        note for kind, note in card_world.webhooks.notes if kind == "payment_intent.payment_failed"
    ]
    assert len(failed_notes) == 1 and "next attempt" in (failed_notes[0] or "")

    tick_at(card_world, INVOICE_DAY + timedelta(minutes=1))  # the retry is tomorrow, not now
    assert len(card_world.payment_intent_posts()) == 1
    tick_at(card_world, utc(2027, 2, 2, 9))
    assert (invoice.status, len(card_world.payment_intent_posts())) == (InvoiceStatus.PAID, 2)
