"""Promotion codes: stored in upper case, unique per tenant, and every benefit rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session

from backend.catalog import plans, promotion_codes, validation
from backend.catalog.schemas import (
    PlanUpdate,
    PromotionInput,
    PromotionUpdate,
)
from backend.kit.errors import ValidationFailed
from backend.kit.repository import TenantScope
from backend.models import (
    PromotionBenefit,
)
from tests.catalog.support import (
    admin,
    assert_refused,
    audit_entries,
    new_plan,
    promotion_input,
    tenant_scope,
)

# ---------------------------------------------------------------------------------------------
# Promotions


def test_promotion_codes_are_stored_in_upper_case(session: Session, scope: TenantScope) -> None:
    promotion = promotion_codes.create_promotion(
        session, scope, promotion_input(code="  welcome10 "), admin(scope)
    )
    assert promotion.code == "WELCOME10"
    assert promotion_codes.find_promotion(session, scope, " Welcome10") is promotion
    assert_refused(
        session,
        scope,
        lambda: promotion_codes.create_promotion(
            session, scope, promotion_input(code="Welcome10"), admin(scope)
        ),
        "Code: a promotion with code 'WELCOME10' already exists.",
    )
    (view,) = promotion_codes.list_promotions(session, scope)
    assert (view.code, view.benefit_display) == ("WELCOME10", "10 % off")
    (entry,) = audit_entries(session, scope, "promotion.created")
    assert entry.after is not None and entry.after["code"] == "WELCOME10"


def test_each_benefit_kind_is_accepted(session: Session, scope: TenantScope) -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    created = [
        promotion_codes.create_promotion(session, scope, promotion_input(**fields), admin(scope))
        for fields in (
            {
                "code": "TENOFF",
                "benefit": "amount_off",
                "percent_off": 0,
                "amount_off": "10",
                "currency": "eur",
            },
            {"code": "TRIAL30", "benefit": "free_days", "percent_off": 0, "free_days": 30},
            {"code": "FIRST2", "benefit": "free_periods", "percent_off": 0, "free_periods": 2},
            {
                "code": "HALF",
                "percent_off": "50",
                "valid_from": start,
                "valid_until": start + timedelta(days=1),
            },
        )
    ]
    assert [p.benefit for p in created] == ["amount_off", "free_days", "free_periods", "percent_off"]
    assert created[0].currency == "EUR"
    displays = {view.code: view.benefit_display for view in promotion_codes.list_promotions(session, scope)}
    assert displays == {
        "TENOFF": "10.00 EUR off",
        "TRIAL30": "30 free days",
        "FIRST2": "2 free periods",
        "HALF": "50 % off",
    }


PROMOTION_RULES = [
    ({"code": "TWO WORDS"}, "Code must be 1-64 letters, digits, dashes or underscores"),
    ({"code": ""}, "Code must be 1-64"),
    ({"percent_off": "0"}, "Percent off must be between 1 and 100 for a percent_off promotion (got 0)."),
    ({"percent_off": "101"}, "Percent off must be between 1 and 100"),
    (
        {"benefit": "amount_off", "percent_off": 0},
        "Amount off must be greater than 0 for an amount_off promotion",
    ),
    ({"benefit": "amount_off", "percent_off": 0, "amount_off": "-5"}, "Amount off must be greater than 0"),
    (
        {"benefit": "amount_off", "percent_off": 0, "amount_off": "5", "currency": "XXX"},
        "Currency: Unknown currency 'XXX'",
    ),
    ({"benefit": "free_days", "percent_off": 0}, "Free days must be at least 1 for a free_days promotion"),
    (
        {"benefit": "free_periods", "percent_off": 0},
        "Free periods must be at least 1 for a free_periods promotion",
    ),
    ({"amount_off": "5"}, "Amount off applies only to amount_off promotions; leave it at 0"),
    ({"free_days": 3}, "Free days applies only to free_days promotions"),
    (
        {"valid_from": datetime(2027, 2, 1, tzinfo=UTC), "valid_until": datetime(2027, 1, 1, tzinfo=UTC)},
        "Valid until must be after valid from.",
    ),
    (
        {"valid_from": datetime(2027, 1, 1, tzinfo=UTC), "valid_until": datetime(2027, 1, 1, tzinfo=UTC)},
        "Valid until must be after valid from.",
    ),
    ({"max_redemptions": 0}, "Maximum redemptions must be at least 1 (got 0)."),
    ({"max_per_customer": 0}, "Maximum redemptions per customer must be at least 1"),
    ({"eligible_plan_ids": [999_999]}, "Eligible plans: there is no plan 999999 in this tenant."),
]


@pytest.mark.parametrize(("overrides", "message"), PROMOTION_RULES, ids=[m for _, m in PROMOTION_RULES])
def test_create_promotion_refuses_inconsistent_input(
    session: Session, scope: TenantScope, overrides: dict[str, Any], message: str
) -> None:
    assert_refused(
        session,
        scope,
        lambda: promotion_codes.create_promotion(session, scope, promotion_input(**overrides), admin(scope)),
        message,
    )


def test_promotion_validity_needs_a_time_zone() -> None:
    with pytest.raises(ValidationFailed, match="Valid from:"):
        validation.parse_input(
            PromotionInput,
            {"code": "X", "benefit": "free_days", "free_days": 1, "valid_from": "2027-01-01T00:00"},
        )


def test_eligible_plans_must_belong_to_the_tenant(session: Session, scope: TenantScope) -> None:
    foreign_plan = new_plan(session, tenant_scope(session, "catalog-other"))
    assert_refused(
        session,
        scope,
        lambda: promotion_codes.create_promotion(
            session, scope, promotion_input(eligible_plan_ids=[foreign_plan.id]), admin(scope)
        ),
        f"Eligible plans: there is no plan {foreign_plan.id} in this tenant.",
    )
    own = new_plan(session, scope)
    promotion = promotion_codes.create_promotion(
        session, scope, promotion_input(eligible_plan_ids=[own.id, own.id]), admin(scope)
    )
    assert promotion.eligible_plan_ids == [own.id]


def test_an_amount_off_must_be_in_the_currency_of_its_plans(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope, currency="USD", name="US Hosting")
    fields = {"benefit": "amount_off", "percent_off": 0, "amount_off": "5", "eligible_plan_ids": [plan.id]}
    assert_refused(
        session,
        scope,
        lambda: promotion_codes.create_promotion(session, scope, promotion_input(**fields), admin(scope)),
        "Currency: the amount off is in EUR but eligible plan 'US Hosting' is billed in USD.",
    )
    assert promotion_codes.create_promotion(
        session, scope, promotion_input(**fields, currency="USD"), admin(scope)
    ).id
    assert_refused(
        session,
        scope,
        lambda: plans.update_plan(session, scope, plan.id or 0, PlanUpdate(currency="EUR"), admin(scope)),
        "Currency: promotion WELCOME10 takes an amount in USD off plan 'US Hosting'",
    )


def test_update_and_deactivate_a_promotion(session: Session, scope: TenantScope) -> None:
    promotion = promotion_codes.create_promotion(session, scope, promotion_input(), admin(scope))
    promotion_id = promotion.id or 0
    promotion_codes.update_promotion(
        session, scope, promotion_id, PromotionUpdate(percent_off="15", code="welcome15"), admin(scope)
    )
    assert (promotion.code, promotion.percent_off) == ("WELCOME15", Decimal(15))
    assert_refused(
        session,
        scope,
        lambda: promotion_codes.update_promotion(
            session, scope, promotion_id, PromotionUpdate(benefit="free_days"), admin(scope)
        ),
        "Free days must be at least 1",
    )
    promotion_codes.update_promotion(
        session,
        scope,
        promotion_id,
        PromotionUpdate(benefit="free_days", percent_off=0, free_days=14),
        admin(scope),
    )
    assert promotion.benefit == PromotionBenefit.FREE_DAYS
    promotion_codes.update_promotion(
        session, scope, promotion_id, PromotionUpdate(max_per_customer=None), admin(scope)
    )
    assert promotion.max_per_customer is None
    promotion_codes.deactivate_promotion(session, scope, promotion_id, admin(scope))
    assert promotion_codes.list_promotions(session, scope, active_only=True) == []
    promotion_codes.reactivate_promotion(session, scope, promotion_id, admin(scope))
    assert len(promotion_codes.list_promotions(session, scope, active_only=True)) == 1
    assert len(audit_entries(session, scope, "promotion.updated")) == 3
