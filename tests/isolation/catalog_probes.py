"""The isolation table of catalog operations: tenant B's admin on tenant A's service types, plans,
addons and promotions. Like service_probes.py: `call(session, me, a)`, `NotFoundError` by default.

Keys and codes are unique per tenant: B may create an object with a key A uses (a check that
looked across tenants would refuse it, and tell B the key exists elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.catalog import service as c
from backend.catalog.schemas import (
    AddonInput,
    AddonUpdate,
    PlanInput,
    PlanUpdate,
    PromotionInput,
    PromotionUpdate,
    ServiceTypeInput,
    ServiceTypeUpdate,
)
from backend.catalog.terms import terms_by_plan
from backend.kit.errors import ValidationFailed
from backend.models import Addon, Plan, Promotion, PromotionBenefit, ServiceType
from tests.isolation.probes import Probe, Raises, nothing, views_of_b
from tests.isolation.service_probes import S
from tests.isolation.world import Side

PERCENT = {"benefit": PromotionBenefit.PERCENT_OFF, "percent_off": Decimal(10)}


def _created_in_b(result: Any, b: Side, session: Session) -> None:
    assert result.tenant_id == b.tenant_id


def free_in_b(operation: Callable[..., Any], data: Callable[[Side], Any]) -> Probe:
    """B creates an object with the key or code A uses (`data(a)`): it is B's own. A has the key
    already, so A's own call proves nothing here."""
    return S(
        operation,
        lambda s, me, a: operation(s, me.scope, data(a), me.actor),
        _created_in_b,
        control=False,
        label="A's key",
    )


def _promotion(code: str, **fields: Any) -> PromotionInput:
    return PromotionInput(code=code, **PERCENT, **fields)


CATALOG_PROBES: list[Probe] = [
    S(terms_by_plan, lambda s, me, a: terms_by_plan(s, me.scope, {a.plan_id, a.other_plan_id}), nothing),
    # --- service types --------------------------------------------------------------------------
    free_in_b(c.create_service_type, lambda a: ServiceTypeInput(key="vps", name="VPS")),
    S(
        c.update_service_type,
        lambda s, me, a: c.update_service_type(
            s, me.scope, a.service_type_id, ServiceTypeUpdate(name="X"), me.actor
        ),
    ),
    S(
        c.deactivate_service_type,
        lambda s, me, a: c.deactivate_service_type(s, me.scope, a.service_type_id, me.actor),
    ),
    S(
        c.reactivate_service_type,
        lambda s, me, a: c.reactivate_service_type(s, me.scope, a.service_type_id, me.actor),
    ),
    S(c.get_service_type, lambda s, me, a: c.get_service_type(s, me.scope, a.service_type_id)),
    S(c.list_service_types, lambda s, me, a: c.list_service_types(s, me.scope), views_of_b(ServiceType)),
    # --- plans ----------------------------------------------------------------------------------
    free_in_b(c.create_plan, lambda a: PlanInput(key="basic", name="Basic")),
    S(
        c.create_plan,
        lambda s, me, a: c.create_plan(
            s, me.scope, PlanInput(key="typed", name="Typed", service_type_id=a.service_type_id), me.actor
        ),
        Raises(ValidationFailed, "there is no service type"),
        label="A's service type",
    ),
    S(c.update_plan, lambda s, me, a: c.update_plan(s, me.scope, a.plan_id, PlanUpdate(name="X"), me.actor)),
    S(c.deactivate_plan, lambda s, me, a: c.deactivate_plan(s, me.scope, a.plan_id, me.actor)),
    S(c.reactivate_plan, lambda s, me, a: c.reactivate_plan(s, me.scope, a.plan_id, me.actor)),
    S(c.delete_plan, lambda s, me, a: c.delete_plan(s, me.scope, a.spare_plan_id, me.actor)),
    S(c.allow_addon, lambda s, me, a: c.allow_addon(s, me.scope, a.spare_plan_id, a.addon_id, me.actor)),
    S(
        c.allow_addon,
        lambda s, me, a: c.allow_addon(s, me.scope, me.plan_id, a.addon_id, me.actor),
        label="A's addon on B's plan",
    ),
    S(c.disallow_addon, lambda s, me, a: c.disallow_addon(s, me.scope, a.plan_id, a.addon_id, me.actor)),
    S(c.get_plan, lambda s, me, a: c.get_plan(s, me.scope, a.plan_id)),
    S(c.list_plans, lambda s, me, a: c.list_plans(s, me.scope), views_of_b(Plan)),
    S(c.plan_details, lambda s, me, a: c.plan_details(s, me.scope, a.plan_id)),
    # --- addons ---------------------------------------------------------------------------------
    free_in_b(c.create_addon, lambda a: AddonInput(key="backup", name="Backup")),
    S(
        c.update_addon,
        lambda s, me, a: c.update_addon(s, me.scope, a.addon_id, AddonUpdate(price="3"), me.actor),
    ),
    S(c.deactivate_addon, lambda s, me, a: c.deactivate_addon(s, me.scope, a.addon_id, me.actor)),
    S(c.reactivate_addon, lambda s, me, a: c.reactivate_addon(s, me.scope, a.addon_id, me.actor)),
    S(c.get_addon, lambda s, me, a: c.get_addon(s, me.scope, a.addon_id)),
    S(c.list_addons, lambda s, me, a: c.list_addons(s, me.scope), views_of_b(Addon)),
    S(c.list_addons_for_plan, lambda s, me, a: c.list_addons_for_plan(s, me.scope, a.plan_id)),
    # --- promotions -----------------------------------------------------------------------------
    free_in_b(c.create_promotion, lambda a: _promotion(a.promotion_code)),
    S(
        c.create_promotion,
        lambda s, me, a: c.create_promotion(
            s, me.scope, _promotion("NEW", eligible_plan_ids=[a.plan_id]), me.actor
        ),
        Raises(ValidationFailed, "there is no plan"),
        label="A's plan",
    ),
    S(
        c.update_promotion,
        lambda s, me, a: c.update_promotion(
            s, me.scope, a.promotion_id, PromotionUpdate(description="X"), me.actor
        ),
    ),
    S(c.deactivate_promotion, lambda s, me, a: c.deactivate_promotion(s, me.scope, a.promotion_id, me.actor)),
    S(c.reactivate_promotion, lambda s, me, a: c.reactivate_promotion(s, me.scope, a.promotion_id, me.actor)),
    S(c.get_promotion, lambda s, me, a: c.get_promotion(s, me.scope, a.promotion_id)),
    S(c.find_promotion, lambda s, me, a: c.find_promotion(s, me.scope, a.promotion_code.lower()), nothing),
    S(c.list_promotions, lambda s, me, a: c.list_promotions(s, me.scope), views_of_b(Promotion)),
]
