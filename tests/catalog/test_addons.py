"""Addons: their validation rules, and which plans may offer them (currency, interval)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session

from backend.catalog import addons, plans
from backend.catalog.schemas import (
    AddonUpdate,
    PlanUpdate,
)
from backend.kit.repository import TenantScope
from backend.models import (
    IntervalUnit,
)
from tests.catalog.support import (
    addon_input,
    admin,
    assert_refused,
    audit_entries,
    new_plan,
)

# ---------------------------------------------------------------------------------------------
# Addons


ADDON_RULES = [
    ({"price": "-2"}, "Price must not be negative (got -2)."),
    ({"currency": "ABC"}, "Currency: Unknown currency 'ABC'"),
    ({"interval_count": 0}, "Interval count must be at least 1"),
    ({"key": "no spaces"}, "Key must be 1-64"),
    ({"name": ""}, "Name must not be empty."),
    ({"key": "EXISTING"}, "Key: an addon with key 'existing' already exists."),
]


@pytest.mark.parametrize(("overrides", "message"), ADDON_RULES, ids=[m for _, m in ADDON_RULES])
def test_create_addon_refuses_inconsistent_input(
    session: Session, scope: TenantScope, overrides: dict[str, Any], message: str
) -> None:
    addons.create_addon(session, scope, addon_input(key="existing"), admin(scope))
    assert_refused(
        session,
        scope,
        lambda: addons.create_addon(session, scope, addon_input(**overrides), admin(scope)),
        message,
    )


def test_allow_and_disallow_an_addon(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope)
    addon = addons.create_addon(session, scope, addon_input(), admin(scope))
    yearly = addons.create_addon(
        session, scope, addon_input(key="ipv4", name="IPv4", interval_unit="year"), admin(scope)
    )
    link = plans.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    assert plans.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope)).id == link.id
    plans.allow_addon(session, scope, plan.id or 0, yearly.id or 0, admin(scope))
    assert [v.key for v in plans.list_addons_for_plan(session, scope, plan.id or 0)] == ["backups", "ipv4"]
    assert plans.plan_details(session, scope, plan.id or 0).addon_ids == sorted(
        [addon.id or 0, yearly.id or 0]
    )
    assert len(audit_entries(session, scope, "plan.addon_allowed")) == 2
    plans.disallow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    plans.disallow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    assert [v.key for v in plans.list_addons_for_plan(session, scope, plan.id or 0)] == ["ipv4"]
    (entry,) = audit_entries(session, scope, "plan.addon_disallowed")
    assert entry.before == {"addon_id": addon.id, "addon_key": "backups"} and entry.after is None


def test_an_addon_must_share_the_plan_currency(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope, name="Hosting")
    addon = addons.create_addon(session, scope, addon_input(currency="USD"), admin(scope))
    assert_refused(
        session,
        scope,
        lambda: plans.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope)),
        "Currency: addon 'Daily Backups' is priced in USD but plan 'Hosting' in EUR",
    )


@pytest.mark.parametrize(
    ("plan_unit", "addon_unit", "fits"),
    [
        ("month", "year", True),
        ("year", "month", True),
        ("hour", "day", True),
        ("week", "hour", True),
        ("month", "hour", False),
        ("month", "week", False),
        ("day", "year", False),
    ],
)
def test_an_addon_interval_must_be_compatible_with_the_plan(
    session: Session, scope: TenantScope, plan_unit: str, addon_unit: str, fits: bool
) -> None:
    plan = new_plan(session, scope, interval_unit=plan_unit)
    addon = addons.create_addon(session, scope, addon_input(interval_unit=addon_unit), admin(scope))
    allow = lambda: plans.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))  # noqa: E731
    if fits:
        assert allow().addon_id == addon.id
    else:
        assert_refused(session, scope, allow, f"Interval: addon 'Daily Backups' is billed per {addon_unit}")


def test_an_inactive_addon_cannot_be_allowed(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope)
    addon = addons.create_addon(session, scope, addon_input(), admin(scope))
    addons.deactivate_addon(session, scope, addon.id or 0, admin(scope))
    assert_refused(
        session,
        scope,
        lambda: plans.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope)),
        "Addon 'Daily Backups' is inactive",
    )
    addons.reactivate_addon(session, scope, addon.id or 0, admin(scope))
    assert plans.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope)).plan_id == plan.id


def test_allowed_addons_keep_fitting_their_plans_after_updates(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope, name="Hosting")
    addon = addons.create_addon(session, scope, addon_input(), admin(scope))
    plans.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    assert_refused(
        session,
        scope,
        lambda: addons.update_addon(session, scope, addon.id or 0, AddonUpdate(currency="USD"), admin(scope)),
        "Currency: addon 'Daily Backups' is priced in USD but plan 'Hosting' in EUR",
    )
    assert_refused(
        session,
        scope,
        lambda: plans.update_plan(
            session, scope, plan.id or 0, PlanUpdate(interval_unit="day"), admin(scope)
        ),
        "Interval: addon 'Daily Backups' is billed per month but plan 'Hosting' per day",
    )
    addons.update_addon(
        session, scope, addon.id or 0, AddonUpdate(price="2.50", interval_unit="year"), admin(scope)
    )
    assert (addon.price, addon.interval_unit) == (Decimal("2.50"), IntervalUnit.YEAR)


def test_deactivating_an_addon_hides_it_from_orders(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope)
    addon = addons.create_addon(session, scope, addon_input(), admin(scope))
    plans.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    addons.deactivate_addon(session, scope, addon.id or 0, admin(scope))
    assert plans.list_addons_for_plan(session, scope, plan.id or 0) == []
    assert len(plans.list_addons_for_plan(session, scope, plan.id or 0, active_only=False)) == 1
    assert [view.active for view in addons.list_addons(session, scope)] == [False]
    assert addons.list_addons(session, scope, active_only=True) == []
