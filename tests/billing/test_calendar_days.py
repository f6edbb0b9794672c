"""Trial, commitment, notice and withdrawal lengths are calendar days in the tenant's time zone at
the same wall-clock time, not multiples of 24 hours (SPEC §4, 2c).

Europe/Berlin moves to summer time on Sunday 28 March 2027 (02:00 CET -> 03:00 CEST), so a span
of days across it is one hour shorter than days x 24 h.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.models import SubscriptionStatus
from backend.subscriptions.errors import SubscriptionError
from tests.billing.world import World, utc

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def test_a_trial_across_the_clock_change_ends_at_the_same_local_time(world: World) -> None:
    plan = world.plan("trial", "10.00", trial_days=7)
    world.at(berlin(2027, 3, 25, 10))  # 09:00 UTC (CET)
    subscription = world.order(world.customer(), plan)
    # 1 April 10:00 CEST is 08:00 UTC; seven times 24 h would be 09:00 UTC (11:00 local).
    assert subscription.trial_end == utc(2027, 4, 1, 8)


def test_cancel_is_allowed_when_the_commitment_ends_in_calendar_days(world: World) -> None:
    plan = world.plan("committed", "10.00", minimum_commitment_days=30)
    world.at(berlin(2027, 3, 1, 10))
    subscription = world.order(world.customer(), plan)
    lifecycle = world.lifecycle()
    world.at(berlin(2027, 3, 31, 9, 59))
    with pytest.raises(SubscriptionError, match="2027-03-31"):
        lifecycle.cancel(subscription.id, world.now)
    # 30 calendar days after 1 March 10:00 is 31 March 10:00 CEST = 08:00 UTC.
    world.at(berlin(2027, 3, 31, 10))
    assert world.now == utc(2027, 3, 31, 8)
    canceled = lifecycle.cancel(subscription.id, world.now)
    assert canceled.status == SubscriptionStatus.PENDING_CANCEL


def test_notice_in_calendar_days_ends_on_the_boundary_it_reaches(world: World) -> None:
    plan = world.plan("noticed", "10.00", notice_days=28)
    world.at(berlin(2027, 3, 1))
    subscription = world.order(world.customer(), plan)
    world.at(berlin(2027, 3, 4))
    canceled = world.lifecycle().cancel(subscription.id, world.now)
    # 4 March + 28 days = 1 April 00:00 local, a period boundary: the subscription ends there.
    # 28 x 24 h would reach 1 April 01:00 local and bill all of April.
    assert canceled.cancel_effective_at == berlin(2027, 4, 1)
    world.run_until(berlin(2027, 4, 2))
    # March only: 10.00. Ending on 1 May would have charged April as well.
    assert sum(p.amount for p in world.positions(subscription)) == plan.base_price


def test_withdrawal_ends_fourteen_calendar_days_after_the_order(world: World) -> None:
    plan = world.plan("basic", "10.00")
    world.at(berlin(2027, 3, 20, 10))
    subscription = world.order(world.customer(), plan)
    lifecycle = world.lifecycle()
    # The deadline is 3 April 10:00 CEST = 08:00 UTC; 14 x 24 h would allow until 09:00 UTC.
    world.at(berlin(2027, 4, 3, 10) + timedelta(minutes=30))
    with pytest.raises(SubscriptionError, match="2027-04-03"):
        lifecycle.withdraw(subscription.id, world.now)
    assert lifecycle.subscriptions.get(subscription.id).status == SubscriptionStatus.ACTIVE
