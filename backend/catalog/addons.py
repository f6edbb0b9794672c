"""Addons: extras a customer adds to a subscription (backups, an extra IPv4, ...).

An addon is billed alongside its plan, so it must use the plan's currency and periods of the same
kind (`check_addon_fits`). Plans offer it once allowed (`backend.catalog.plans.allow_addon`).
Deactivating an addon stops new orders from adding it; subscriptions that have it keep it.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.audit.service import Actor
from backend.catalog.changes import apply_changes, record_change, set_active
from backend.catalog.pricing import price_display
from backend.catalog.repository import AddonRepository, PlanRepository
from backend.catalog.schemas import AddonInput, AddonUpdate, AddonView, CatalogQuery
from backend.catalog.validation import (
    CALENDAR_UNITS,
    MAX_INTERVAL_COUNT,
    FieldCheck,
    checked_amount,
    checked_currency,
    checked_key,
    checked_name,
    checked_whole,
    matches,
    merge,
    plain,
)
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import Addon, IntervalUnit

Terms = tuple[str, str, IntervalUnit]  # name, currency, interval unit


def create_addon(session: Session, scope: TenantScope, data: AddonInput, actor: Actor) -> Addon:
    """A new addon; plans offer it once allowed with `allow_addon`."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    values = _checked_addon(session, scope, data, current=None)
    addon = AddonRepository(session, scope).add(Addon(**values))
    record_change(session, scope, actor, "addon.created", addon, None, _addon_fields(addon))
    return addon


def update_addon(
    session: Session, scope: TenantScope, addon_id: int, changes: AddonUpdate, actor: Actor
) -> Addon:
    """Apply the fields set in `changes`; currency and interval must still fit every plan allowing it."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    addon = get_addon(session, scope, addon_id)
    merged = merge(AddonInput, _addon_fields(addon), changes)
    values = _checked_addon(session, scope, merged, current=addon)
    if values["currency"] != addon.currency or values["interval_unit"] != addon.interval_unit:
        for plan in PlanRepository(session, scope).allowing_addon(addon_id):
            check_addon_fits(
                (plan.name, plan.currency, plan.interval_unit),
                (values["name"], values["currency"], values["interval_unit"]),
            )
    return apply_changes(session, scope, actor, "addon", addon, values)


def deactivate_addon(session: Session, scope: TenantScope, addon_id: int, actor: Actor) -> Addon:
    """New orders can no longer add it; subscriptions that have it keep it."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return set_active(session, scope, actor, "addon", get_addon(session, scope, addon_id), False)


def reactivate_addon(session: Session, scope: TenantScope, addon_id: int, actor: Actor) -> Addon:
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return set_active(session, scope, actor, "addon", get_addon(session, scope, addon_id), True)


def find_addon(session: Session, scope: TenantScope, addon_id: int) -> Addon | None:
    """The tenant's addon with this id, active or not (None for an id of another tenant)."""
    return AddonRepository(session, scope).get(addon_id)


def get_addon(session: Session, scope: TenantScope, addon_id: int) -> Addon:
    addon = find_addon(session, scope, addon_id)
    if addon is None:
        raise NotFoundError(f"Addon {addon_id} not found.")
    return addon


def list_addons(session: Session, scope: TenantScope, *, active_only: bool = False) -> list[AddonView]:
    return [
        addon_view(addon)
        for addon in AddonRepository(session, scope).in_catalog_order(active_only=active_only)
    ]


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
            addon.price, addon.currency, plain(addon.interval_unit), addon.interval_count
        ),
        tax_category=plain(addon.tax_category),
        interval_unit=plain(addon.interval_unit),
        interval_count=addon.interval_count,
        active=addon.active,
    )


def check_addon_fits(plan: Terms, addon: Terms) -> None:
    """An addon is billed alongside its plan: same currency, and periods of the same kind."""
    (plan_name, plan_currency, plan_unit), (addon_name, addon_currency, addon_unit) = plan, addon
    if addon_currency != plan_currency:
        raise FieldErrors(
            {
                "currency": f"Currency: addon '{addon_name}' is priced in {addon_currency} but plan "
                f"'{plan_name}' in {plan_currency}; an addon must use its plan's currency."
            }
        )
    if (addon_unit in CALENDAR_UNITS) != (plan_unit in CALENDAR_UNITS):
        raise FieldErrors(
            {
                "interval_unit": f"Interval: addon '{addon_name}' is billed per {plain(addon_unit)} but "
                f"plan '{plan_name}' per {plain(plan_unit)}; both must be calendar-based (month, year) "
                "or both fixed-length (hour, day, week)."
            }
        )


def _checked_addon(
    session: Session, scope: TenantScope, data: AddonInput, *, current: Addon | None
) -> dict[str, Any]:
    """The values to store, or `FieldErrors` with a message for every wrong field."""
    check = FieldCheck()
    key = check("key", checked_key, data.key)
    if key is not None:
        existing = AddonRepository(session, scope).by_key(key)
        if existing is not None and existing is not current:
            check.fail("key", f"Key: an addon with key '{key}' already exists.")
    values = {
        "key": key,
        "name": check("name", checked_name, data.name),
        "description": data.description,
        "currency": check("currency", checked_currency, session, scope, data.currency),
        "price": check("price", checked_amount, "price", data.price),
        "tax_category": data.tax_category,
        "interval_unit": data.interval_unit,
        "interval_count": check(
            "interval_count",
            checked_whole,
            "interval_count",
            data.interval_count,
            minimum=1,
            maximum=MAX_INTERVAL_COUNT,
        ),
    }
    check.done()
    return values


def _addon_fields(addon: Addon) -> dict[str, Any]:
    return {name: getattr(addon, name) for name in (*AddonInput.model_fields, "active")}


def find_addons(session: Session, scope: TenantScope, actor: Actor, query: CatalogQuery) -> list[AddonView]:
    """The admin's list, active and inactive, in catalog order, narrowed by `query`."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return [
        view
        for view in list_addons(session, scope)
        if matches(query, view.active, view.key, view.name, view.description)
    ]
