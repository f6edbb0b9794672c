"""A billing unit reads due subscriptions as plain rows (`Charger.lock_due`) and saves them with
set-based statements; every other caller bills `Subscription` ORM objects. Both go through the same
rules (`bill_subscription`): on one mixed dataset they must write exactly the same charges and move
the subscriptions to exactly the same state."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from backend.billing.charging import Charger
from backend.billing.repository import DueSubscriptionRepository
from backend.models import (
    BillingTiming,
    IntervalUnit,
    OpenPosition,
    Subscription,
    SubscriptionStatus,
    TaxCategory,
)
from tests.billing.world import World

EVERY_ID = (0, 10**9)
CHARGE = (
    "source_ref",
    "subscription_id",
    "customer_account_id",
    "description",
    "period_start",
    "period_end",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "tax_category",
)
STATE = (
    "status",
    "current_period_start",
    "current_period_end",
    "next_billing_at",
    "period_index",
    "anchor_at",
    "plan_snapshot",
)


def _mixed_world(world: World) -> None:
    """Advance and arrear plans, month, year with an anchor day, week and day intervals, two
    currencies, reduced tax, a trial, an addon attached mid-period, a pending cancellation and a
    catalog price change: every rule a billing unit meets, several periods due at once."""
    monthly = world.plan("monthly", "9.99")
    arrear = world.plan("arrear", "30.00", billing_timing=BillingTiming.ARREAR)
    yearly = world.plan("yearly", "120.00", interval_unit=IntervalUnit.YEAR, billing_anchor_day=15)
    weekly = world.plan("weekly", "7.00", interval_unit=IntervalUnit.WEEK, currency="USD")
    daily = world.plan("daily", "1.10", interval_unit=IntervalUnit.DAY, tax_category=TaxCategory.REDUCED)
    trial = world.plan("trial", "19.00", trial_days=10)
    anchored = world.plan("anchored", "12.00", billing_anchor_day=20, billing_timing=BillingTiming.ARREAR)
    backup = world.addon("backup", "2.50", [monthly, arrear])
    for plan in (monthly, arrear, yearly, weekly, daily, trial, anchored):
        world.order(world.customer(), plan)
    with_addon = world.order(world.customer(), monthly, addons={backup.id: 2})
    canceling = world.order(world.customer(), arrear)
    world.at(world.now + timedelta(days=9, hours=5))
    late_addon = world.order(world.customer(), arrear)
    world.lifecycle().cancel(canceling.id, world.now)
    world.session.flush()
    # An addon attached to a running arrear subscription: its first period is partly charged.
    world.lifecycle().add_addon(late_addon.id, backup.id, 1, world.now)
    monthly.base_price = Decimal("10.49")  # a price change: the next period charges the new price
    world.session.flush()
    assert with_addon.id is not None


def _charges(world: World) -> list[tuple[Any, ...]]:
    statement = select(OpenPosition).where(OpenPosition.tenant_id == world.scope.tenant_id)
    return sorted(tuple(getattr(p, name) for name in CHARGE) for p in world.session.scalars(statement))


def _states(world: World) -> dict[int, tuple[Any, ...]]:
    statement = select(Subscription).where(Subscription.tenant_id == world.scope.tenant_id)
    return {
        s.id: tuple(getattr(s, name) for name in STATE)
        for s in world.session.scalars(statement.execution_options(populate_existing=True))
    }


def _bill_in_savepoint(world: World, rows: bool) -> tuple[int, list[tuple[Any, ...]], dict[int, tuple]]:
    savepoint = world.session.begin_nested()
    charger = Charger(world.session, world.scope)
    if rows:
        due: list[Any] = charger.lock_due(world.now, *EVERY_ID)
    else:
        due = DueSubscriptionRepository(world.session, world.scope).lock_due(world.now, *EVERY_ID)
    inserted = charger.bill(due, world.now)
    world.session.flush()
    result = (inserted, _charges(world), _states(world))
    savepoint.rollback()
    return result


def test_a_billing_unit_writes_what_the_per_subscription_path_writes(world: World) -> None:
    _mixed_world(world)
    world.at(world.now + timedelta(days=75))
    before = _charges(world)
    via_orm = _bill_in_savepoint(world, rows=False)
    assert _charges(world) == before  # the savepoint undid the first run
    via_rows = _bill_in_savepoint(world, rows=True)

    assert via_rows == via_orm
    inserted, charges, states = via_rows
    new = [charge for charge in charges if charge not in before]
    # Not a comparison of two empty results: the run charged many periods of every kind.
    assert inserted == len(new) > 20
    descriptions = {charge[3] for charge in new}
    assert {"Monthly", "Arrear", "Weekly", "Daily", "Trial", "Backup"} <= descriptions
    assert any(d.endswith("(prorated)") for d in descriptions)
    assert {charge[9] for charge in new} == {"EUR", "USD"}
    assert {charge[10] for charge in new} == {"standard", "reduced"}
    assert Decimal("10.49") in {charge[7] for charge in new}  # the new price reached the unit path
    assert any(state[0] == SubscriptionStatus.CANCELED or state[3] is None for state in states.values())
    assert all(state[0] != SubscriptionStatus.TRIALING for state in states.values())
