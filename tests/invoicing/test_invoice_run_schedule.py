"""One accumulated invoice per customer per billing day, with the invoice run on its real hourly
schedule (2f): a charge created later on the billing day waits for the next billing day."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from backend.scheduling.coordinators import coordinators
from tests.billing.world import World

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def run_on_schedule(world: World, until: datetime, events: dict[datetime, object]) -> None:
    """Advance minute by minute, running each coordinator when its default interval has elapsed
    (billing and expiration every minute, the invoice run and overdue marking every hour)."""
    start = world.now
    while world.now < until:
        elapsed = int((world.now - start).total_seconds())
        action = events.pop(world.now, None)
        if action is not None:
            action()  # type: ignore[operator]
        for coordinator in coordinators():
            if elapsed % coordinator.interval_seconds == 0:
                for key in coordinator.find_units(world.session, world.scope, world.now):
                    coordinator.run_unit(world.session, world.scope, key, world.now)
        world.at(world.now + timedelta(minutes=1))


def test_a_charge_made_later_on_the_billing_day_waits_for_the_next_one(world: World) -> None:
    basic = world.plan("basic", "10.00")
    extra = world.plan("extra", "4.00")
    customer = world.customer(billing_day=10)
    world.at(berlin(2027, 1, 25, 12))
    world.order(customer, basic)  # charged at once: 25 Jan - 25 Feb, 10.00

    world.at(berlin(2027, 2, 9, 23))
    late: list = []
    run_on_schedule(
        world,
        berlin(2027, 2, 11, 1),
        {berlin(2027, 2, 10, 14, 30): lambda: late.append(world.order(customer, extra))},
    )
    [february] = world.invoices()
    assert february.issued_at == berlin(2027, 2, 10, 0)  # the first run of the billing day
    assert february.net == Decimal("10.00")
    [extra_charge] = world.positions(late[0])
    assert extra_charge.invoice_id is None  # it waits, although the run went on every hour

    world.run_until(berlin(2027, 3, 10, 12))
    march = world.invoices()[-1]
    assert len(world.invoices()) == 2
    # 10.00 basic (25 Feb - 25 Mar) + 4.00 extra (10 Feb - 10 Mar); the extra's next period
    # starts at 14:30 on 10 March, after that day's invoice.
    assert march.net == Decimal("14.00")
    world.session.refresh(extra_charge)
    assert extra_charge.invoice_id == march.id
