"""Tenant isolation of the catalog: another tenant's objects are not found and stay unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from backend.catalog import addons, plans, promotion_codes, service_types
from backend.catalog.schemas import (
    AddonUpdate,
    PlanUpdate,
    ServiceTypeInput,
    ServiceTypeUpdate,
)
from backend.kit.errors import NotFoundError
from backend.kit.repository import TenantScope
from tests.catalog.support import (
    addon_input,
    admin,
    catalog_state,
    new_plan,
    promotion_input,
    tenant_scope,
)

# ---------------------------------------------------------------------------------------------
# Tenant isolation


def test_objects_of_another_tenant_are_not_found(session: Session, scope: TenantScope) -> None:
    other = tenant_scope(session, "catalog-other")
    plan_b = new_plan(session, other)
    addon_b = addons.create_addon(session, other, addon_input(), admin(other))
    promotion_b = promotion_codes.create_promotion(session, other, promotion_input(), admin(other))
    type_b = service_types.create_service_type(
        session, other, ServiceTypeInput(key="cloud", name="Cloud"), admin(other)
    )
    plan_a = new_plan(session, scope)
    plan_id, addon_id = plan_b.id or 0, addon_b.id or 0
    calls: list[Callable[[], Any]] = [
        lambda: plans.get_plan(session, scope, plan_id),
        lambda: plans.plan_details(session, scope, plan_id),
        lambda: plans.update_plan(session, scope, plan_id, PlanUpdate(name="Stolen"), admin(scope)),
        lambda: plans.deactivate_plan(session, scope, plan_id, admin(scope)),
        lambda: plans.delete_plan(session, scope, plan_id, admin(scope)),
        lambda: plans.allow_addon(session, scope, plan_a.id or 0, addon_id, admin(scope)),
        lambda: plans.list_addons_for_plan(session, scope, plan_id),
        lambda: addons.update_addon(session, scope, addon_id, AddonUpdate(price="0"), admin(scope)),
        lambda: promotion_codes.deactivate_promotion(session, scope, promotion_b.id or 0, admin(scope)),
        lambda: service_types.update_service_type(
            session, scope, type_b.id or 0, ServiceTypeUpdate(name="X"), admin(scope)
        ),
    ]
    before = catalog_state(session, other)
    for call in calls:
        with pytest.raises(NotFoundError):
            call()
    assert catalog_state(session, other) == before
    assert promotion_codes.find_promotion(session, scope, "WELCOME10") is None
    assert [view.id for view in plans.list_plans(session, scope)] == [plan_a.id]
