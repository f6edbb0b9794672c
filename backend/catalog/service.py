"""The catalog a tenant sells from: service types, plans, addons and promotions (SPEC §3).

Every change checks all of its input before touching a row: bad input raises `ValidationFailed`
naming the field and changes nothing. Every change writes an audit entry with before/after in the
caller's unit of work; nothing here commits.

Deactivating hides an object from new orders and never touches existing subscriptions. A plan
that has subscriptions cannot be deleted, only deactivated.

Price changes apply to new periods: a plan's price lives only on the plan row. A subscription bills
each period from its `plan_snapshot` (`backend.catalog.terms.PlanTerms`), which the billing
engine refreshes from the plan when a new period starts, so a running period keeps its price.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as InputError
from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.catalog.pricing import plan_price, price_display, sell_price
from backend.catalog.repository import (
    AddonRepository,
    PlanAddonRepository,
    PlanRepository,
    PromotionRepository,
    ServiceTypeRepository,
)
from backend.catalog.schemas import (
    AddonInput,
    AddonUpdate,
    AddonView,
    PlanInput,
    PlanUpdate,
    PlanView,
    PromotionInput,
    PromotionUpdate,
    PromotionView,
    ServiceTypeInput,
    ServiceTypeUpdate,
    ServiceTypeView,
)
from backend.kit.errors import DomainError, NotFoundError, ValidationFailed
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import (
    Addon,
    IntervalUnit,
    Plan,
    PlanAddon,
    Promotion,
    PromotionBenefit,
    ServiceType,
)
from backend.money import Money, MoneyError, check_currency

_KEY = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$")
_CODE = re.compile(r"^[A-Z0-9](?:[A-Z0-9_-]{0,62}[A-Z0-9])?$")
CALENDAR_UNITS = frozenset({IntervalUnit.MONTH, IntervalUnit.YEAR})
MAX_NAME_LENGTH = 200
# Amounts are stored as integer micros in a BIGINT (about ±9.2 × 10^12 major units).
MAX_AMOUNT = Decimal(10) ** 12
MAX_DAYS = 36_600  # a hundred years: anything longer is a typo
MAX_INTERVAL_COUNT = 10_000
MAX_LIMIT = 2**31 - 1
# Terms a running subscription is billed by; changing them under it would break its periods.
TERMS_FIXED_BY_SUBSCRIPTIONS = (
    "currency",
    "interval_unit",
    "interval_count",
    "billing_anchor_day",
    "billing_timing",
)
_LABELS = {
    "margin_percent": "Margin (percent)",
    "margin_fixed": "Fixed margin",
    "eligible_plan_ids": "Eligible plans",
    "max_redemptions": "Maximum redemptions",
    "max_per_customer": "Maximum redemptions per customer",
    "service_type_id": "Service type",
}

InputModel = TypeVar("InputModel", bound=BaseModel)


class PlanInUse(DomainError):
    """The plan is still referenced (by subscriptions or promotions) and cannot be deleted."""


def parse_input(model: type[InputModel], raw: Mapping[str, Any]) -> InputModel:
    """An input built from form or API data; wrong types become `ValidationFailed` naming the field."""
    try:
        return model.model_validate(dict(raw))
    except InputError as exc:
        raise _type_errors(exc) from None


# ---------------------------------------------------------------------------------------------
# Service types


def create_service_type(
    session: Session, scope: TenantScope, data: ServiceTypeInput, actor: Actor
) -> ServiceType:
    """A new service type; its key is unique in the tenant."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    values = _checked_service_type(session, scope, data, current=None)
    service_type = ServiceTypeRepository(session, scope).add(ServiceType(**values))
    _record(
        session, scope, actor, "service_type.created", service_type, None, _service_type_fields(service_type)
    )
    return service_type


def update_service_type(
    session: Session, scope: TenantScope, service_type_id: int, changes: ServiceTypeUpdate, actor: Actor
) -> ServiceType:
    """Apply the fields set in `changes`; plans keep pointing at the service type."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    service_type = get_service_type(session, scope, service_type_id)
    merged = _merge(ServiceTypeInput, _service_type_fields(service_type), changes)
    values = _checked_service_type(session, scope, merged, current=service_type)
    return _apply(session, scope, actor, "service_type", service_type, values)


def deactivate_service_type(
    session: Session, scope: TenantScope, service_type_id: int, actor: Actor
) -> ServiceType:
    """Its plans can no longer be ordered; existing subscriptions keep running."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return _set_active(
        session, scope, actor, "service_type", get_service_type(session, scope, service_type_id), False
    )


def reactivate_service_type(
    session: Session, scope: TenantScope, service_type_id: int, actor: Actor
) -> ServiceType:
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return _set_active(
        session, scope, actor, "service_type", get_service_type(session, scope, service_type_id), True
    )


def get_service_type(session: Session, scope: TenantScope, service_type_id: int) -> ServiceType:
    service_type = ServiceTypeRepository(session, scope).get(service_type_id)
    if service_type is None:
        raise NotFoundError(f"Service type {service_type_id} not found.")
    return service_type


def list_service_types(
    session: Session, scope: TenantScope, *, active_only: bool = False
) -> list[ServiceTypeView]:
    rows = ServiceTypeRepository(session, scope).in_catalog_order(active_only=active_only)
    return [service_type_view(row) for row in rows]


def service_type_view(service_type: ServiceType) -> ServiceTypeView:
    assert service_type.id is not None
    return ServiceTypeView(
        id=service_type.id,
        key=service_type.key,
        name=service_type.name,
        provider=_plain(service_type.provider),
        active=service_type.active,
    )


def _checked_service_type(
    session: Session, scope: TenantScope, data: ServiceTypeInput, *, current: ServiceType | None
) -> dict[str, Any]:
    key = _key(data.key)
    existing = ServiceTypeRepository(session, scope).by_key(key)
    if existing is not None and existing is not current:
        raise ValidationFailed(f"Key: a service type with key '{key}' already exists.")
    if data.config_schema and data.config_schema.get("type", "object") != "object":
        raise ValidationFailed("Config schema must be a JSON schema of type 'object' (or empty).")
    return {
        "key": key,
        "name": _name(data.name),
        "provider": data.provider,
        "provider_defaults": data.provider_defaults,
        "config_schema": data.config_schema,
        "cloud_init_template": data.cloud_init_template,
    }


def _service_type_fields(service_type: ServiceType) -> dict[str, Any]:
    # The encrypted provider secrets never go into the audit log.
    return {name: getattr(service_type, name) for name in (*ServiceTypeInput.model_fields, "active")}


# ---------------------------------------------------------------------------------------------
# Plans


def create_plan(session: Session, scope: TenantScope, data: PlanInput, actor: Actor) -> Plan:
    """A new plan after checking every rule (prices, currency, interval, anchor, trial, key, type)."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    values = _checked_plan(session, scope, data, current=None)
    plan = PlanRepository(session, scope).add(Plan(**values))
    _record(session, scope, actor, "plan.created", plan, None, _plan_fields(plan))
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
    merged = _merge(PlanInput, _plan_fields(plan), changes)
    values = _checked_plan(session, scope, merged, current=plan)
    changed = {name for name, value in values.items() if getattr(plan, name) != value}
    fixed = [name for name in TERMS_FIXED_BY_SUBSCRIPTIONS if name in changed]
    if fixed and PlanRepository(session, scope).has_subscriptions(plan_id):
        raise ValidationFailed(
            f"{_label(fixed[0])} cannot change while plan '{plan.name}' has subscriptions; "
            "create a new plan and move them with a plan change."
        )
    if changed & {"currency", "interval_unit"}:
        for addon in AddonRepository(session, scope).allowed_for_plan(plan_id):
            _check_addon_fits(
                (plan.name, values["currency"], values["interval_unit"]),
                (addon.name, addon.currency, addon.interval_unit),
            )
    if "currency" in changed:
        for promotion in PromotionRepository(session, scope).naming_plan(plan_id):
            if promotion.benefit == PromotionBenefit.AMOUNT_OFF and promotion.currency != values["currency"]:
                raise ValidationFailed(
                    f"Currency: promotion {promotion.code} takes an amount in {promotion.currency} off "
                    f"plan '{plan.name}'; remove the plan from it first."
                )
    return _apply(session, scope, actor, "plan", plan, values)


def deactivate_plan(session: Session, scope: TenantScope, plan_id: int, actor: Actor) -> Plan:
    """The plan can no longer be ordered (`plan.active` is False); its subscriptions keep running."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return _set_active(session, scope, actor, "plan", get_plan(session, scope, plan_id), False)


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
    return _set_active(session, scope, actor, "plan", plan, True)


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
    _record(session, scope, actor, "plan.deleted", plan, before, None, object_id=plan_id)


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
    _check_addon_fits(
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


def get_plan(session: Session, scope: TenantScope, plan_id: int) -> Plan:
    plan = PlanRepository(session, scope).get(plan_id)
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
        price_display=price_display(price, plan.currency, _plain(plan.interval_unit), plan.interval_count),
        tax_category=_plain(plan.tax_category),
        interval_unit=_plain(plan.interval_unit),
        interval_count=plan.interval_count,
        billing_anchor_day=plan.billing_anchor_day,
        billing_timing=_plain(plan.billing_timing),
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
    key = _key(data.key)
    existing = PlanRepository(session, scope).by_key(key)
    if existing is not None and existing is not current:
        raise ValidationFailed(f"Key: a plan with key '{key}' already exists.")
    name = _name(data.name)
    service_type = _plan_service_type(session, scope, data.service_type_id, current)
    currency = _currency(session, scope, data.currency)
    amounts = {
        "base_price": _amount("base_price", data.base_price),
        "margin_percent": _amount("margin_percent", data.margin_percent, places=4, maximum=Decimal(100_000)),
        "margin_fixed": _amount("margin_fixed", data.margin_fixed),
        "included_credits": _amount("included_credits", data.included_credits),
        "overage_price": _amount("overage_price", data.overage_price),
        "rollover_cap": _amount("rollover_cap", data.rollover_cap),
    }
    interval_count = _whole("interval_count", data.interval_count, minimum=1, maximum=MAX_INTERVAL_COUNT)
    anchor = data.billing_anchor_day
    if anchor is not None:
        if not 1 <= anchor <= 31:
            raise ValidationFailed(f"Billing anchor day must be between 1 and 31 (got {anchor}).")
        if data.interval_unit not in CALENDAR_UNITS:
            raise ValidationFailed(
                "Billing anchor day applies only to monthly or yearly plans; "
                f"leave it empty for a plan billed per {_plain(data.interval_unit)}."
            )
    days = {
        name: _whole(name, getattr(data, name), minimum=0, maximum=MAX_DAYS)
        for name in ("trial_days", "minimum_commitment_days", "notice_days")
    }
    period_price = sell_price(amounts["base_price"], amounts["margin_percent"], amounts["margin_fixed"])
    is_pure_usage = period_price == 0 and (amounts["included_credits"] > 0 or amounts["overage_price"] > 0)
    if is_pure_usage and days["trial_days"] > 0:
        raise ValidationFailed(
            "Trial days: a pure usage plan (no price per period, only usage) cannot have a trial; "
            "set it to 0."
        )
    _check_allowed_options(data.allowed_options, service_type)
    highlights = [highlight.strip() for highlight in data.highlights]
    if any(not highlight for highlight in highlights):
        raise ValidationFailed("Highlights must not contain empty entries.")
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
        "sort_order": _whole("sort_order", data.sort_order, minimum=-MAX_LIMIT, maximum=MAX_LIMIT),
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


# ---------------------------------------------------------------------------------------------
# Addons


def create_addon(session: Session, scope: TenantScope, data: AddonInput, actor: Actor) -> Addon:
    """A new addon; plans offer it once allowed with `allow_addon`."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    values = _checked_addon(session, scope, data, current=None)
    addon = AddonRepository(session, scope).add(Addon(**values))
    _record(session, scope, actor, "addon.created", addon, None, _addon_fields(addon))
    return addon


def update_addon(
    session: Session, scope: TenantScope, addon_id: int, changes: AddonUpdate, actor: Actor
) -> Addon:
    """Apply the fields set in `changes`; currency and interval must still fit every plan allowing it."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    addon = get_addon(session, scope, addon_id)
    merged = _merge(AddonInput, _addon_fields(addon), changes)
    values = _checked_addon(session, scope, merged, current=addon)
    if values["currency"] != addon.currency or values["interval_unit"] != addon.interval_unit:
        for plan in PlanRepository(session, scope).allowing_addon(addon_id):
            _check_addon_fits(
                (plan.name, plan.currency, plan.interval_unit),
                (values["name"], values["currency"], values["interval_unit"]),
            )
    return _apply(session, scope, actor, "addon", addon, values)


def deactivate_addon(session: Session, scope: TenantScope, addon_id: int, actor: Actor) -> Addon:
    """New orders can no longer add it; subscriptions that have it keep it."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return _set_active(session, scope, actor, "addon", get_addon(session, scope, addon_id), False)


def reactivate_addon(session: Session, scope: TenantScope, addon_id: int, actor: Actor) -> Addon:
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return _set_active(session, scope, actor, "addon", get_addon(session, scope, addon_id), True)


def get_addon(session: Session, scope: TenantScope, addon_id: int) -> Addon:
    addon = AddonRepository(session, scope).get(addon_id)
    if addon is None:
        raise NotFoundError(f"Addon {addon_id} not found.")
    return addon


def list_addons(session: Session, scope: TenantScope, *, active_only: bool = False) -> list[AddonView]:
    return [
        addon_view(addon)
        for addon in AddonRepository(session, scope).in_catalog_order(active_only=active_only)
    ]


def list_addons_for_plan(
    session: Session, scope: TenantScope, plan_id: int, *, active_only: bool = True
) -> list[AddonView]:
    """The addons a plan allows (by default only those that can be ordered now)."""
    get_plan(session, scope, plan_id)
    rows = AddonRepository(session, scope).allowed_for_plan(plan_id, active_only=active_only)
    return [addon_view(addon) for addon in rows]


def addon_view(addon: Addon) -> AddonView:
    assert addon.id is not None
    return AddonView(
        id=addon.id,
        key=addon.key,
        name=addon.name,
        description=addon.description,
        currency=addon.currency,
        price=addon.price,
        price_display=price_display(
            addon.price, addon.currency, _plain(addon.interval_unit), addon.interval_count
        ),
        tax_category=_plain(addon.tax_category),
        interval_unit=_plain(addon.interval_unit),
        interval_count=addon.interval_count,
        active=addon.active,
    )


def _checked_addon(
    session: Session, scope: TenantScope, data: AddonInput, *, current: Addon | None
) -> dict[str, Any]:
    key = _key(data.key)
    existing = AddonRepository(session, scope).by_key(key)
    if existing is not None and existing is not current:
        raise ValidationFailed(f"Key: an addon with key '{key}' already exists.")
    return {
        "key": key,
        "name": _name(data.name),
        "description": data.description,
        "currency": _currency(session, scope, data.currency),
        "price": _amount("price", data.price),
        "tax_category": data.tax_category,
        "interval_unit": data.interval_unit,
        "interval_count": _whole(
            "interval_count", data.interval_count, minimum=1, maximum=MAX_INTERVAL_COUNT
        ),
    }


_Terms = tuple[str, str, IntervalUnit]  # name, currency, interval unit


def _check_addon_fits(plan: _Terms, addon: _Terms) -> None:
    """An addon is billed alongside its plan: same currency, and periods of the same kind."""
    (plan_name, plan_currency, plan_unit), (addon_name, addon_currency, addon_unit) = plan, addon
    if addon_currency != plan_currency:
        raise ValidationFailed(
            f"Currency: addon '{addon_name}' is priced in {addon_currency} but plan '{plan_name}' "
            f"in {plan_currency}; an addon must use its plan's currency."
        )
    if (addon_unit in CALENDAR_UNITS) != (plan_unit in CALENDAR_UNITS):
        raise ValidationFailed(
            f"Interval: addon '{addon_name}' is billed per {_plain(addon_unit)} but plan "
            f"'{plan_name}' per {_plain(plan_unit)}; both must be calendar-based (month, year) "
            "or both fixed-length (hour, day, week)."
        )


def _addon_fields(addon: Addon) -> dict[str, Any]:
    return {name: getattr(addon, name) for name in (*AddonInput.model_fields, "active")}


# ---------------------------------------------------------------------------------------------
# Promotions


def create_promotion(session: Session, scope: TenantScope, data: PromotionInput, actor: Actor) -> Promotion:
    """A new promotion; its code is stored in upper case and is unique in the tenant."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    values = _checked_promotion(session, scope, data, current=None)
    promotion = PromotionRepository(session, scope).add(Promotion(**values))
    _record(session, scope, actor, "promotion.created", promotion, None, _promotion_fields(promotion))
    return promotion


def update_promotion(
    session: Session, scope: TenantScope, promotion_id: int, changes: PromotionUpdate, actor: Actor
) -> Promotion:
    """Apply the fields set in `changes`; redemptions already made keep their benefit."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    promotion = get_promotion(session, scope, promotion_id)
    merged = _merge(PromotionInput, _promotion_fields(promotion), changes)
    values = _checked_promotion(session, scope, merged, current=promotion)
    return _apply(session, scope, actor, "promotion", promotion, values)


def deactivate_promotion(session: Session, scope: TenantScope, promotion_id: int, actor: Actor) -> Promotion:
    """The code can no longer be redeemed; benefits already granted stay."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return _set_active(session, scope, actor, "promotion", get_promotion(session, scope, promotion_id), False)


def reactivate_promotion(session: Session, scope: TenantScope, promotion_id: int, actor: Actor) -> Promotion:
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return _set_active(session, scope, actor, "promotion", get_promotion(session, scope, promotion_id), True)


def get_promotion(session: Session, scope: TenantScope, promotion_id: int) -> Promotion:
    promotion = PromotionRepository(session, scope).get(promotion_id)
    if promotion is None:
        raise NotFoundError(f"Promotion {promotion_id} not found.")
    return promotion


def find_promotion(session: Session, scope: TenantScope, code: str) -> Promotion | None:
    """The promotion a customer typed, whatever the case and surrounding spaces."""
    return PromotionRepository(session, scope).by_code(normalize_code(code))


def normalize_code(code: str) -> str:
    return code.strip().upper()


def list_promotions(
    session: Session, scope: TenantScope, *, active_only: bool = False
) -> list[PromotionView]:
    rows = PromotionRepository(session, scope).in_catalog_order(active_only=active_only)
    return [promotion_view(promotion) for promotion in rows]


def promotion_view(promotion: Promotion) -> PromotionView:
    assert promotion.id is not None
    return PromotionView(
        id=promotion.id,
        code=promotion.code,
        description=promotion.description,
        benefit=_plain(promotion.benefit),
        benefit_display=_describe_benefit(promotion),
        valid_from=promotion.valid_from,
        valid_until=promotion.valid_until,
        max_redemptions=promotion.max_redemptions,
        max_per_customer=promotion.max_per_customer,
        eligibility=_plain(promotion.eligibility),
        eligible_plan_ids=list(promotion.eligible_plan_ids),
        active=promotion.active,
    )


def _describe_benefit(promotion: Promotion) -> str:
    if promotion.benefit == PromotionBenefit.PERCENT_OFF:
        return f"{promotion.percent_off.normalize():f} % off"
    if promotion.benefit == PromotionBenefit.AMOUNT_OFF:
        return f"{_display_amount(promotion.amount_off, promotion.currency)} off"
    if promotion.benefit == PromotionBenefit.FREE_DAYS:
        return f"{promotion.free_days} free day{'s' if promotion.free_days != 1 else ''}"
    return f"{promotion.free_periods} free period{'s' if promotion.free_periods != 1 else ''}"


def _checked_promotion(
    session: Session, scope: TenantScope, data: PromotionInput, *, current: Promotion | None
) -> dict[str, Any]:
    code = normalize_code(data.code)
    if not _CODE.match(code):
        raise ValidationFailed(
            "Code must be 1-64 letters, digits, dashes or underscores, starting and ending with a letter "
            f"or digit, e.g. 'WELCOME10' (got {data.code!r})."
        )
    existing = PromotionRepository(session, scope).by_code(code)
    if existing is not None and existing is not current:
        raise ValidationFailed(f"Code: a promotion with code '{code}' already exists.")
    if data.valid_from and data.valid_until and data.valid_until <= data.valid_from:
        raise ValidationFailed("Valid until must be after valid from.")
    for name in ("max_redemptions", "max_per_customer"):
        if getattr(data, name) is not None:
            _whole(name, getattr(data, name), minimum=1, maximum=MAX_LIMIT)
    currency = _currency(session, scope, data.currency)
    benefit = _checked_benefit(data)
    plan_ids = sorted(set(data.eligible_plan_ids))
    plans = PlanRepository(session, scope).by_ids(set(plan_ids))
    missing = [plan_id for plan_id in plan_ids if plan_id not in plans]
    if missing:
        raise ValidationFailed(f"Eligible plans: there is no plan {missing[0]} in this tenant.")
    if data.benefit == PromotionBenefit.AMOUNT_OFF:
        for plan in plans.values():
            if plan.currency != currency:
                raise ValidationFailed(
                    f"Currency: the amount off is in {currency} but eligible plan '{plan.name}' is billed "
                    f"in {plan.currency}."
                )
    return {
        "code": code,
        "description": data.description,
        "valid_from": data.valid_from,
        "valid_until": data.valid_until,
        "max_redemptions": data.max_redemptions,
        "max_per_customer": data.max_per_customer,
        "eligibility": data.eligibility,
        "eligible_plan_ids": plan_ids,
        "benefit": data.benefit,
        "currency": currency,
        **benefit,
    }


def _checked_benefit(data: PromotionInput) -> dict[str, Any]:
    """The benefit's own field must be set; the fields of the other benefits must stay 0."""
    benefit = data.benefit
    if benefit == PromotionBenefit.PERCENT_OFF and not 1 <= data.percent_off <= 100:
        raise ValidationFailed(
            f"Percent off must be between 1 and 100 for a percent_off promotion (got {data.percent_off})."
        )
    if benefit == PromotionBenefit.AMOUNT_OFF and not data.amount_off > 0:
        raise ValidationFailed(
            f"Amount off must be greater than 0 for an amount_off promotion (got {data.amount_off})."
        )
    if benefit == PromotionBenefit.FREE_DAYS and data.free_days < 1:
        raise ValidationFailed(
            f"Free days must be at least 1 for a free_days promotion (got {data.free_days})."
        )
    if benefit == PromotionBenefit.FREE_PERIODS and data.free_periods < 1:
        raise ValidationFailed(
            f"Free periods must be at least 1 for a free_periods promotion (got {data.free_periods})."
        )
    own = {
        PromotionBenefit.AMOUNT_OFF: "amount_off",
        PromotionBenefit.PERCENT_OFF: "percent_off",
        PromotionBenefit.FREE_DAYS: "free_days",
        PromotionBenefit.FREE_PERIODS: "free_periods",
    }
    for other_benefit, name in own.items():
        if other_benefit != benefit and getattr(data, name) != 0:
            raise ValidationFailed(
                f"{_label(name)} applies only to {other_benefit.value} promotions; leave it at 0 "
                f"for a {benefit.value} promotion."
            )
    return {
        "amount_off": _amount("amount_off", data.amount_off),
        "percent_off": _amount("percent_off", data.percent_off, places=4, maximum=Decimal(101)),
        "free_days": _whole("free_days", data.free_days, minimum=0, maximum=MAX_DAYS),
        "free_periods": _whole("free_periods", data.free_periods, minimum=0, maximum=MAX_INTERVAL_COUNT),
    }


def _promotion_fields(promotion: Promotion) -> dict[str, Any]:
    return {name: getattr(promotion, name) for name in (*PromotionInput.model_fields, "active")}


# ---------------------------------------------------------------------------------------------
# Shared rules


def _key(value: str) -> str:
    key = value.strip().lower()
    if not _KEY.match(key):
        raise ValidationFailed(
            "Key must be 1-64 lowercase letters, digits, dashes or underscores, starting and ending "
            f"with a letter or digit, e.g. 'cloud-cx22' (got {value!r})."
        )
    return key


def _name(value: str) -> str:
    name = value.strip()
    if not name:
        raise ValidationFailed("Name must not be empty.")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"Name must be at most {MAX_NAME_LENGTH} characters (got {len(name)}).")
    return name


def _currency(session: Session, scope: TenantScope, value: str | None) -> str:
    """The given ISO 4217 code (any case), or the tenant's default currency when none is given."""
    if value is None:
        tenant = TenantDirectory(session).by_id(scope.tenant_id)
        return tenant.default_currency if tenant else "EUR"
    try:
        return check_currency(value.strip().upper())
    except MoneyError as exc:
        raise ValidationFailed(f"Currency: {exc}") from None


def _amount(field: str, value: Decimal, *, places: int = 6, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    label = _label(field)
    if value < 0:
        raise ValidationFailed(f"{label} must not be negative (got {value}).")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise ValidationFailed(f"{label} may have at most {places} decimal places (got {value}).")
    if value >= maximum:
        raise ValidationFailed(f"{label} must be less than {maximum:,}.")
    return value


def _whole(field: str, value: int, *, minimum: int, maximum: int) -> int:
    label = _label(field)
    if value < minimum:
        rule = "must not be negative" if minimum == 0 else f"must be at least {minimum}"
        raise ValidationFailed(f"{label} {rule} (got {value}).")
    if value > maximum:
        raise ValidationFailed(f"{label} must be at most {maximum:,} (got {value}).")
    return value


def _label(field: str) -> str:
    return _LABELS.get(field, field.replace("_", " ").capitalize())


def _type_errors(exc: InputError) -> ValidationFailed:
    messages = []
    for error in exc.errors():
        location = error.get("loc") or ()
        label = _label(str(location[0])) if location else "Input"
        messages.append(f"{label}: {error['msg'].removeprefix('Value error, ')}.")
    return ValidationFailed(" ".join(messages))


def _merge(model: type[InputModel], current: dict[str, Any], changes: BaseModel) -> InputModel:
    """The full input an update amounts to: the row's values overlaid with the fields that were set."""
    values = {name: value for name, value in current.items() if name in model.model_fields}
    values.update(changes.model_dump(exclude_unset=True))
    return parse_input(model, values)


def _apply(
    session: Session, scope: TenantScope, actor: Actor, object_type: str, row: Any, values: dict[str, Any]
) -> Any:
    """Write the values that differ from the row, with one audit entry of exactly those fields."""
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    if not changed:
        return row
    before = {name: getattr(row, name) for name in changed}
    for name, value in changed.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    _record(session, scope, actor, f"{object_type}.updated", row, before, changed)
    return row


def _set_active(
    session: Session, scope: TenantScope, actor: Actor, object_type: str, row: Any, active: bool
) -> Any:
    if row.active == active:
        return row
    row.active = active
    session.add(row)
    session.flush()
    action = "reactivated" if active else "deactivated"
    _record(session, scope, actor, f"{object_type}.{action}", row, {"active": not active}, {"active": active})
    return row


_OBJECT_TYPES = {ServiceType: "service_type", Plan: "plan", Addon: "addon", Promotion: "promotion"}


def _record(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    action: str,
    row: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    object_id: int | None = None,
) -> None:
    audit.record(
        session,
        scope,
        actor,
        action,
        object_type=_OBJECT_TYPES[type(row)],
        object_id=object_id if object_id is not None else row.id,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _json_value(value) for name, value in values.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _plain(value: Enum | str) -> str:
    return value.value if isinstance(value, Enum) else value


def _display_amount(amount: Decimal, currency: str) -> str:
    """`5.39 EUR`; an amount finer than the minor unit (hourly prices) is shown in full, not rounded."""
    rounded = Money.of(amount, currency).round_to_minor()
    if rounded.amount == amount:
        return rounded.format()
    return f"{amount.normalize():f} {currency}"
