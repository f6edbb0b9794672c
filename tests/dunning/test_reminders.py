"""Payment reminders at the tenant's offsets, each step once, past due after the last, reversed
when paid. Dates are worked out by hand: the customer (billing day 1) is invoiced on 1 February at
09:00 UTC, due 14 days later (15 February 09:00 UTC, Berlin has no clock change until March), so
the steps at +3, +10 and +17 days fall on 18 February, 25 February and 4 March at 09:00 UTC."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.audit.service import Actor
from backend.dunning import tasks
from backend.invoicing import service as invoicing
from backend.invoicing import settlement
from backend.mail import MailDelivery, MailKind
from backend.models import AuditLogEntry, Invoice, InvoiceStatus, Subscription, SubscriptionStatus
from tests.billing.world import World, utc
from tests.dunning.conftest import RecordingHook

STEP_DAYS = {utc(2027, 2, 18, 9): 1, utc(2027, 2, 25, 9): 2, utc(2027, 3, 4, 9): 3}


def reminders(world: World, invoice: Invoice) -> list[dict]:
    statement = (
        select(AuditLogEntry)
        .where(
            AuditLogEntry.tenant_id == world.scope.tenant_id,
            AuditLogEntry.action == "invoice.payment_reminder",
            AuditLogEntry.object_id == str(invoice.id),
        )
        .order_by(AuditLogEntry.id)
    )
    return [entry.after or {} for entry in world.session.scalars(statement)]


def audited(world: World, action: str) -> list[AuditLogEntry]:
    statement = select(AuditLogEntry).where(
        AuditLogEntry.tenant_id == world.scope.tenant_id, AuditLogEntry.action == action
    )
    return list(world.session.scalars(statement.order_by(AuditLogEntry.id)))


def invoiced_subscription(world: World) -> tuple[Subscription, Invoice]:
    """One customer with one 10.00 monthly plan, ordered on 10 January, invoiced on 1 February."""
    world.at(utc(2027, 1, 10, 9))
    subscription = world.order(world.customer(billing_day=1), world.plan("web", "10.00"))
    world.run_until(utc(2027, 2, 1, 9))
    [invoice] = world.invoices()
    assert invoice.due_at == utc(2027, 2, 15, 9)
    return subscription, invoice


def test_each_step_is_sent_once_on_its_day_with_the_clock_moved_day_by_day(
    dunning_world: World, hook: RecordingHook
) -> None:
    world = dunning_world
    subscription, invoice = invoiced_subscription(world)
    raised_on = {}  # the day each step was reached
    while world.now < utc(2027, 3, 10, 9):
        world.at(world.now + timedelta(days=1))
        before = invoice.dunning_level
        world.tick()
        if invoice.dunning_level != before:
            raised_on[world.now] = invoice.dunning_level
        if world.now < utc(2027, 3, 4, 9):
            assert subscription.status == SubscriptionStatus.ACTIVE, world.now
    assert raised_on == STEP_DAYS
    assert [
        (r["reminder_step"], r["days_after_due"], r["skipped_steps"]) for r in reminders(world, invoice)
    ] == [
        (1, 3, []),
        (2, 10, []),
        (3, 17, []),
    ]
    assert invoice.last_reminder_at == utc(2027, 3, 4, 9)
    # after the last step: past due and suspended, the hook called once
    assert subscription.status == SubscriptionStatus.PAST_DUE
    assert subscription.suspended_at == utc(2027, 3, 4, 9)
    assert hook.calls == [("suspend", world.scope.tenant_id, subscription.id, utc(2027, 3, 4, 9))]
    assert reminders(world, invoice)[-1]["past_due_subscriptions"] == [subscription.id]
    assert [e.object_id for e in audited(world, "subscription.past_due")] == [subscription.number]


def test_the_job_run_twice_sends_a_step_once(dunning_world: World, hook: RecordingHook) -> None:
    world = dunning_world
    _, invoice = invoiced_subscription(world)
    world.run_until(utc(2027, 2, 17, 9))
    assert invoice.status == InvoiceStatus.OVERDUE and invoice.dunning_level == 0
    world.at(utc(2027, 2, 18, 9))
    keys = tasks.find_dunning_units(world.session, world.scope, world.now)
    first = invoice.id // 500 * 500
    assert keys == [f"ids:{first}-{first + 499}"]
    sent = [tasks.run_dunning_unit(world.session, world.scope, key, world.now) for key in keys * 2]
    assert sent == [1, 0]
    world.tick()  # the whole coordinator again
    assert invoice.dunning_level == 1
    assert len(reminders(world, invoice)) == 1
    assert tasks.find_dunning_units(world.session, world.scope, world.now) == []


def test_after_downtime_only_the_latest_due_step_is_sent(dunning_world: World, hook: RecordingHook) -> None:
    world = dunning_world
    subscription, invoice = invoiced_subscription(world)
    world.run_until(utc(2027, 2, 16, 9))
    assert invoice.status == InvoiceStatus.OVERDUE
    world.at(utc(2027, 2, 26, 9))  # nothing ran for ten days: steps 1 and 2 were both due
    world.tick()
    assert [(r["reminder_step"], r["skipped_steps"]) for r in reminders(world, invoice)] == [(2, [1])]
    assert subscription.status == SubscriptionStatus.ACTIVE
    world.at(utc(2027, 3, 9, 9))
    world.tick()
    assert [r["reminder_step"] for r in reminders(world, invoice)] == [2, 3]
    assert subscription.status == SubscriptionStatus.PAST_DUE


def test_no_reminders_without_steps(world: World, hook: RecordingHook) -> None:
    subscription, invoice = invoiced_subscription(world)
    world.run_until(utc(2027, 3, 10, 9))
    assert invoice.status == InvoiceStatus.OVERDUE and invoice.dunning_level == 0
    assert subscription.status == SubscriptionStatus.ACTIVE and hook.calls == []


def test_paying_reverses_past_due_and_stops_the_steps(dunning_world: World, hook: RecordingHook) -> None:
    world = dunning_world
    subscription, invoice = invoiced_subscription(world)
    world.run_until(utc(2027, 3, 4, 9))
    assert subscription.status == SubscriptionStatus.PAST_DUE
    world.at(utc(2027, 3, 5, 10))
    invoicing.mark_paid(
        world.session, world.scope, invoice.id, world.now, actor=world.admin, reason="Transfer received"
    )
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.suspended_at is None
    assert hook.calls[-1] == ("unsuspend", world.scope.tenant_id, subscription.id, utc(2027, 3, 5, 10))
    assert len(hook.calls) == 2
    [settled] = audited(world, "invoice.dunning_settled")
    assert settled.object_id == str(invoice.id)
    assert settled.after == {"status": "paid", "reinstated_subscriptions": [subscription.id]}
    assert [e.object_id for e in audited(world, "subscription.reinstate")] == [subscription.number]
    world.run_until(utc(2027, 3, 14, 9))  # March's invoice is not due yet; the paid one is done
    assert len(reminders(world, invoice)) == 3 and subscription.status == SubscriptionStatus.ACTIVE


def test_paying_one_invoice_keeps_past_due_while_another_had_its_last_reminder(
    dunning_world: World, hook: RecordingHook
) -> None:
    world = dunning_world
    subscription, february = invoiced_subscription(world)
    # March's invoice: issued 1 March 09:00 UTC, due 15 March; Berlin moves its clocks on 28 March,
    # so +17 calendar days at 10:00 local is 1 April 08:00 UTC.
    world.run_until(utc(2027, 4, 1, 9))
    march = world.invoices()[1]
    assert march.due_at == utc(2027, 3, 15, 9) and march.dunning_level == 3
    assert march.last_reminder_at == utc(2027, 4, 1, 9)
    invoicing.mark_paid(
        world.session, world.scope, february.id, world.now, actor=world.admin, reason="Transfer received"
    )
    assert subscription.status == SubscriptionStatus.PAST_DUE
    assert audited(world, "invoice.dunning_settled")[0].after["reinstated_subscriptions"] == []
    invoicing.void_invoice(world.session, world.scope, march.id, "Goodwill", world.now, actor=world.admin)
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert [call[0] for call in hook.calls] == ["suspend", "unsuspend"]


def test_ended_subscriptions_are_not_made_past_due(dunning_world: World, hook: RecordingHook) -> None:
    world = dunning_world
    subscription, invoice = invoiced_subscription(world)
    world.lifecycle().cancel_immediately(subscription.id, utc(2027, 2, 1, 9))
    world.run_until(utc(2027, 3, 5, 9))
    assert invoice.dunning_level == 3 and subscription.status == SubscriptionStatus.CANCELED
    assert hook.calls == [] and reminders(world, invoice)[-1]["past_due_subscriptions"] == []


def test_each_step_queues_one_reminder_mail_to_the_billing_address(
    dunning_world: World, hook: RecordingHook
) -> None:
    world = dunning_world
    _, invoice = invoiced_subscription(world)
    world.run_until(utc(2027, 2, 18, 9))
    world.tick()  # the coordinator once more at the same instant
    deliveries = list(
        world.session.scalars(
            select(MailDelivery)
            .where(MailDelivery.tenant_id == world.scope.tenant_id)
            .order_by(MailDelivery.id)
        )
    )
    reminders_mailed = [d for d in deliveries if d.kind == MailKind.PAYMENT_REMINDER]
    [mail] = reminders_mailed
    assert mail.to == "c1@example.test" and mail.customer_account_id == invoice.customer_account_id
    # 10.00 net + 19 % = 11.90; due 15 February (Berlin), reminded 18 February: 3 days overdue
    assert mail.context == {
        "customer_name": "Customer 1",
        "link": f"/invoices/{invoice.number}",
        "invoice_number": invoice.number,
        "balance": "11.90",
        "currency": "EUR",
        "due_date": "2027-02-15",
        "days_overdue": 3,
        "step": 1,
        "steps": 3,
        "final": False,
    }
    assert reminders(world, invoice)[0]["mail"] == mail.id
    world.run_until(utc(2027, 3, 4, 9))
    steps = [
        d.context["step"]
        for d in world.session.scalars(select(MailDelivery))
        if d.kind == MailKind.PAYMENT_REMINDER and d.tenant_id == world.scope.tenant_id
    ]
    assert sorted(steps) == [1, 2, 3]


def test_marking_unpaid_again_puts_dunning_back_without_mailing_a_step_twice(
    dunning_world: World, hook: RecordingHook
) -> None:
    world = dunning_world
    subscription, invoice = invoiced_subscription(world)
    world.run_until(utc(2027, 3, 4, 9))
    world.at(utc(2027, 3, 5, 10))
    invoicing.mark_paid(
        world.session, world.scope, invoice.id, world.now, actor=world.admin, reason="Transfer received"
    )
    assert subscription.status == SubscriptionStatus.ACTIVE
    invoicing.mark_unpaid(
        world.session, world.scope, invoice.id, world.now, actor=world.admin, reason="Transfer returned"
    )
    assert invoice.status == InvoiceStatus.OVERDUE and invoice.dunning_level == 0
    world.at(utc(2027, 3, 5, 11))
    world.tick()
    assert invoice.dunning_level == 3 and subscription.status == SubscriptionStatus.PAST_DUE
    assert [
        (r["reminder_step"], r["skipped_steps"], r["mail"] is None) for r in reminders(world, invoice)
    ] == [
        (1, [], False),
        (2, [], False),
        (3, [], False),
        (3, [1, 2], True),  # step 3 was mailed on 4 March: not again
    ]
    assert [call[0] for call in hook.calls] == ["suspend", "unsuspend", "suspend"]


def test_a_payment_by_the_customer_reverses_dunning_too(dunning_world: World, hook: RecordingHook) -> None:
    """Online payments (#11) settle as the paying customer, who may not reinstate subscriptions
    themselves: the reversal is the system's rule."""
    world = dunning_world
    subscription, invoice = invoiced_subscription(world)
    world.run_until(utc(2027, 3, 4, 9))
    invoice.status, invoice.balance_due = InvoiceStatus.PAID, 0  # as a payment would settle it
    payer = Actor.customer(world.scope.tenant_id, subscription.customer_account_id)
    settlement.invoice_settled(world.session, world.scope, invoice, world.now, payer)
    assert subscription.status == SubscriptionStatus.ACTIVE
    [settled] = audited(world, "invoice.dunning_settled")
    assert settled.after == {"status": "paid", "reinstated_subscriptions": [subscription.id]}
