"""Scenarios that move the clock: period grids, timing, trial, plan change, cancel, resume, withdrawal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from backend.models import BillingTiming, IntervalUnit, SubscriptionStatus
from tests.billing.world import World, utc

BERLIN = ZoneInfo("Europe/Berlin")


def local_days(positions: list) -> list[tuple[str, str]]:
    return [
        (
            p.period_start.astimezone(BERLIN).date().isoformat(),
            p.period_end.astimezone(BERLIN).date().isoformat(),
        )
        for p in positions
    ]


@pytest.mark.parametrize(
    ("year", "february_end"),
    [(2027, "2027-02-28"), (2028, "2028-02-29")],
    ids=["non-leap", "leap"],
)
def test_monthly_anchored_on_the_31st_returns_to_the_31st_after_february(
    world: World, year: int, february_end: str
) -> None:
    world.at(utc(year, 1, 31, 9))
    plan = world.plan("monthly", "31.00")
    subscription = world.order(world.customer(), plan)
    world.run_until(utc(year, 5, 31, 12))

    assert local_days(world.positions(subscription)) == [
        (f"{year}-01-31", february_end),
        (february_end, f"{year}-03-31"),
        (f"{year}-03-31", f"{year}-04-30"),
        (f"{year}-04-30", f"{year}-05-31"),
        (f"{year}-05-31", f"{year}-06-30"),
    ]
    assert {p.amount for p in world.positions(subscription)} == {Decimal("31.00")}


def test_quarterly_plan_charges_every_three_months(world: World) -> None:
    world.at(utc(2027, 1, 15, 9))
    plan = world.plan("quarterly", "90.00", interval_count=3)
    subscription = world.order(world.customer(), plan)
    world.run_until(utc(2027, 12, 31, 12))
    assert local_days(world.positions(subscription)) == [
        ("2027-01-15", "2027-04-15"),
        ("2027-04-15", "2027-07-15"),
        ("2027-07-15", "2027-10-15"),
        ("2027-10-15", "2028-01-15"),
    ]


def test_yearly_plan_charges_once_a_year(world: World) -> None:
    world.at(utc(2027, 2, 28, 9))
    plan = world.plan("yearly", "120.00", interval_unit=IntervalUnit.YEAR)
    subscription = world.order(world.customer(), plan)
    world.run_until(utc(2029, 3, 1, 12), step=timedelta(days=7))
    assert local_days(world.positions(subscription)) == [
        ("2027-02-28", "2028-02-28"),
        ("2028-02-28", "2029-02-28"),
        ("2029-02-28", "2030-02-28"),
    ]


def test_hourly_plan_in_arrear_charges_each_hour_when_it_ends(world: World) -> None:
    world.at(utc(2027, 3, 1, 9))
    plan = world.plan(
        "hourly", "0.0071", interval_unit=IntervalUnit.HOUR, billing_timing=BillingTiming.ARREAR
    )
    subscription = world.order(world.customer(), plan)
    world.at(utc(2027, 3, 1, 9, 30))
    world.tick()
    assert world.positions(subscription) == []
    world.run_until(utc(2027, 3, 2, 9), step=timedelta(hours=5))
    positions = world.positions(subscription)
    assert len(positions) == 24
    assert all(p.period_end - p.period_start == timedelta(hours=1) for p in positions)
    assert {p.amount for p in positions} == {Decimal("0.01")}


def test_advance_charges_at_period_start_and_arrear_at_period_end(world: World) -> None:
    world.at(utc(2027, 4, 10, 9))
    customer = world.customer()
    advance = world.order(customer, world.plan("adv", "10.00"))
    arrear = world.order(customer, world.plan("arr", "10.00", billing_timing=BillingTiming.ARREAR))
    assert len(world.positions(advance)) == 1
    assert world.positions(arrear) == []
    world.at(utc(2027, 5, 10, 8, 59))
    world.tick()
    assert len(world.positions(advance)) == 1 and world.positions(arrear) == []
    world.at(utc(2027, 5, 10, 9, 0))  # one month later at the same Berlin wall-clock time
    world.tick()
    assert len(world.positions(advance)) == 2
    assert local_days(world.positions(arrear)) == [("2027-04-10", "2027-05-10")]


def test_daily_periods_follow_the_tenant_time_zone_across_daylight_saving(world: World) -> None:
    world.at(utc(2027, 3, 26, 11))  # 12:00 in Berlin, two days before summer time starts
    plan = world.plan("daily", "24.00", interval_unit=IntervalUnit.DAY)
    subscription = world.order(world.customer(), plan)
    world.run_until(utc(2027, 3, 30, 12), step=timedelta(hours=6))
    lengths = [p.period_end - p.period_start for p in world.positions(subscription)]
    assert lengths[:4] == [timedelta(hours=24), timedelta(hours=23), timedelta(hours=24), timedelta(hours=24)]
    assert all(p.period_start.astimezone(BERLIN).hour == 12 for p in world.positions(subscription))
    assert {p.amount for p in world.positions(subscription)} == {Decimal("24.00")}


def test_price_change_applies_from_the_next_period(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    plan = world.plan("monthly", "10.00")
    subscription = world.order(world.customer(), plan)
    world.at(utc(2027, 1, 20, 9))
    plan.base_price = Decimal("12.00")
    world.session.flush()
    world.run_until(utc(2027, 3, 11))
    assert [p.amount for p in world.positions(subscription)] == [
        Decimal("10.00"),
        Decimal("12.00"),
        Decimal("12.00"),
    ]


def test_anchor_day_bills_a_prorated_stub_first(world: World) -> None:
    world.at(utc(2027, 4, 16, 10))  # 12:00 Berlin
    plan = world.plan("anchored", "30.00", billing_anchor_day=1)
    subscription = world.order(world.customer(), plan)
    world.run_until(utc(2027, 5, 2))
    first, second = world.positions(subscription)
    assert local_days([first]) == [("2027-04-16", "2027-05-01")]
    assert first.amount == Decimal("15.00")  # 15 of 30 days
    assert second.amount == Decimal("30.00")


def test_trial_then_upgrade_mid_period_then_cancel_with_notice(world: World) -> None:
    world.at(utc(2027, 1, 5, 9))
    customer = world.customer()
    basic = world.plan("basic", "30.00", trial_days=14, notice_days=10)
    pro = world.plan("pro", "60.00", notice_days=10)
    subscription = world.order(customer, basic)
    assert subscription.status == SubscriptionStatus.TRIALING
    world.run_until(utc(2027, 1, 19, 8))
    assert world.positions(subscription) == []
    world.run_until(utc(2027, 1, 19, 10))
    assert subscription.status == SubscriptionStatus.ACTIVE
    [first] = world.positions(subscription)
    assert first.amount == Decimal("30.00") and first.period_start == utc(2027, 1, 19, 9)

    world.at(utc(2027, 2, 3, 9))  # half-way through Jan 19 - Feb 19 (31 days): 15 days used
    lifecycle = world.lifecycle()
    preview = lifecycle.preview_plan_change(subscription.id, pro.id, world.now)
    result = lifecycle.change_plan(subscription.id, pro.id, world.now)
    assert result.total == preview.total
    new = [p for p in world.positions(subscription) if p.id != first.id]
    assert sorted(p.amount for p in new) == sorted(line.amount for line in preview.lines)
    assert sum(p.amount for p in new) == Decimal("-15.48") + Decimal("30.97")

    world.at(utc(2027, 2, 12, 9))  # notice 10 days reaches past Feb 19: effective Mar 19
    lifecycle.cancel(subscription.id, world.now)
    assert subscription.status == SubscriptionStatus.PENDING_CANCEL
    assert subscription.cancel_effective_at == utc(2027, 3, 19, 9)
    world.run_until(utc(2027, 4, 30))
    assert subscription.status == SubscriptionStatus.CANCELED
    periods = [p for p in world.positions(subscription) if p.amount > 0]
    assert periods[-1].period_end == utc(2027, 3, 19, 9)


def test_resume_before_the_effective_date_keeps_billing(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    subscription = world.order(world.customer(), world.plan("monthly", "10.00"))
    world.at(utc(2027, 1, 20, 9))
    world.lifecycle().cancel(subscription.id, world.now)
    world.at(utc(2027, 2, 1, 9))
    world.lifecycle().resume(subscription.id, world.now)
    world.run_until(utc(2027, 4, 11))
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert len(world.positions(subscription)) == 4


def test_withdrawal_on_day_ten_credits_the_unused_part(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    subscription = world.order(world.customer(), world.plan("monthly", "31.00"))
    world.at(utc(2027, 1, 11, 9))
    world.lifecycle().withdraw(subscription.id, world.now)
    assert subscription.status == SubscriptionStatus.CANCELED
    charge, credit = world.positions(subscription)
    assert charge.amount == Decimal("31.00") and credit.amount == Decimal("-21.00")
    world.run_until(utc(2027, 3, 1))
    assert len(world.positions(subscription)) == 2
