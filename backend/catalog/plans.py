"""Plans, and which addons each plan allows.

A plan's price lives only on the plan row. A subscription bills each period from its
`plan_snapshot` (`backend.catalog.terms.PlanTerms`), which the billing engine refreshes from the
plan when a new period starts, so a running period keeps its price and a new price applies to new
periods. Deactivating hides a plan from new orders and never touches existing subscriptions; a plan
that has subscriptions cannot be deleted, only deactivated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.catalog.addons import addon_view, check_addon_fits, get_addon
from backend.catalog.changes import apply_changes, record_change, set_active
from backend.catalog.errors import PlanInUse
from backend.catalog.pricing import plan_price, price_display, sell_price
from backend.catalog.repository import (
    AddonRepository,
    PlanAddonRepository,
    PlanRepository,
    PromotionRepository,
    ServiceTypeRepository,
)
from backend.catalog.schemas import AddonView, CatalogQuery, PlanInput, PlanUpdate, PlanView
from backend.catalog.service_types import get_service_type
from backend.catalog.validation import (
    CALENDAR_UNITS,
    MAX_DAYS,
    MAX_INTERVAL_COUNT,
    MAX_LIMIT,
    FieldCheck,
    checked_amount,
    checked_currency,
    checked_key,
    checked_name,
    checked_whole,
    label,
    matches,
    merge,
    plain,
)
from backend.kit.errors import FieldErrors, NotFoundError, ValidationFailed
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import Plan, PlanAddon, PromotionBenefit, ServiceType

# Terms a running subscription is billed by; changing them under it would break its periods.
TERMS_FIXED_BY_SUBSCRIPTIONS = (
    "currency",
    "interval_unit",
    "interval_count",
    "billing_anchor_day",
    "billing_timing",
)


def create_plan(session: Session, scope: TenantScope, data: PlanInput, actor: Actor) -> Plan:
    """A new plan after checking every rule (prices, currency, interval, anchor, trial, key, type)."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    values = _checked_plan(session, scope, data, current=None)
    plan = PlanRepository(session, scope).add(Plan(**values))
    record_change(session, scope, actor, "plan.created", plan, None, _plan_fields(plan))
    return plan


def update_plan(
    session: Session, scope: TenantScope, plan_id: int, changes: PlanUpdate, actor: Actor
) -> Plan:
    """Apply the fields set in `changes` to the plan row only.

    A new price applies to new periods: subscriptions bill from their `plan_snapshot`, which the
    billing engine refreshes from the plan when their next period starts. Currency, interval,
    anchor day and billing timing are fixed once the plan has subscriptions (their periods are
    built on them); create a new plan and move subscriptions with a plan change instead.
    """
    authorize(actor, scope, Action.MANAGE_CATALOG)
    plan = get_plan(session, scope, plan_id)
    merged = merge(PlanInput, _plan_fields(plan), changes)
    values = _checked_plan(session, scope, merged, current=plan)
    changed = {name for name, value in values.items() if getattr(plan, name) != value}
    fixed = [name for name in TERMS_FIXED_BY_SUBSCRIPTIONS if name in changed]
    if fixed and PlanRepository(session, scope).has_subscriptions(plan_id):
        raise FieldErrors(
            {
                name: f"{label(name)} cannot change while plan '{plan.name}' has subscriptions; "
                "create a new plan and move them with a plan change."
                for name in fixed
            }
        )
    if changed & {"currency", "interval_unit"}:
        for addon in AddonRepository(session, scope).allowed_for_plan(plan_id):
            check_addon_fits(
                (plan.name, values["currency"], values["interval_unit"]),
                (addon.name, addon.currency, addon.interval_unit),
            )
    if "currency" in changed:
        for promotion in PromotionRepository(session, scope).naming_plan(plan_id):
            if promotion.benefit == PromotionBenefit.AMOUNT_OFF and promotion.currency != values["currency"]:
                raise FieldErrors(
                    {
                        "currency": f"Currency: promotion {promotion.code} takes an amount in "
                        f"{promotion.currency} off plan '{plan.name}'; remove the plan from it first."
                    }
                )
    return apply_changes(session, scope, actor, "plan", plan, values)


def deactivate_plan(session: Session, scope: TenantScope, plan_id: int, actor: Actor) -> Plan:
    """The plan can no longer be ordered (`plan.active` is False); its subscriptions keep running."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return set_active(session, scope, actor, "plan", get_plan(session, scope, plan_id), False)


def reactivate_plan(session: Session, scope: TenantScope, plan_id: int, actor: Actor) -> Plan:
    """The plan can be ordered again, provided its service type is active."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    plan = get_plan(session, scope, plan_id)
    if plan.service_type_id is not None and not plan.active:
        service_type = get_service_type(session, scope, plan.service_type_id)
        if not service_type.active:
            raise ValidationFailed(
                f"Service type '{service_type.name}' is inactive; reactivate it before plan '{plan.name}'."
            )
    return set_active(session, scope, actor, "plan", plan, True)


def delete_plan(session: Session, scope: TenantScope, plan_id: int, actor: Actor) -> None:
    """Delete a plan nobody ever subscribed to; a plan with subscriptions can only be deactivated."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    plan = get_plan(session, scope, plan_id)
    if PlanRepository(session, scope).has_subscriptions(plan_id):
        raise PlanInUse(f"Plan '{plan.name}' has subscriptions; deactivate it instead.")
    promotions = PromotionRepository(session, scope).naming_plan(plan_id)
    if promotions:
        codes = ", ".join(promotion.code for promotion in promotions)
        raise PlanInUse(
            f"Plan '{plan.name}' is an eligible plan of promotion {codes}; remove it there first "
            "or deactivate the plan instead."
        )
    before = _plan_fields(plan)
    links = PlanAddonRepository(session, scope)
    for link in links.for_plan(plan_id):
        links.delete(link)
    PlanRepository(session, scope).delete(plan)
    record_change(session, scope, actor, "plan.deleted", plan, before, None, object_id=plan_id)


def allow_addon(session: Session, scope: TenantScope, plan_id: int, addon_id: int, actor: Actor) -> PlanAddon:
    """Let customers add the addon to the plan: same currency, compatible interval, addon active."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    plan = get_plan(session, scope, plan_id)
    addon = get_addon(session, scope, addon_id)
    links = PlanAddonRepository(session, scope)
    existing = links.link(plan_id, addon_id)
    if existing is not None:
        return existing
    if not addon.active:
        raise ValidationFailed(
            f"Addon '{addon.name}' is inactive; reactivate it before allowing it on a plan."
        )
    check_addon_fits(
        (plan.name, plan.currency, plan.interval_unit), (addon.name, addon.currency, addon.interval_unit)
    )
    link = links.add(PlanAddon(plan_id=plan_id, addon_id=addon_id))
    audit.record(
        session,
        scope,
        actor,
        "plan.addon_allowed",
        object_type="plan",
        object_id=plan_id,
        before=None,
        after={"addon_id": addon_id, "addon_key": addon.key},
    )
    return link


def disallow_addon(session: Session, scope: TenantScope, plan_id: int, addon_id: int, actor: Actor) -> None:
    """New orders of the plan can no longer add the addon; subscriptions that have it keep it."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    get_plan(session, scope, plan_id)
    addon = get_addon(session, scope, addon_id)
    links = PlanAddonRepository(session, scope)
    link = links.link(plan_id, addon_id)
    if link is None:
        return
    links.delete(link)
    audit.record(
        session,
        scope,
        actor,
        "plan.addon_disallowed",
        object_type="plan",
        object_id=plan_id,
        before={"addon_id": addon_id, "addon_key": addon.key},
        after=None,
    )


def find_plan(session: Session, scope: TenantScope, plan_id: int) -> Plan | None:
    """The tenant's plan with this id, active or not (None for an id of another tenant)."""
    return PlanRepository(session, scope).get(plan_id)


def addon_ids_allowed_with(session: Session, scope: TenantScope, plan_id: int) -> set[int]:
    """The ids of the addons the plan allows (active or not): another addon cannot be attached to
    a subscription of the plan."""
    return {link.addon_id for link in PlanAddonRepository(session, scope).for_plan(plan_id)}


def get_plan(session: Session, scope: TenantScope, plan_id: int) -> Plan:
    plan = find_plan(session, scope, plan_id)
    if plan is None:
        raise NotFoundError(f"Plan {plan_id} not found.")
    return plan


def list_plans(session: Session, scope: TenantScope, *, active_only: bool = False) -> list[PlanView]:
    """All plans for the admin, or (`active_only`) what can be ordered: active plans of active types."""
    plans = PlanRepository(session, scope)
    rows = plans.orderable() if active_only else plans.in_catalog_order()
    addon_ids = PlanAddonRepository(session, scope).addon_ids_by_plan()
    counts = plans.subscription_counts()
    return [plan_view(plan, addon_ids.get(plan.id or 0, []), counts.get(plan.id or 0, 0)) for plan in rows]


def plan_details(session: Session, scope: TenantScope, plan_id: int) -> PlanView:
    plan = get_plan(session, scope, plan_id)
    addon_ids = [addon.id for addon in AddonRepository(session, scope).allowed_for_plan(plan_id) if addon.id]
    count = PlanRepository(session, scope).subscription_counts().get(plan_id, 0)
    return plan_view(plan, addon_ids, count)


def plan_view(plan: Plan, addon_ids: list[int], subscription_count: int) -> PlanView:
    assert plan.id is not None
    price = plan_price(plan)
    return PlanView(
        id=plan.id,
        key=plan.key,
        name=plan.name,
        description=plan.description,
        service_type_id=plan.service_type_id,
        currency=plan.currency,
        base_price=plan.base_price,
        margin_percent=plan.margin_percent,
        margin_fixed=plan.margin_fixed,
        price=price,
        price_display=price_display(price, plan.currency, plain(plan.interval_unit), plan.interval_count),
        tax_category=plain(plan.tax_category),
        interval_unit=plain(plan.interval_unit),
        interval_count=plan.interval_count,
        billing_anchor_day=plan.billing_anchor_day,
        billing_timing=plain(plan.billing_timing),
        trial_days=plan.trial_days,
        minimum_commitment_days=plan.minimum_commitment_days,
        notice_days=plan.notice_days,
        cancel_at_period_end=plan.cancel_at_period_end,
        included_credits=plan.included_credits,
        overage_price=plan.overage_price,
        rollover_cap=plan.rollover_cap,
        allowed_options=plan.allowed_options,
        highlights=plan.highlights,
        sort_order=plan.sort_order,
        active=plan.active,
        addon_ids=addon_ids,
        subscription_count=subscription_count,
    )


def _checked_plan(
    session: Session, scope: TenantScope, data: PlanInput, *, current: Plan | None
) -> dict[str, Any]:
    """The values to store, or `FieldErrors` with a message for every wrong field."""
    check = FieldCheck()
    key = check("key", checked_key, data.key)
    if key is not None:
        existing = PlanRepository(session, scope).by_key(key)
        if existing is not None and existing is not current:
            check.fail("key", f"Key: a plan with key '{key}' already exists.")
    name = check("name", checked_name, data.name)
    service_type = check("service_type_id", _plan_service_type, session, scope, data.service_type_id, current)
    currency = check("currency", checked_currency, session, scope, data.currency)
    limits: dict[str, dict[str, Any]] = {"margin_percent": {"places": 4, "maximum": Decimal(100_000)}}
    amounts = {
        field: check(field, checked_amount, field, getattr(data, field), **limits.get(field, {}))
        for field in (
            "base_price",
            "margin_percent",
            "margin_fixed",
            "included_credits",
            "overage_price",
            "rollover_cap",
        )
    }
    interval_count = check(
        "interval_count",
        checked_whole,
        "interval_count",
        data.interval_count,
        minimum=1,
        maximum=MAX_INTERVAL_COUNT,
    )
    anchor = data.billing_anchor_day
    if anchor is not None:
        if not 1 <= anchor <= 31:
            check.fail("billing_anchor_day", f"Billing anchor day must be between 1 and 31 (got {anchor}).")
        elif data.interval_unit not in CALENDAR_UNITS:
            check.fail(
                "billing_anchor_day",
                "Billing anchor day applies only to monthly or yearly plans; "
                f"leave it empty for a plan billed per {plain(data.interval_unit)}.",
            )
    days = {
        field: check(field, checked_whole, field, getattr(data, field), minimum=0, maximum=MAX_DAYS)
        for field in ("trial_days", "minimum_commitment_days", "notice_days")
    }
    if check.ok("base_price", "margin_percent", "margin_fixed", "included_credits", "overage_price"):
        period_price = sell_price(amounts["base_price"], amounts["margin_percent"], amounts["margin_fixed"])
        is_pure_usage = period_price == 0 and (
            amounts["included_credits"] > 0 or amounts["overage_price"] > 0
        )
        if is_pure_usage and data.trial_days > 0:
            check.fail(
                "trial_days",
                "Trial days: a pure usage plan (no price per period, only usage) cannot have a trial; "
                "set it to 0.",
            )
    if check.ok("service_type_id"):
        check("allowed_options", _check_allowed_options, data.allowed_options, service_type)
    highlights = [highlight.strip() for highlight in data.highlights]
    if any(not highlight for highlight in highlights):
        check.fail("highlights", "Highlights must not contain empty entries.")
    sort_order = check(
        "sort_order", checked_whole, "sort_order", data.sort_order, minimum=-MAX_LIMIT, maximum=MAX_LIMIT
    )
    check.done()
    return {
        "key": key,
        "name": name,
        "description": data.description,
        "service_type_id": data.service_type_id,
        "currency": currency,
        **amounts,
        "tax_category": data.tax_category,
        "interval_unit": data.interval_unit,
        "interval_count": interval_count,
        "billing_anchor_day": anchor,
        "billing_timing": data.billing_timing,
        **days,
        "cancel_at_period_end": data.cancel_at_period_end,
        "allowed_options": data.allowed_options,
        "highlights": highlights,
        "sort_order": sort_order,
    }


def _plan_service_type(
    session: Session, scope: TenantScope, service_type_id: int | None, current: Plan | None
) -> ServiceType | None:
    if service_type_id is None:
        return None
    service_type = ServiceTypeRepository(session, scope).get(service_type_id)
    if service_type is None:
        raise ValidationFailed(f"Service type: there is no service type {service_type_id} in this tenant.")
    unchanged = current is not None and current.service_type_id == service_type_id
    if not service_type.active and not unchanged:
        raise ValidationFailed(
            f"Service type: '{service_type.name}' is inactive; reactivate it or choose another one."
        )
    return service_type


def _check_allowed_options(options: dict[str, Any], service_type: ServiceType | None) -> None:
    for option, choices in options.items():
        if not isinstance(choices, list) or not all(isinstance(choice, str) for choice in choices):
            raise ValidationFailed(
                f"Allowed options: '{option}' must list its choices as text, e.g. {{'location': ['fsn1']}}."
            )
    known = (service_type.config_schema.get("properties") or {}) if service_type else {}
    unknown = sorted(set(options) - set(known)) if known else []
    if unknown:
        assert service_type is not None
        raise ValidationFailed(
            f"Allowed options: '{unknown[0]}' is not an option of service type '{service_type.name}' "
            f"(known: {', '.join(sorted(known))})."
        )


def _plan_fields(plan: Plan) -> dict[str, Any]:
    return {name: getattr(plan, name) for name in (*PlanInput.model_fields, "active")}


def list_addons_for_plan(
    session: Session, scope: TenantScope, plan_id: int, *, active_only: bool = True
) -> list[AddonView]:
    """The addons a plan allows (by default only those that can be ordered now)."""
    get_plan(session, scope, plan_id)
    rows = AddonRepository(session, scope).allowed_for_plan(plan_id, active_only=active_only)
    return [addon_view(addon) for addon in rows]


def find_plans(session: Session, scope: TenantScope, actor: Actor, query: CatalogQuery) -> list[PlanView]:
    """The admin's list, active and inactive, in catalog order, narrowed by `query`."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return [
        view
        for view in list_plans(session, scope)
        if matches(query, view.active, view.key, view.name, view.description)
        and (query.service_type_id is None or view.service_type_id == query.service_type_id)
    ]
