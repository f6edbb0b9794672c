"""The subscription's mails: created on order (not on a preview), cancellation scheduled on cancel,
canceled when it ends; and the renewal reminder N days before renewal, once per period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend.mail import MailKind
from backend.models import MailDelivery
from backend.scheduling import simulation
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from tests.billing.world import World
from tests.mail.conftest import RecordingHandler

ORDERED = datetime(2027, 1, 1, 9, tzinfo=UTC)  # the world's clock starts here
RENEWS = datetime(2027, 2, 1, 9, tzinfo=UTC)  # a monthly period from Jan 1, 10:00 in Berlin


def mails(world: World, kind: MailKind | None = None) -> list[MailDelivery]:
    statement = select(MailDelivery).where(MailDelivery.tenant_id == world.scope.tenant_id)
    if kind is not None:
        statement = statement.where(MailDelivery.kind == kind)
    return list(world.session.scalars(statement.order_by(MailDelivery.id)))


def remind_and_send(world: World) -> None:
    simulation.tick(world.session, world.scope, world.now, only={"renewal_reminders", "mail_delivery"})


def test_an_order_mails_the_billing_address_once_and_a_preview_mails_nothing(world: World) -> None:
    customer, plan = world.customer(country="DE"), world.plan("basic", "10.00")
    request = OrderRequest(customer.id or 0, plan.id or 0)
    Lifecycle(world.session, world.scope, world.admin).preview_order(request, world.now)
    assert mails(world) == []

    subscription = world.order(customer, plan)

    [created] = mails(world)
    assert (created.kind, created.to, created.customer_account_id) == (
        MailKind.SUBSCRIPTION_CREATED,
        "c1@example.test",
        customer.id,
    )
    assert created.subject == f"Billing Test: Ihr Abonnement {subscription.number}"
    assert created.context["start_date"] == "2027-01-01"
    assert created.context["plan_name"] == "Basic"


def test_cancel_mails_the_end_date_and_the_end_mails_again(world: World) -> None:
    customer, plan = world.customer(country="FR"), world.plan("basic", "10.00")
    subscription = world.order(customer, plan)
    assert subscription.current_period_end == RENEWS
    world.at(datetime(2027, 1, 10, 9, tzinfo=UTC))
    world.lifecycle().cancel(subscription.id or 0, world.now)

    [scheduled] = mails(world, MailKind.CANCELLATION_SCHEDULED)
    assert scheduled.context["effective_date"] == "2027-02-01"  # the end of the paid period
    assert scheduled.subject == f"Billing Test: cancellation of {subscription.number} confirmed"
    assert mails(world, MailKind.SUBSCRIPTION_CANCELED) == []

    world.run_until(RENEWS + timedelta(hours=1))
    world.run_until(RENEWS + timedelta(days=3))  # the expiration job runs again: nothing new

    [ended] = mails(world, MailKind.SUBSCRIPTION_CANCELED)
    assert ended.context["effective_date"] == "2027-02-01"
    assert ended.language == "en"


def test_cancel_resume_cancel_mails_each_cancellation(world: World) -> None:
    subscription = world.order(world.customer(), world.plan("basic", "10.00"))
    lifecycle = world.lifecycle()
    world.at(datetime(2027, 1, 10, 9, tzinfo=UTC))
    lifecycle.cancel(subscription.id or 0, world.now)
    lifecycle.resume(subscription.id or 0, world.now)
    world.at(datetime(2027, 1, 11, 9, tzinfo=UTC))
    lifecycle.cancel(subscription.id or 0, world.now)
    assert len(mails(world, MailKind.CANCELLATION_SCHEDULED)) == 2


def test_the_renewal_reminder_comes_seven_days_before_renewal_once_per_period(
    world: World, smtp_server: RecordingHandler, mail_settings: object
) -> None:
    subscription = world.order(world.customer(country="AT"), world.plan("basic", "10.00"))
    assert subscription.current_period_end == RENEWS

    world.at(RENEWS - timedelta(days=7, minutes=1))
    remind_and_send(world)
    assert mails(world, MailKind.RENEWAL_REMINDER) == []

    world.at(RENEWS - timedelta(days=7))
    remind_and_send(world)
    world.at(RENEWS - timedelta(days=6))
    remind_and_send(world)
    [first] = mails(world, MailKind.RENEWAL_REMINDER)
    assert first.context["renewal_date"] == "2027-02-01"
    reminders = [m for m in smtp_server.received if "verlängert sich" in str(m["Subject"])]
    assert [str(m["Subject"]) for m in reminders] == [
        "Billing Test: Ihr Abonnement verlängert sich am 1. Februar 2027"
    ]

    # The next period (Feb 1 to Mar 1) is reminded on Feb 22, once.
    world.run_until(datetime(2027, 2, 21, 9, tzinfo=UTC))
    assert len(mails(world, MailKind.RENEWAL_REMINDER)) == 1
    world.run_until(datetime(2027, 2, 23, 9, tzinfo=UTC), step=timedelta(hours=6))
    first_again, second = mails(world, MailKind.RENEWAL_REMINDER)
    assert first_again.id == first.id and second.context["renewal_date"] == "2027-03-01"


def test_the_tenant_sets_how_many_days_ahead(world: World) -> None:
    world.tenant.settings = {**world.tenant.settings, "renewal_reminder_days": 3}
    world.order(world.customer(), world.plan("basic", "10.00"))
    world.at(RENEWS - timedelta(days=4))
    remind_and_send(world)
    assert mails(world, MailKind.RENEWAL_REMINDER) == []
    world.at(RENEWS - timedelta(days=3))
    remind_and_send(world)
    assert len(mails(world, MailKind.RENEWAL_REMINDER)) == 1


def test_a_subscription_ending_at_renewal_gets_no_reminder(world: World) -> None:
    subscription = world.order(world.customer(), world.plan("basic", "10.00"))
    world.at(datetime(2027, 1, 10, 9, tzinfo=UTC))
    world.lifecycle().cancel(subscription.id or 0, world.now)
    world.at(RENEWS - timedelta(days=7))
    remind_and_send(world)
    assert mails(world, MailKind.RENEWAL_REMINDER) == []


def test_a_period_shorter_than_the_reminder_window_gets_no_reminder(world: World) -> None:
    from backend.models import IntervalUnit

    world.order(world.customer(), world.plan("weekly", "3.00", interval_unit=IntervalUnit.WEEK))
    for day in range(8):
        world.at(ORDERED + timedelta(days=day))
        remind_and_send(world)
    assert mails(world, MailKind.RENEWAL_REMINDER) == []
