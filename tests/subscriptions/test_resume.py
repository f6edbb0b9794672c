"""Resuming a cancellation bills the subscription as if it had never been canceled."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.billing.world import World

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def test_resume_charges_the_rest_of_a_period_a_cancellation_had_cut_short(world: World) -> None:
    # 31.00 a month, canceled with 7 days' notice effective mid-period (not at period end).
    plan = world.plan("flex", "31.00", notice_days=7, cancel_at_period_end=False)
    world.at(berlin(2027, 1, 1))
    subscription = world.order(world.customer(billing_day=28), plan)
    world.at(berlin(2027, 1, 29))
    lifecycle = world.lifecycle()
    assert lifecycle.cancel(subscription.id, world.now).cancel_effective_at == berlin(2027, 2, 5)
    world.run_until(berlin(2027, 2, 2))  # February is charged up to the cancellation: 4 of 28 days
    lifecycle.resume(subscription.id, world.now)
    world.run_until(berlin(2027, 3, 2))
    # January 31.00, February in full 31.00 (4.43 + 26.57), March 31.00.
    assert sum(p.amount for p in world.positions(subscription)) == Decimal("93.00")
