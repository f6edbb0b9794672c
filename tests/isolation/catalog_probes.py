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

from backend.catalog import addons, plans, promotion_codes, redemptions, service_types, validation
from backend.catalog.schemas import (
    AddonInput,
    AddonUpdate,
    CatalogQuery,
    PlanInput,
    PlanUpdate,
    PromotionInput,
    PromotionUpdate,
    ServiceTypeInput,
    ServiceTypeUpdate,
)
from backend.catalog.terms import terms_by_plan
from backend.kit.errors import ValidationFailed
from backend.models import Addon, Plan, Promotion, PromotionBenefit, ServiceType, Tenant
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


def _default_currency_of_b(result: Any, b: Side, session: Session) -> None:
    tenant = session.get(Tenant, b.tenant_id)
    assert tenant is not None and result == tenant.default_currency, f"tenant B got {result!r}"


def _promotion(code: str, **fields: Any) -> PromotionInput:
    return PromotionInput(code=code, **PERCENT, **fields)


CATALOG_PROBES: list[Probe] = [
    S(
        validation.checked_currency,
        lambda s, me, a: validation.checked_currency(s, me.scope, None),
        _default_currency_of_b,
        filtered=False,  # (the tenant row is the scope's own, read by the scope's id: no filter)
    ),
    S(terms_by_plan, lambda s, me, a: terms_by_plan(s, me.scope, {a.plan_id, a.other_plan_id}), nothing),
    # --- service types --------------------------------------------------------------------------
    free_in_b(service_types.create_service_type, lambda a: ServiceTypeInput(key="vps", name="VPS")),
    S(
        service_types.update_service_type,
        lambda s, me, a: service_types.update_service_type(
            s, me.scope, a.service_type_id, ServiceTypeUpdate(name="X"), me.actor
        ),
    ),
    S(
        service_types.deactivate_service_type,
        lambda s, me, a: service_types.deactivate_service_type(s, me.scope, a.service_type_id, me.actor),
    ),
    S(
        service_types.reactivate_service_type,
        lambda s, me, a: service_types.reactivate_service_type(s, me.scope, a.service_type_id, me.actor),
    ),
    S(
        service_types.get_service_type,
        lambda s, me, a: service_types.get_service_type(s, me.scope, a.service_type_id),
    ),
    S(
        service_types.list_service_types,
        lambda s, me, a: service_types.list_service_types(s, me.scope),
        views_of_b(ServiceType),
    ),
    # --- plans ----------------------------------------------------------------------------------
    free_in_b(plans.create_plan, lambda a: PlanInput(key="basic", name="Basic")),
    S(
        plans.create_plan,
        lambda s, me, a: plans.create_plan(
            s, me.scope, PlanInput(key="typed", name="Typed", service_type_id=a.service_type_id), me.actor
        ),
        Raises(ValidationFailed, "there is no service type"),
        label="A's service type",
    ),
    S(
        plans.update_plan,
        lambda s, me, a: plans.update_plan(s, me.scope, a.plan_id, PlanUpdate(name="X"), me.actor),
    ),
    S(plans.deactivate_plan, lambda s, me, a: plans.deactivate_plan(s, me.scope, a.plan_id, me.actor)),
    S(plans.reactivate_plan, lambda s, me, a: plans.reactivate_plan(s, me.scope, a.plan_id, me.actor)),
    S(plans.delete_plan, lambda s, me, a: plans.delete_plan(s, me.scope, a.spare_plan_id, me.actor)),
    S(
        plans.allow_addon,
        lambda s, me, a: plans.allow_addon(s, me.scope, a.spare_plan_id, a.addon_id, me.actor),
    ),
    S(
        plans.allow_addon,
        lambda s, me, a: plans.allow_addon(s, me.scope, me.plan_id, a.addon_id, me.actor),
        label="A's addon on B's plan",
    ),
    S(
        plans.disallow_addon,
        lambda s, me, a: plans.disallow_addon(s, me.scope, a.plan_id, a.addon_id, me.actor),
    ),
    S(plans.get_plan, lambda s, me, a: plans.get_plan(s, me.scope, a.plan_id)),
    S(plans.list_plans, lambda s, me, a: plans.list_plans(s, me.scope), views_of_b(Plan)),
    S(plans.plan_details, lambda s, me, a: plans.plan_details(s, me.scope, a.plan_id)),
    # --- addons ---------------------------------------------------------------------------------
    free_in_b(addons.create_addon, lambda a: AddonInput(key="backup", name="Backup")),
    S(
        addons.update_addon,
        lambda s, me, a: addons.update_addon(s, me.scope, a.addon_id, AddonUpdate(price="3"), me.actor),
    ),
    S(addons.deactivate_addon, lambda s, me, a: addons.deactivate_addon(s, me.scope, a.addon_id, me.actor)),
    S(addons.reactivate_addon, lambda s, me, a: addons.reactivate_addon(s, me.scope, a.addon_id, me.actor)),
    S(addons.get_addon, lambda s, me, a: addons.get_addon(s, me.scope, a.addon_id)),
    S(addons.list_addons, lambda s, me, a: addons.list_addons(s, me.scope), views_of_b(Addon)),
    S(plans.list_addons_for_plan, lambda s, me, a: plans.list_addons_for_plan(s, me.scope, a.plan_id)),
    # --- promotions -----------------------------------------------------------------------------
    free_in_b(promotion_codes.create_promotion, lambda a: _promotion(a.promotion_code)),
    S(
        promotion_codes.create_promotion,
        lambda s, me, a: promotion_codes.create_promotion(
            s, me.scope, _promotion("NEW", eligible_plan_ids=[a.plan_id]), me.actor
        ),
        Raises(ValidationFailed, "there is no plan"),
        label="A's plan",
    ),
    S(
        promotion_codes.update_promotion,
        lambda s, me, a: promotion_codes.update_promotion(
            s, me.scope, a.promotion_id, PromotionUpdate(description="X"), me.actor
        ),
    ),
    S(
        promotion_codes.deactivate_promotion,
        lambda s, me, a: promotion_codes.deactivate_promotion(s, me.scope, a.promotion_id, me.actor),
    ),
    S(
        promotion_codes.reactivate_promotion,
        lambda s, me, a: promotion_codes.reactivate_promotion(s, me.scope, a.promotion_id, me.actor),
    ),
    S(
        promotion_codes.get_promotion,
        lambda s, me, a: promotion_codes.get_promotion(s, me.scope, a.promotion_id),
    ),
    S(
        promotion_codes.find_promotion,
        lambda s, me, a: promotion_codes.find_promotion(s, me.scope, a.promotion_code.lower()),
        nothing,
    ),
    S(
        promotion_codes.list_promotions,
        lambda s, me, a: promotion_codes.list_promotions(s, me.scope),
        views_of_b(Promotion),
    ),
    # --- the admin's lists and a promotion's redemptions --------------------------------------------
    S(
        service_types.find_service_types,
        lambda s, me, a: service_types.find_service_types(s, me.scope, me.actor, CatalogQuery()),
        views_of_b(ServiceType),
    ),
    S(
        plans.find_plans,
        lambda s, me, a: plans.find_plans(
            s, me.scope, me.actor, CatalogQuery(service_type_id=a.service_type_id)
        ),
        views_of_b(Plan),
        label="A's service type",
    ),
    S(
        plans.find_plans,
        lambda s, me, a: plans.find_plans(s, me.scope, me.actor, CatalogQuery()),
        views_of_b(Plan),
    ),
    S(
        addons.find_addons,
        lambda s, me, a: addons.find_addons(s, me.scope, me.actor, CatalogQuery()),
        views_of_b(Addon),
    ),
    S(
        promotion_codes.find_promotions,
        lambda s, me, a: promotion_codes.find_promotions(
            s, me.scope, me.actor, CatalogQuery(search=a.promotion_code)
        ),
        views_of_b(Promotion),
    ),
    S(
        redemptions.promotion_redemptions,
        lambda s, me, a: redemptions.promotion_redemptions(s, me.scope, a.promotion_id, me.actor),
    ),
]
