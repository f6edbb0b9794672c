"""A plan change to a plan with another anchor day restarts the period grid at the change (2a).

Plan A (31.00 a month, anchored on the 15th) is ordered on 15 Jan 2027 00:00 Europe/Berlin and
changed on 20 Jan to plan B (62.00 a month, anchored on the 1st). January has 31 days, so every
day of a 31-day period is worth exactly 1.00 of A or 2.00 of B, which keeps the hand arithmetic exact.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from backend.models import BillingTiming, OpenPosition
from tests.billing.world import World

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def _plans(world: World, timing: BillingTiming) -> tuple:
    a = world.plan("a", "31.00", billing_anchor_day=15, billing_timing=timing)
    b = world.plan("b", "62.00", billing_anchor_day=1, billing_timing=timing)
    return a, b


def _rows(positions: list[OpenPosition]) -> list[tuple[datetime, datetime, Decimal]]:
    return [(p.period_start, p.period_end, p.amount) for p in positions]


def test_advance_change_to_another_anchor_day_credits_the_old_grid_and_starts_the_new_one(
    world: World,
) -> None:
    a, b = _plans(world, BillingTiming.ADVANCE)
    customer = world.customer(billing_day=28)
    world.at(berlin(2027, 1, 15))
    subscription = world.order(customer, a)
    world.at(berlin(2027, 1, 20))
    world.lifecycle().change_plan(subscription.id, b.id, world.now)
    world.run_until(berlin(2027, 3, 2))

    positions = sorted(world.positions(subscription), key=lambda p: (p.period_start, p.amount))
    assert sorted(_rows(positions)) == sorted(
        [
            (berlin(2027, 1, 15), berlin(2027, 2, 15), Decimal("31.00")),  # A, a whole period
            (berlin(2027, 1, 20), berlin(2027, 2, 15), Decimal("-26.00")),  # A unused: 26 of 31 days
            (berlin(2027, 1, 20), berlin(2027, 2, 1), Decimal("24.00")),  # B: 12 of 31 days x 62
            (berlin(2027, 2, 1), berlin(2027, 3, 1), Decimal("62.00")),
            (berlin(2027, 3, 1), berlin(2027, 4, 1), Decimal("62.00")),
        ]
    )
    # 1 Feb to 15 Feb is paid once: by B, not also by A.
    assert sum(p.amount for p in positions) == Decimal("153.00")  # 31 - 26 + 24 + 62 + 62


def test_arrear_change_to_another_anchor_day_charges_the_old_plan_up_to_the_change(world: World) -> None:
    a, b = _plans(world, BillingTiming.ARREAR)
    customer = world.customer(billing_day=28)
    world.at(berlin(2027, 1, 15))
    subscription = world.order(customer, a)
    world.at(berlin(2027, 1, 20))
    world.lifecycle().change_plan(subscription.id, b.id, world.now)

    # The old plan's last part is charged at the change, for 15-20 Jan: 5 of 31 days x 31.00.
    [old] = world.positions(subscription)
    assert (old.period_start, old.period_end, old.amount) == (
        berlin(2027, 1, 15),
        berlin(2027, 1, 20),
        Decimal("5.00"),
    )
    assert old.created_at == berlin(2027, 1, 20)

    world.run_until(berlin(2027, 3, 2), step=timedelta(hours=1))
    positions = world.positions(subscription)
    assert _rows(positions) == [
        (berlin(2027, 1, 15), berlin(2027, 1, 20), Decimal("5.00")),
        (berlin(2027, 1, 20), berlin(2027, 2, 1), Decimal("24.00")),  # B: 12 of 31 days x 62
        (berlin(2027, 2, 1), berlin(2027, 3, 1), Decimal("62.00")),
    ]
    # In arrear each part is charged when it ends: B's first part on 1 Feb, not on A's 15 Feb.
    assert [p.created_at for p in positions] == [berlin(2027, 1, 20), berlin(2027, 2, 1), berlin(2027, 3, 1)]
