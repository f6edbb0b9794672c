"""Promotion codes: creating, changing, deactivating and finding the codes customers redeem.

What a redeemed code takes off an invoice is decided by `backend.invoicing.promotions` and
`backend.invoicing`; this module keeps the codes themselves valid. A code is stored in upper case
and is unique in the tenant; deactivating one stops new redemptions and keeps benefits granted.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend import clock
from backend.audit.service import Actor
from backend.catalog.changes import apply_changes, record_change, set_active
from backend.catalog.repository import PlanRepository, PromotionRepository
from backend.catalog.schemas import CatalogQuery, PromotionInput, PromotionUpdate, PromotionView
from backend.catalog.validation import (
    MAX_DAYS,
    MAX_INTERVAL_COUNT,
    MAX_LIMIT,
    FieldCheck,
    checked_amount,
    checked_currency,
    checked_whole,
    label,
    matches,
    merge,
    plain,
)
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import Promotion, PromotionBenefit
from backend.money import Money

_CODE = re.compile(r"^[A-Z0-9](?:[A-Z0-9_-]{0,62}[A-Z0-9])?$")


def create_promotion(session: Session, scope: TenantScope, data: PromotionInput, actor: Actor) -> Promotion:
    """A new promotion; its code is stored in upper case and is unique in the tenant."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    values = _checked_promotion(session, scope, data, current=None)
    promotion = PromotionRepository(session, scope).add(Promotion(**values))
    record_change(session, scope, actor, "promotion.created", promotion, None, _promotion_fields(promotion))
    return promotion


def update_promotion(
    session: Session, scope: TenantScope, promotion_id: int, changes: PromotionUpdate, actor: Actor
) -> Promotion:
    """Apply the fields set in `changes`; redemptions already made keep their benefit."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    promotion = get_promotion(session, scope, promotion_id)
    merged = merge(PromotionInput, _promotion_fields(promotion), changes)
    values = _checked_promotion(session, scope, merged, current=promotion)
    return apply_changes(session, scope, actor, "promotion", promotion, values)


def deactivate_promotion(session: Session, scope: TenantScope, promotion_id: int, actor: Actor) -> Promotion:
    """The code can no longer be redeemed; benefits already granted stay."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return set_active(session, scope, actor, "promotion", get_promotion(session, scope, promotion_id), False)


def reactivate_promotion(session: Session, scope: TenantScope, promotion_id: int, actor: Actor) -> Promotion:
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return set_active(session, scope, actor, "promotion", get_promotion(session, scope, promotion_id), True)


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
        benefit=plain(promotion.benefit),
        benefit_display=_describe_benefit(promotion),
        valid_from=promotion.valid_from,
        valid_until=promotion.valid_until,
        max_redemptions=promotion.max_redemptions,
        max_per_customer=promotion.max_per_customer,
        eligibility=plain(promotion.eligibility),
        eligible_plan_ids=list(promotion.eligible_plan_ids),
        active=promotion.active,
        currency=promotion.currency,
        amount_off=promotion.amount_off,
        percent_off=promotion.percent_off,
        free_days=promotion.free_days,
        free_periods=promotion.free_periods,
        state=promotion_state(promotion, clock.now()),
    )


def promotion_state(promotion: Promotion, now: datetime) -> str:
    """ "inactive" once deactivated; else "scheduled" before valid from, "expired" from valid until."""
    if not promotion.active:
        return "inactive"
    if promotion.valid_from is not None and now < _aware(promotion.valid_from):
        return "scheduled"
    if promotion.valid_until is not None and now >= _aware(promotion.valid_until):
        return "expired"
    return "active"


def find_promotions(
    session: Session, scope: TenantScope, actor: Actor, query: CatalogQuery
) -> list[PromotionView]:
    """The admin's list: every promotion whose code or description has `query.search`, by code."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    return [
        view
        for view in list_promotions(session, scope)
        if matches(query, view.active, view.code, view.description)
        and (not query.state or view.state == query.state)
    ]


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
    """The values to store, or `FieldErrors` with a message for every wrong field."""
    check = FieldCheck()
    code = normalize_code(data.code)
    if not _CODE.match(code):
        check.fail(
            "code",
            "Code must be 1-64 letters, digits, dashes or underscores, starting and ending with a letter "
            f"or digit, e.g. 'WELCOME10' (got {data.code!r}).",
        )
    else:
        existing = PromotionRepository(session, scope).by_code(code)
        if existing is not None and existing is not current:
            check.fail("code", f"Code: a promotion with code '{code}' already exists.")
    if data.valid_from and data.valid_until and data.valid_until <= data.valid_from:
        check.fail("valid_until", "Valid until must be after valid from.")
    for name in ("max_redemptions", "max_per_customer"):
        if getattr(data, name) is not None:
            check(name, checked_whole, name, getattr(data, name), minimum=1, maximum=MAX_LIMIT)
    currency = check("currency", checked_currency, session, scope, data.currency)
    benefit = _checked_benefit(data, check)
    plan_ids = sorted(set(data.eligible_plan_ids))
    plans = PlanRepository(session, scope).by_ids(set(plan_ids))
    missing = [plan_id for plan_id in plan_ids if plan_id not in plans]
    if missing:
        check.fail("eligible_plan_ids", f"Eligible plans: there is no plan {missing[0]} in this tenant.")
    if data.benefit == PromotionBenefit.AMOUNT_OFF and currency is not None:
        for plan in plans.values():
            if plan.currency != currency:
                check.fail(
                    "currency",
                    f"Currency: the amount off is in {currency} but eligible plan '{plan.name}' is billed "
                    f"in {plan.currency}.",
                )
    check.done()
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


def _checked_benefit(data: PromotionInput, check: FieldCheck) -> dict[str, Any]:
    """The benefit's own field must be set; the fields of the other benefits must stay 0."""
    benefit = data.benefit
    if benefit == PromotionBenefit.PERCENT_OFF and not 1 <= data.percent_off <= 100:
        check.fail(
            "percent_off",
            f"Percent off must be between 1 and 100 for a percent_off promotion (got {data.percent_off}).",
        )
    if benefit == PromotionBenefit.AMOUNT_OFF and not data.amount_off > 0:
        check.fail(
            "amount_off",
            f"Amount off must be greater than 0 for an amount_off promotion (got {data.amount_off}).",
        )
    if benefit == PromotionBenefit.FREE_DAYS and data.free_days < 1:
        check.fail(
            "free_days", f"Free days must be at least 1 for a free_days promotion (got {data.free_days})."
        )
    if benefit == PromotionBenefit.FREE_PERIODS and data.free_periods < 1:
        check.fail(
            "free_periods",
            f"Free periods must be at least 1 for a free_periods promotion (got {data.free_periods}).",
        )
    own = {
        PromotionBenefit.AMOUNT_OFF: "amount_off",
        PromotionBenefit.PERCENT_OFF: "percent_off",
        PromotionBenefit.FREE_DAYS: "free_days",
        PromotionBenefit.FREE_PERIODS: "free_periods",
    }
    for other_benefit, name in own.items():
        if other_benefit != benefit and getattr(data, name) != 0:
            check.fail(
                name,
                f"{label(name)} applies only to {other_benefit.value} promotions; leave it at 0 "
                f"for a {benefit.value} promotion.",
            )
    return {
        "amount_off": check("amount_off", checked_amount, "amount_off", data.amount_off),
        "percent_off": check(
            "percent_off", checked_amount, "percent_off", data.percent_off, places=4, maximum=Decimal(101)
        ),
        "free_days": check(
            "free_days", checked_whole, "free_days", data.free_days, minimum=0, maximum=MAX_DAYS
        ),
        "free_periods": check(
            "free_periods",
            checked_whole,
            "free_periods",
            data.free_periods,
            minimum=0,
            maximum=MAX_INTERVAL_COUNT,
        ),
    }


def _promotion_fields(promotion: Promotion) -> dict[str, Any]:
    return {name: getattr(promotion, name) for name in (*PromotionInput.model_fields, "active")}


def _display_amount(amount: Decimal, currency: str) -> str:
    """`5.39 EUR`; an amount finer than the minor unit (hourly prices) is shown in full, not rounded."""
    rounded = Money.of(amount, currency).round_to_minor()
    if rounded.amount == amount:
        return rounded.format()
    return f"{amount.normalize():f} {currency}"
