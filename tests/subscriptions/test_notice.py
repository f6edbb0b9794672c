"""Notice that ends exactly on a period boundary follows one rule (2d): the subscription ends at
the first period boundary at or after the end of the notice period, whichever boundary that is."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.billing.world import World

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("notice_days", "effective"),
    [
        (0, berlin(2027, 2, 1)),  # no notice: the current period's end
        (28, berlin(2027, 2, 1)),  # 3 Jan + 28 days = 31 Jan: the next boundary is 1 Feb
        (29, berlin(2027, 2, 1)),  # 3 Jan + 29 days = 1 Feb: exactly the current period's end
        (30, berlin(2027, 3, 1)),  # 2 Feb: past it, so the following boundary
        (57, berlin(2027, 3, 1)),  # 3 Jan + 57 days = 1 Mar: exactly a later boundary
        (58, berlin(2027, 4, 1)),  # 2 Mar
    ],
)
def test_notice_ends_at_the_first_boundary_at_or_after_it(
    world: World, notice_days: int, effective: datetime
) -> None:
    plan = world.plan("noticed", "10.00", notice_days=notice_days)
    world.at(berlin(2027, 1, 1))
    subscription = world.order(world.customer(), plan)
    world.at(berlin(2027, 1, 3))
    assert world.lifecycle().cancel(subscription.id, world.now).cancel_effective_at == effective


def test_a_cancel_just_after_a_boundary_does_not_depend_on_when_the_billing_job_ran(world: World) -> None:
    plan = world.plan("monthly", "10.00")
    world.at(berlin(2027, 1, 1))
    subscription = world.order(world.customer(), plan)
    # 30 seconds into February, before the minutely job charged February: the cancel charges it
    # first, so the cancellation takes effect at February's end, as it would a minute later.
    world.at(berlin(2027, 2, 1, 0, 0, 30))
    canceled = world.lifecycle().cancel(subscription.id, world.now)
    assert canceled.cancel_effective_at == berlin(2027, 3, 1)
    assert [p.amount for p in world.positions(subscription)] == [Decimal("10.00"), Decimal("10.00")]
