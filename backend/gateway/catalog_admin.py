"""The admin catalog pages: service types, plans, addons and promotions, listed a page at a time,
created and edited through forms, deactivated and reactivated, and a promotion's redemptions.

Forms send text (`values`: field name -> what was typed); an empty field means the field's default
(none for a key, name or code). The catalog services check every rule and raise `FieldErrors`
with one message per wrong field, which the page shows under each field; nothing is saved then.
Every call is for an admin: the services (or, for the edit form's values, this module) ask the
policy, so a customer calling a handler directly is refused (`PermissionDenied`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from backend.catalog import addons, plans, promotion_codes, redemptions, service_types
from backend.catalog.schemas import (
    AddonInput,
    AddonUpdate,
    CatalogQuery,
    PlanInput,
    PlanUpdate,
    PlanView,
    PromotionInput,
    PromotionUpdate,
    PromotionView,
    ServiceTypeInput,
    ServiceTypeUpdate,
)
from backend.catalog.validation import parse_input
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.kit.errors import FieldErrors, ValidationFailed
from backend.kit.policy import Action, authorize
from backend.kit.principals import SignedInUser
from backend.kit.repository import TenantScope

SERVICE_TYPES, PLANS, ADDONS, PROMOTIONS = "service_types", "plans", "addons", "promotions"
KINDS = (SERVICE_TYPES, PLANS, ADDONS, PROMOTIONS)
PER_PAGE = 20
ADDON_PREFIX, PLAN_PREFIX = "addon_", "plan_"  # checkbox names: allowed addons, eligible plans
_INPUTS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    SERVICE_TYPES: (ServiceTypeInput, ServiceTypeUpdate),
    PLANS: (PlanInput, PlanUpdate),
    ADDONS: (AddonInput, AddonUpdate),
    PROMOTIONS: (PromotionInput, PromotionUpdate),
}
# What the forms edit: the fields of each input the pages show (the rest keep their values).
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    SERVICE_TYPES: ("key", "name", "provider", "config_schema"),
    PLANS: (
        "key",
        "name",
        "description",
        "service_type_id",
        "currency",
        "base_price",
        "margin_percent",
        "margin_fixed",
        "tax_category",
        "interval_unit",
        "interval_count",
        "billing_anchor_day",
        "billing_timing",
        "trial_days",
        "minimum_commitment_days",
        "notice_days",
        "cancel_at_period_end",
        "allowed_options",
        "included_credits",
        "overage_price",
        "rollover_cap",
        "highlights",
        "sort_order",
    ),
    ADDONS: (
        "key",
        "name",
        "description",
        "currency",
        "price",
        "tax_category",
        "interval_unit",
        "interval_count",
    ),
    PROMOTIONS: (
        "code",
        "description",
        "benefit",
        "percent_off",
        "amount_off",
        "currency",
        "free_days",
        "free_periods",
        "valid_from",
        "valid_until",
        "max_redemptions",
        "max_per_customer",
        "eligibility",
        "eligible_plan_ids",
    ),
}
STATUS_WORDS = {"active": "Active", "inactive": "Inactive", "scheduled": "Scheduled", "expired": "Expired"}


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """One row of an admin list, as the page shows it."""

    id: int
    name: str  # the name; a promotion's code
    key: str  # the key; a promotion's description
    summary: str  # price per period, benefit, provider
    detail: str  # service type and terms, validity, billing
    status: str  # "active", "inactive", "scheduled" or "expired"
    status_label: str
    active: bool
    usage: str = ""  # "3 subscriptions", "2 redemptions"
    deletable: bool = False  # a plan nobody ever subscribed to
    delete_refusal: str = ""  # why a plan in use cannot be deleted


@dataclass(frozen=True, slots=True)
class CatalogListing:
    rows: list[CatalogRow]
    page: int
    page_count: int
    total: int


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    checked: bool = False


@dataclass(frozen=True, slots=True)
class CatalogForm:
    """What an empty or filled form starts from: field values as text, and the choices it offers."""

    values: dict[str, str]
    service_types: list[Choice] = field(default_factory=list)  # plans: the select's options
    addons: list[Choice] = field(default_factory=list)  # plans: allowed addons (checked)
    plans: list[Choice] = field(default_factory=list)  # promotions: eligible plans (checked)


@dataclass(frozen=True, slots=True)
class RedemptionRow:
    id: int
    customer: str
    subscription: str
    invoice: str
    redeemed: str  # "2026-11-12 10:00 UTC"
    amount: str  # net discount so far, e.g. "1.20 EUR"
    status: str  # "In use" or "Given back"


# --- the lists ---------------------------------------------------------------------------------------
def catalog_listing(user: SignedInUser, kind: str, query: CatalogQuery, page: int) -> CatalogListing:
    with unit_of_work() as session:
        return catalog_listing_in(session, user, kind, query, page)


def catalog_listing_in(
    session: Session, user: SignedInUser, kind: str, query: CatalogQuery, page: int
) -> CatalogListing:
    """One page of the admin's list of `kind`, narrowed by `query` (in catalog order)."""
    scope, who = user_scope(user), actor(None, user)
    rows: list[CatalogRow]
    if kind == SERVICE_TYPES:
        rows = [
            CatalogRow(
                id=view.id,
                name=view.name,
                key=view.key,
                summary=f"Provider: {view.provider}",
                detail="",
                status="active" if view.active else "inactive",
                status_label="Active" if view.active else "Inactive",
                active=view.active,
            )
            for view in service_types.find_service_types(session, scope, who, query)
        ]
    elif kind == PLANS:
        names = {view.id: view.name for view in service_types.list_service_types(session, scope)}
        rows = [_plan_row(view, names) for view in plans.find_plans(session, scope, who, query)]
    elif kind == ADDONS:
        rows = [
            CatalogRow(
                id=view.id,
                name=view.name,
                key=view.key,
                summary=view.price_display,
                detail=f"Tax: {view.tax_category}",
                status="active" if view.active else "inactive",
                status_label="Active" if view.active else "Inactive",
                active=view.active,
            )
            for view in addons.find_addons(session, scope, who, query)
        ]
    elif kind == PROMOTIONS:
        rows = [_promotion_row(view) for view in promotion_codes.find_promotions(session, scope, who, query)]
    else:
        raise ValueError(f"unknown catalog list {kind!r}")
    page_count = max(1, math.ceil(len(rows) / PER_PAGE))
    page = min(max(page, 1), page_count)
    start = (page - 1) * PER_PAGE
    return CatalogListing(rows[start : start + PER_PAGE], page, page_count, len(rows))


def _plan_row(view: PlanView, type_names: Mapping[int, str]) -> CatalogRow:
    terms = [type_names.get(view.service_type_id, "") if view.service_type_id else "Billing only"]
    if view.trial_days:
        terms.append(f"{view.trial_days}-day trial")
    if view.minimum_commitment_days:
        terms.append(f"{view.minimum_commitment_days}-day minimum term")
    count = view.subscription_count
    usage = f"{count} subscription{'s' if count != 1 else ''}" if count else "Not ordered yet"
    return CatalogRow(
        id=view.id,
        name=view.name,
        key=view.key,
        summary=view.price_display,
        detail=" · ".join(term for term in terms if term),
        status="active" if view.active else "inactive",
        status_label="Active" if view.active else "Inactive",
        active=view.active,
        usage=usage,
        deletable=count == 0,
        delete_refusal=(
            "In use, so it cannot be deleted: deactivate it to stop new orders." if count else ""
        ),
    )


def _promotion_row(view: PromotionView) -> CatalogRow:
    window = []
    if view.valid_from:
        window.append(f"from {view.valid_from:%Y-%m-%d}")
    if view.valid_until:
        window.append(f"until {view.valid_until:%Y-%m-%d}")
    limit = f"{view.max_redemptions} redemptions at most" if view.max_redemptions else "No total limit"
    return CatalogRow(
        id=view.id,
        name=view.code,
        key=view.description,
        summary=view.benefit_display,
        detail=" · ".join([" ".join(window) or "Always valid", limit]),
        status=view.state,
        status_label=STATUS_WORDS.get(view.state, view.state),
        active=view.active,
    )


# --- the forms ----------------------------------------------------------------------------------------
def catalog_form(user: SignedInUser, kind: str, object_id: int) -> CatalogForm:
    with unit_of_work() as session:
        return catalog_form_in(session, user, kind, object_id)


def catalog_form_in(session: Session, user: SignedInUser, kind: str, object_id: int) -> CatalogForm:
    """The form for a new object (`object_id` 0: the inputs' defaults) or for the object to edit."""
    scope = user_scope(user)
    # No service reads one object for editing: the policy is asked here.
    authorize(actor(None, user), scope, Action.MANAGE_CATALOG)
    model = _INPUTS[kind][0]
    if object_id:
        row = _get(session, scope, kind, object_id)
        current = {name: getattr(row, name) for name in FORM_FIELDS[kind] if hasattr(row, name)}
    else:
        current = {name: info.default for name, info in model.model_fields.items() if not info.is_required()}
    values = {name: _text(name, current.get(name)) for name in FORM_FIELDS[kind]}
    if kind == PLANS:
        allowed = plans.addon_ids_allowed_with(session, scope, object_id) if object_id else set()
        type_choices = [
            Choice(str(view.id), view.name if view.active else f"{view.name} (inactive)")
            for view in service_types.list_service_types(session, scope)
        ]
        addon_choices = [
            Choice(f"{ADDON_PREFIX}{view.id}", f"{view.name} ({view.price_display})", view.id in allowed)
            for view in addons.list_addons(session, scope)
            if view.active or view.id in allowed
        ]
        return CatalogForm(values, service_types=type_choices, addons=addon_choices)
    if kind == PROMOTIONS:
        eligible = set(current.get("eligible_plan_ids") or [])
        plan_choices = [
            Choice(f"{PLAN_PREFIX}{view.id}", f"{view.name} ({view.price_display})", view.id in eligible)
            for view in plans.list_plans(session, scope)
            if view.active or view.id in eligible
        ]
        return CatalogForm(values, plans=plan_choices)
    return CatalogForm(values)


def save(user: SignedInUser, kind: str, object_id: int, values: Mapping[str, Any]) -> str:
    with unit_of_work() as session:
        return save_in(session, user, kind, object_id, values)


def save_in(
    session: Session, user: SignedInUser, kind: str, object_id: int, values: Mapping[str, Any]
) -> str:
    """Create (`object_id` 0) or change the object from the form's text; the name it was saved under.

    Raises `FieldErrors` with a message per wrong field; the unit of work then saves nothing.
    """
    scope, who = user_scope(user), actor(None, user)
    create_model, update_model = _INPUTS[kind]
    raw = _raw_input(kind, create_model, values)
    if object_id and kind == PROMOTIONS:  # a day left as it was keeps its time of day
        current = promotion_codes.get_promotion(session, scope, object_id)
        for name in ("valid_from", "valid_until"):
            stored = getattr(current, name)
            if (
                stored is not None
                and isinstance(raw.get(name), datetime)
                and raw[name].date() == stored.date()
            ):
                raw[name] = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
    data = parse_input(create_model if not object_id else update_model, raw)
    saved: Any
    if kind == SERVICE_TYPES:
        saved = (
            service_types.update_service_type(session, scope, object_id, data, who)  # type: ignore[arg-type]
            if object_id
            else service_types.create_service_type(session, scope, data, who)  # type: ignore[arg-type]
        )
    elif kind == PLANS:
        saved = (
            plans.update_plan(session, scope, object_id, data, who)  # type: ignore[arg-type]
            if object_id
            else plans.create_plan(session, scope, data, who)  # type: ignore[arg-type]
        )
        assert saved.id is not None
        _sync_addons(session, scope, user, saved.id, _checked_ids(values, ADDON_PREFIX))
    elif kind == ADDONS:
        saved = (
            addons.update_addon(session, scope, object_id, data, who)  # type: ignore[arg-type]
            if object_id
            else addons.create_addon(session, scope, data, who)  # type: ignore[arg-type]
        )
    else:
        saved = (
            promotion_codes.update_promotion(session, scope, object_id, data, who)  # type: ignore[arg-type]
            if object_id
            else promotion_codes.create_promotion(session, scope, data, who)  # type: ignore[arg-type]
        )
        return str(saved.code)
    return str(saved.name)


def _sync_addons(
    session: Session, scope: TenantScope, user: SignedInUser, plan_id: int, wanted: set[int]
) -> None:
    """Allow the checked addons and disallow the others (subscriptions keep the addons they have)."""
    who = actor(None, user)
    current = plans.addon_ids_allowed_with(session, scope, plan_id)
    try:
        for addon_id in sorted(wanted - current):
            plans.allow_addon(session, scope, plan_id, addon_id, who)
        for addon_id in sorted(current - wanted):
            plans.disallow_addon(session, scope, plan_id, addon_id, who)
    except ValidationFailed as exc:
        raise FieldErrors({"addon_ids": str(exc)}) from None


def _raw_input(kind: str, model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """The input's fields from the form's text: an empty field is the field's default."""
    raw: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in FORM_FIELDS[kind]:
        if name == "eligible_plan_ids":
            raw[name] = sorted(_checked_ids(values, PLAN_PREFIX))
            continue
        if name not in values:
            continue
        text = str(values[name] or "").strip()
        info = model.model_fields[name]
        try:
            converted = _from_text(name, text)
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        if converted == "" and not info.is_required():
            converted = info.default
        raw[name] = converted
    if errors:
        raise FieldErrors(errors)
    return raw


def _from_text(name: str, text: str) -> Any:
    if not text:
        return ""
    if name == "highlights":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if name == "allowed_options":
        options: dict[str, list[str]] = {}
        for line in text.splitlines():
            if not line.strip():
                continue
            option, colon, choices = line.partition(":")
            if not colon or not option.strip():
                raise ValueError(
                    "Allowed options: one option per line with its choices, e.g. 'location: fsn1, nbg1'."
                )
            options[option.strip()] = [choice.strip() for choice in choices.split(",") if choice.strip()]
        return options
    if name == "config_schema":
        try:
            schema = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(
                'Config schema must be JSON, e.g. {"type": "object", "properties": {}}.'
            ) from None
        if not isinstance(schema, dict):
            raise ValueError("Config schema must be a JSON object.")
        return schema
    if name in ("valid_from", "valid_until"):
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            raise ValueError(
                f"{name.replace('_', ' ').capitalize()} must be a date such as 2027-01-31."
            ) from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return text


def _checked_ids(values: Mapping[str, Any], prefix: str) -> set[int]:
    """The ids of the checked boxes named `{prefix}{id}`."""
    return {
        int(name.removeprefix(prefix))
        for name, value in values.items()
        if name.startswith(prefix)
        and name.removeprefix(prefix).isdigit()
        and value not in ("", None, False, "off")
    }


def _text(name: str, value: Any) -> str:
    """A stored value as the form shows it."""
    if value is None:
        return ""
    if hasattr(value, "value") and not isinstance(value, Decimal):  # an enum
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        whole, _, fraction = text.partition(".")
        return f"{whole}.{fraction.ljust(2, '0')}"  # at least cents: 8.00, 4.50, 0.012
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}"
    if name == "highlights":
        return "\n".join(value)
    if name == "allowed_options":
        return "\n".join(f"{option}: {', '.join(choices)}" for option, choices in value.items())
    if name == "config_schema":
        return json.dumps(value, indent=2) if value else ""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def _get(session: Session, scope: TenantScope, kind: str, object_id: int) -> Any:
    getters: dict[str, Callable[[Session, TenantScope, int], Any]] = {
        SERVICE_TYPES: service_types.get_service_type,
        PLANS: plans.get_plan,
        ADDONS: addons.get_addon,
        PROMOTIONS: promotion_codes.get_promotion,
    }
    return getters[kind](session, scope, object_id)


# --- deactivate, reactivate, delete -----------------------------------------------------------------
def set_active(user: SignedInUser, kind: str, object_id: int, active: bool) -> str:
    with unit_of_work() as session:
        return set_active_in(session, user, kind, object_id, active)


def set_active_in(session: Session, user: SignedInUser, kind: str, object_id: int, active: bool) -> str:
    """Deactivate or reactivate; the name or code of the object."""
    scope, who = user_scope(user), actor(None, user)
    switches: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
        SERVICE_TYPES: (service_types.reactivate_service_type, service_types.deactivate_service_type),
        PLANS: (plans.reactivate_plan, plans.deactivate_plan),
        ADDONS: (addons.reactivate_addon, addons.deactivate_addon),
        PROMOTIONS: (promotion_codes.reactivate_promotion, promotion_codes.deactivate_promotion),
    }
    on, off = switches[kind]
    changed = (on if active else off)(session, scope, object_id, who)
    return str(getattr(changed, "code", None) or changed.name)


def delete_plan(user: SignedInUser, plan_id: int) -> None:
    with unit_of_work() as session:
        delete_plan_in(session, user, plan_id)


def delete_plan_in(session: Session, user: SignedInUser, plan_id: int) -> None:
    """Delete a plan nobody subscribed to; a plan in use raises `PlanInUse` saying why."""
    plans.delete_plan(session, user_scope(user), plan_id, actor(None, user))


# --- a promotion's redemptions ------------------------------------------------------------------------
def promotion_redemptions(user: SignedInUser, promotion_id: int) -> list[RedemptionRow]:
    with unit_of_work() as session:
        return promotion_redemptions_in(session, user, promotion_id)


def promotion_redemptions_in(session: Session, user: SignedInUser, promotion_id: int) -> list[RedemptionRow]:
    """The newest 50 redemptions of the promotion."""
    page = redemptions.promotion_redemptions(
        session, user_scope(user), promotion_id, actor(None, user), limit=50
    )
    return [
        RedemptionRow(
            id=row.id,
            customer=row.customer,
            subscription=row.subscription_number or "—",
            invoice=row.invoice_number or "Not invoiced yet",
            redeemed=f"{row.redeemed_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
            amount=f"{row.discount.quantize(Decimal('0.01'))} {row.currency}",
            status="Given back" if row.given_back else "In use",
        )
        for row in page.items
    ]


# --- the overview --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CatalogSection:
    kind: str
    total: int
    active: int


def catalog_sections(user: SignedInUser) -> list[CatalogSection]:
    with unit_of_work() as session:
        return catalog_sections_in(session, user)


def catalog_sections_in(session: Session, user: SignedInUser) -> list[CatalogSection]:
    """How many service types, plans, addons and promotions there are, and how many are active."""
    scope, who, every = user_scope(user), actor(None, user), CatalogQuery()
    lists: dict[str, list[Any]] = {
        PLANS: plans.find_plans(session, scope, who, every),
        SERVICE_TYPES: service_types.find_service_types(session, scope, who, every),
        ADDONS: addons.find_addons(session, scope, who, every),
        PROMOTIONS: promotion_codes.find_promotions(session, scope, who, every),
    }
    return [
        CatalogSection(kind, len(views), sum(1 for view in views if view.active))
        for kind, views in lists.items()
    ]
