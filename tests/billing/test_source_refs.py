"""A source reference identifies exactly one charge (2b)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from backend.billing.repository import ConflictingSourceRef, OpenPositionRepository
from backend.billing.source_ref import SourceRef
from backend.models import IntervalUnit
from tests.billing.world import World, utc


def test_changing_plans_and_back_at_the_same_instant_keeps_one_day_of_the_plan(world: World) -> None:
    p = world.plan("p", "3.00", interval_unit=IntervalUnit.DAY)
    q = world.plan("q", "5.00", interval_unit=IntervalUnit.DAY)
    customer = world.customer(billing_day=28)
    subscription = world.order(customer, p)
    lifecycle = world.lifecycle()
    lifecycle.change_plan(subscription.id, q.id, world.now)
    lifecycle.change_plan(subscription.id, p.id, world.now)

    positions = world.positions(subscription)
    # +3.00 (P) -3.00 (P unused) +5.00 (Q) -5.00 (Q unused) +3.00 (P again) = one day of P.
    assert sorted(p.amount for p in positions) == sorted(
        Decimal(x) for x in ("3.00", "-3.00", "5.00", "-5.00", "3.00")
    )
    assert sum(p.amount for p in positions) == Decimal("3.00")
    assert len({p.source_ref for p in positions}) == 5


def _row(world: World, customer_id: int, amount: str) -> dict:
    return {
        "customer_account_id": customer_id,
        "subscription_id": None,
        "source_ref": "manual:1",
        "description": "Setup fee",
        "period_start": utc(2027, 1, 1),
        "period_end": utc(2027, 1, 2),
        "quantity": Decimal(1),
        "unit_price": Decimal(amount),
        "amount": Decimal(amount),
        "currency": "EUR",
        "tax_category": "standard",
    }


def test_the_same_charge_again_is_skipped_but_another_charge_under_its_reference_is_an_error(
    world: World,
) -> None:
    customer = world.customer()
    positions = OpenPositionRepository(world.session, world.scope)
    assert positions.add_charges([_row(world, customer.id, "9.00")], world.now) == 1
    # The same charge again (a retried job): nothing new, no error.
    later = world.now + timedelta(minutes=5)
    assert positions.add_charges([_row(world, customer.id, "9.00")], later) == 0
    # Another amount under the same reference would silently lose a charge: refused.
    with pytest.raises(ConflictingSourceRef, match="manual:1"):
        positions.add_charges([_row(world, customer.id, "12.00")], later)
    assert [p.amount for p in world.positions()] == [Decimal("9.00")]


def test_a_source_reference_reads_back_what_was_written() -> None:
    start = utc(2027, 1, 4, 9)
    plan = SourceRef.plan(12, 3, start, revision=2)
    addon = SourceRef.addon(12, 40, start)
    credit = plan.credit(utc(2027, 1, 20))
    assert str(plan) == "sub:12:plan:3:r2:20270104T090000Z"
    assert str(addon) == "sub:12:addon:40:20270104T090000Z"
    assert str(credit) == "credit:sub:12:plan:3:r2:20270104T090000Z:20270120T000000Z"
    for ref in (plan, addon, credit):
        assert SourceRef.parse(str(ref)) == ref
    assert credit.is_credit and credit.is_plan and credit.charged == plan
    assert not addon.is_plan and not addon.is_credit


def test_a_source_reference_is_exact_to_the_second_in_utc() -> None:
    berlin = timezone(timedelta(hours=1))
    ref = SourceRef.plan(1, 2, datetime(2027, 1, 4, 10, 0, 0, 999_999, tzinfo=berlin))
    assert str(ref) == "sub:1:plan:2:20270104T090000Z"
    assert ref == SourceRef.plan(1, 2, utc(2027, 1, 4, 9))


@pytest.mark.parametrize(
    "text",
    [
        "manual:1",
        "sub:1:plan:2",
        "sub:1:usage:2:20270104T090000Z",
        "sub:x:plan:2:20270104T090000Z",
        "credit:sub:1:plan:2:20270104T090000Z",
        "credit:sub:1:plan:2:20270104T090000Z:tomorrow",
        "sub:1:plan:2:20270104T090000Z:extra",
    ],
)
def test_anything_else_is_not_a_source_reference(text: str) -> None:
    with pytest.raises(ValueError, match="not a source reference"):
        SourceRef.parse(text)


def test_a_credit_is_never_credited_again() -> None:
    credit = SourceRef.plan(1, 2, utc(2027, 1, 4)).credit(utc(2027, 1, 10))
    with pytest.raises(ValueError):
        credit.credit(utc(2027, 1, 12))
