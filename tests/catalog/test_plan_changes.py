"""Plans once they exist: updates, price changes for new periods, deactivation and deletion."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session

from backend.catalog import addons, plans, promotion_codes, service_types
from backend.catalog.errors import PlanInUse
from backend.catalog.repository import (
    AddonRepository,
    PlanAddonRepository,
    PlanRepository,
)
from backend.catalog.schemas import (
    PlanUpdate,
    ServiceTypeInput,
)
from backend.catalog.terms import PlanTerms
from backend.kit.repository import TenantScope
from backend.models import (
    SubscriptionStatus,
)
from backend.subscriptions.repository import SubscriptionRepository
from tests.catalog.support import (
    addon_input,
    admin,
    assert_refused,
    audit_entries,
    catalog_state,
    new_plan,
    promotion_input,
    subscribe,
)

# ---------------------------------------------------------------------------------------------
# Plans: updates, price changes, deactivation, deletion


def test_a_price_change_updates_only_the_plan_row(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope, base_price="9.90")
    subscription = subscribe(session, scope, plan)
    snapshot = dict(subscription.plan_snapshot)
    plans.update_plan(session, scope, plan.id or 0, PlanUpdate(base_price="12.50"), admin(scope))
    session.expire_all()
    assert PlanRepository(session, scope).get_or_raise(plan.id or 0).base_price == Decimal("12.50")
    # The running period keeps its price; the billing engine refreshes the snapshot at the next period.
    assert SubscriptionRepository(session, scope).get_or_raise(subscription.id or 0).plan_snapshot == snapshot
    assert snapshot["price"] != PlanTerms.of(plan).to_json()["price"]
    (entry,) = audit_entries(session, scope, "plan.updated")
    assert entry.before is not None and entry.after is not None
    assert (set(entry.before), set(entry.after)) == ({"base_price"}, {"base_price"})
    assert (Decimal(entry.before["base_price"]), Decimal(entry.after["base_price"])) == (
        Decimal("9.90"),
        Decimal("12.50"),
    )


def test_an_update_that_changes_nothing_writes_no_audit_entry(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope, base_price="9.90")
    plans.update_plan(
        session, scope, plan.id or 0, PlanUpdate(base_price="9.9", name="Web Hosting"), admin(scope)
    )
    assert audit_entries(session, scope, "plan.updated") == []


def test_an_update_can_clear_the_anchor_day_and_validates_the_result(
    session: Session, scope: TenantScope
) -> None:
    plan = new_plan(session, scope, billing_anchor_day=15)
    plans.update_plan(session, scope, plan.id or 0, PlanUpdate(billing_anchor_day=None), admin(scope))
    assert plan.billing_anchor_day is None
    plans.update_plan(session, scope, plan.id or 0, PlanUpdate(billing_anchor_day=15), admin(scope))
    assert_refused(
        session,
        scope,
        lambda: plans.update_plan(
            session, scope, plan.id or 0, PlanUpdate(interval_unit="day"), admin(scope)
        ),
        "Billing anchor day applies only to monthly or yearly plans",
    )
    assert_refused(
        session,
        scope,
        lambda: plans.update_plan(session, scope, plan.id or 0, PlanUpdate(base_price="-2"), admin(scope)),
        "Base price must not be negative",
    )
    assert_refused(
        session,
        scope,
        lambda: plans.update_plan(session, scope, plan.id or 0, PlanUpdate(name=None), admin(scope)),
        "Name:",
    )


def test_an_update_cannot_take_the_key_of_another_plan(session: Session, scope: TenantScope) -> None:
    new_plan(session, scope, key="basic")
    plan = new_plan(session, scope, key="premium")
    plans.update_plan(session, scope, plan.id or 0, PlanUpdate(key="premium"), admin(scope))
    assert_refused(
        session,
        scope,
        lambda: plans.update_plan(session, scope, plan.id or 0, PlanUpdate(key="Basic"), admin(scope)),
        "Key: a plan with key 'basic' already exists.",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"currency": "USD"}, "Currency"),
        ({"interval_unit": "year"}, "Interval unit"),
        ({"interval_count": 3}, "Interval count"),
        ({"billing_anchor_day": 1}, "Billing anchor day"),
        ({"billing_timing": "arrear"}, "Billing timing"),
    ],
)
def test_billing_terms_are_fixed_once_a_plan_has_subscriptions(
    session: Session, scope: TenantScope, changes: dict[str, Any], field: str
) -> None:
    plan = new_plan(session, scope, name="Hosting")
    subscribe(session, scope, plan)
    assert_refused(
        session,
        scope,
        lambda: plans.update_plan(session, scope, plan.id or 0, PlanUpdate(**changes), admin(scope)),
        f"{field} cannot change while plan 'Hosting' has subscriptions; create a new plan",
    )
    plans.update_plan(session, scope, plan.id or 0, PlanUpdate(base_price="11", trial_days=7), admin(scope))
    assert plan.base_price == Decimal(11)


def test_deactivating_a_plan_keeps_its_subscriptions(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope)
    subscription = subscribe(session, scope, plan)
    plans.deactivate_plan(session, scope, plan.id or 0, admin(scope))
    plans.deactivate_plan(session, scope, plan.id or 0, admin(scope))
    session.expire_all()
    assert not PlanRepository(session, scope).get_or_raise(plan.id or 0).active
    kept = SubscriptionRepository(session, scope).get_or_raise(subscription.id or 0)
    assert (kept.status, kept.plan_id) == (SubscriptionStatus.ACTIVE, plan.id)
    assert plans.list_plans(session, scope, active_only=True) == []
    (view,) = plans.list_plans(session, scope)
    assert (view.active, view.subscription_count) == (False, 1)
    (entry,) = audit_entries(session, scope, "plan.deactivated")
    assert (entry.before, entry.after) == ({"active": True}, {"active": False})
    plans.reactivate_plan(session, scope, plan.id or 0, admin(scope))
    assert [view.id for view in plans.list_plans(session, scope, active_only=True)] == [plan.id]
    assert len(audit_entries(session, scope, "plan.reactivated")) == 1


def test_plans_of_an_inactive_service_type_cannot_be_ordered(session: Session, scope: TenantScope) -> None:
    cloud = service_types.create_service_type(
        session, scope, ServiceTypeInput(key="cloud", name="Cloud"), admin(scope)
    )
    server = new_plan(session, scope, key="server", service_type_id=cloud.id, sort_order=2)
    billing_only = new_plan(session, scope, key="support", sort_order=1)
    assert [v.key for v in plans.list_plans(session, scope, active_only=True)] == ["support", "server"]
    service_types.deactivate_service_type(session, scope, cloud.id or 0, admin(scope))
    assert [v.id for v in plans.list_plans(session, scope, active_only=True)] == [billing_only.id]
    assert server.active
    plans.update_plan(session, scope, server.id or 0, PlanUpdate(base_price="20"), admin(scope))
    plans.deactivate_plan(session, scope, server.id or 0, admin(scope))
    assert_refused(
        session,
        scope,
        lambda: plans.reactivate_plan(session, scope, server.id or 0, admin(scope)),
        "Service type 'Cloud' is inactive; reactivate it before plan",
    )


def test_a_plan_with_subscriptions_cannot_be_deleted(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope, name="Web Hosting")
    subscribe(session, scope, plan)
    before = catalog_state(session, scope)
    with pytest.raises(PlanInUse) as refused:
        plans.delete_plan(session, scope, plan.id or 0, admin(scope))
    assert str(refused.value) == "Plan 'Web Hosting' has subscriptions; deactivate it instead."
    assert catalog_state(session, scope) == before


def test_a_plan_named_by_a_promotion_cannot_be_deleted(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope)
    promotion_codes.create_promotion(
        session, scope, promotion_input(eligible_plan_ids=[plan.id]), admin(scope)
    )
    with pytest.raises(PlanInUse, match="eligible plan of promotion WELCOME10"):
        plans.delete_plan(session, scope, plan.id or 0, admin(scope))
    assert PlanRepository(session, scope).get(plan.id or 0) is not None


def test_a_plan_without_subscriptions_is_deleted_with_its_addon_links(
    session: Session, scope: TenantScope
) -> None:
    plan = new_plan(session, scope)
    addon = addons.create_addon(session, scope, addon_input(), admin(scope))
    plans.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    plan_id = plan.id or 0
    plans.delete_plan(session, scope, plan_id, admin(scope))
    session.expire_all()
    assert PlanRepository(session, scope).get(plan_id) is None
    assert PlanAddonRepository(session, scope).count() == 0
    assert AddonRepository(session, scope).get(addon.id or 0) is not None
    (entry,) = audit_entries(session, scope, "plan.deleted")
    assert entry.object_id == str(plan_id) and entry.after is None
    assert entry.before is not None and entry.before["key"] == "hosting-monthly"
