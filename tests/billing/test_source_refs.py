"""A source reference identifies exactly one charge (2b)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from backend.billing.repository import ConflictingSourceRef, OpenPositionRepository
from backend.models import IntervalUnit
from tests.billing.conftest import World, utc


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
