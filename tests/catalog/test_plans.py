"""Plans: creating them, and every validation rule refusing bad input with a clear message."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pydantic
import pytest
from sqlmodel import Session

from backend.catalog import addons, plans, service_types, validation
from backend.catalog.pricing import plan_price
from backend.catalog.repository import (
    PlanRepository,
)
from backend.catalog.schemas import (
    AddonInput,
    PlanInput,
    ServiceTypeInput,
)
from backend.catalog.terms import PlanTerms
from backend.kit.errors import ValidationFailed
from backend.kit.repository import TenantScope
from backend.subscriptions.repository import SubscriptionRepository
from tests.catalog.support import (
    CLOUD_SCHEMA,
    addon_input,
    admin,
    assert_refused,
    audit_entries,
    catalog_state,
    new_plan,
    plan_input,
    subscribe,
    tenant_scope,
)

# ---------------------------------------------------------------------------------------------
# Plans: happy paths


def test_create_plan_normalizes_and_records_an_audit_entry(session: Session, scope: TenantScope) -> None:
    service_type = service_types.create_service_type(
        session, scope, ServiceTypeInput(key="cloud", name="Cloud", config_schema=CLOUD_SCHEMA), admin(scope)
    )
    plan = new_plan(
        session,
        scope,
        key=" Cloud-CX22 ",
        name="  Cloud Server CX22 ",
        service_type_id=service_type.id,
        currency="usd",
        base_price="5.39",
        margin_percent="10",
        margin_fixed=1,
        billing_anchor_day=31,
        trial_days=14,
        allowed_options={"server_type": ["cx22"], "location": ["fsn1"]},
        highlights=[" 2 vCPU "],
    )
    session.expire_all()
    stored = PlanRepository(session, scope).get_or_raise(plan.id or 0)
    assert (stored.key, stored.name, stored.currency) == ("cloud-cx22", "Cloud Server CX22", "USD")
    assert stored.base_price == Decimal("5.39") and stored.margin_fixed == Decimal(1)
    assert stored.billing_anchor_day == 31 and stored.highlights == ["2 vCPU"] and stored.active
    assert plan_price(stored) == Decimal("6.929")
    (entry,) = audit_entries(session, scope, "plan.created")
    assert entry.object_type == "plan" and entry.object_id == str(plan.id) and entry.before is None
    assert entry.after is not None
    assert Decimal(entry.after["base_price"]) == Decimal("5.39") and entry.after["currency"] == "USD"


def test_a_plan_without_currency_takes_the_tenant_default(session: Session) -> None:
    scope = tenant_scope(session, "swiss", currency="CHF")
    assert new_plan(session, scope).currency == "CHF"
    assert addons.create_addon(session, scope, addon_input(), admin(scope)).currency == "CHF"


def test_quarterly_yearly_and_hourly_plans_are_accepted(session: Session, scope: TenantScope) -> None:
    quarterly = new_plan(session, scope, key="quarterly", interval_count=3, billing_anchor_day=1)
    yearly = new_plan(session, scope, key="yearly", interval_unit="year", billing_anchor_day=29)
    hourly = new_plan(
        session, scope, key="hourly", interval_unit="hour", base_price="0.0119", billing_timing="arrear"
    )
    assert (quarterly.interval_count, yearly.interval_unit, hourly.billing_timing) == (3, "year", "arrear")
    views = {view.key: view for view in plans.list_plans(session, scope)}
    assert views["quarterly"].price_display == "9.90 EUR / 3 months"
    # The display is what a full period costs on an invoice line: 0.0119 rounded half-up is 0.01.
    assert views["hourly"].price_display == "0.01 EUR / hour"
    assert views["hourly"].price == Decimal("0.0119")


def test_plan_snapshot_holds_everything_billing_needs(session: Session, scope: TenantScope) -> None:
    plan = new_plan(session, scope, base_price="10", margin_percent="20", margin_fixed="0.50", notice_days=30)
    snapshot = PlanTerms.of(plan).to_json()
    assert snapshot["plan_id"] == plan.id and snapshot["key"] == "hosting-monthly"
    assert Decimal(snapshot["price"]) == Decimal("12.50") == plan_price(plan)
    assert snapshot["interval_unit"] == "month" and snapshot["billing_timing"] == "advance"
    assert snapshot["tax_category"] == "standard" and snapshot["notice_days"] == 30
    assert snapshot["cancel_at_period_end"] is True
    assert PlanTerms.from_json(snapshot) == PlanTerms.of(plan)
    for key in ("currency", "interval_count", "billing_anchor_day", "trial_days", "minimum_commitment_days"):
        assert key in snapshot
    subscription = subscribe(session, scope, plan)
    session.expire_all()
    assert SubscriptionRepository(session, scope).get_or_raise(subscription.id or 0).plan_snapshot == snapshot


# ---------------------------------------------------------------------------------------------
# Plans: every validation rule


PLAN_RULES = [
    ({"base_price": "-1"}, "Base price must not be negative (got -1)."),
    ({"margin_percent": "-5"}, "Margin (percent) must not be negative"),
    ({"margin_fixed": "-0.01"}, "Fixed margin must not be negative"),
    ({"overage_price": "-1"}, "Overage price must not be negative"),
    ({"included_credits": "-1"}, "Included credits must not be negative"),
    ({"rollover_cap": "-1"}, "Rollover cap must not be negative"),
    ({"base_price": "1.1234567"}, "Base price may have at most 6 decimal places"),
    ({"margin_percent": "1.12345"}, "Margin (percent) may have at most 4 decimal places"),
    ({"base_price": "1000000000000"}, "Base price must be less than 1,000,000,000,000."),
    ({"currency": "XYZ"}, "Currency: Unknown currency 'XYZ'"),
    ({"currency": "euro"}, "Currency: Unknown currency 'EURO'"),
    ({"interval_count": 0}, "Interval count must be at least 1 (got 0)."),
    ({"interval_count": -3}, "Interval count must be at least 1"),
    ({"billing_anchor_day": 0}, "Billing anchor day must be between 1 and 31 (got 0)."),
    ({"billing_anchor_day": 32}, "Billing anchor day must be between 1 and 31 (got 32)."),
    (
        {"billing_anchor_day": 5, "interval_unit": "week"},
        "Billing anchor day applies only to monthly or yearly",
    ),
    ({"billing_anchor_day": 1, "interval_unit": "hour"}, "leave it empty for a plan billed per hour"),
    ({"trial_days": -1}, "Trial days must not be negative (got -1)."),
    ({"notice_days": -1}, "Notice days must not be negative"),
    ({"minimum_commitment_days": -1}, "Minimum commitment days must not be negative"),
    ({"trial_days": 100_000}, "Trial days must be at most 36,600"),
    (
        {"base_price": "0", "overage_price": "0.02", "trial_days": 14},
        "Trial days: a pure usage plan (no price per period, only usage) cannot have a trial",
    ),
    (
        {"base_price": "0", "margin_percent": "10", "included_credits": "100", "trial_days": 7},
        "a pure usage plan",
    ),
    ({"key": "Bad Key!"}, "Key must be 1-64 lowercase letters, digits, dashes or underscores"),
    ({"key": "-leading"}, "Key must be 1-64"),
    ({"key": "x" * 65}, "Key must be 1-64"),
    ({"name": "   "}, "Name must not be empty."),
    ({"name": "n" * 201}, "Name must be at most 200 characters"),
    ({"service_type_id": 999_999}, "Service type: there is no service type 999999 in this tenant."),
    ({"allowed_options": {"location": "fsn1"}}, "Allowed options: 'location' must list its choices"),
    ({"highlights": ["fast", " "]}, "Highlights must not contain empty entries."),
]


@pytest.mark.parametrize(("overrides", "message"), PLAN_RULES, ids=[m for _, m in PLAN_RULES])
def test_create_plan_refuses_inconsistent_input(
    session: Session, scope: TenantScope, overrides: dict[str, Any], message: str
) -> None:
    new_plan(session, scope, key="existing")
    assert_refused(session, scope, lambda: new_plan(session, scope, **overrides), message)


def test_a_trial_is_fine_on_a_usage_plan_with_a_base_price(session: Session, scope: TenantScope) -> None:
    plan = new_plan(
        session, scope, base_price="1", overage_price="0.02", included_credits="100", trial_days=14
    )
    assert plan.trial_days == 14
    usage_only = new_plan(session, scope, key="usage", base_price="0", overage_price="0.02")
    assert usage_only.trial_days == 0


def test_plan_key_is_unique_in_the_tenant_whatever_the_case(session: Session, scope: TenantScope) -> None:
    new_plan(session, scope, key="basic")
    assert_refused(
        session,
        scope,
        lambda: new_plan(session, scope, key="BASIC"),
        "Key: a plan with key 'basic' already exists.",
    )
    assert new_plan(session, tenant_scope(session, "catalog-other"), key="basic").key == "basic"


def test_a_plan_needs_an_active_service_type_of_its_own_tenant(session: Session, scope: TenantScope) -> None:
    other = tenant_scope(session, "catalog-other")
    foreign = service_types.create_service_type(
        session, other, ServiceTypeInput(key="cloud", name="Cloud"), admin(other)
    )
    assert_refused(
        session,
        scope,
        lambda: new_plan(session, scope, service_type_id=foreign.id),
        "there is no service type",
    )
    retired = service_types.create_service_type(
        session, scope, ServiceTypeInput(key="old", name="Old Hosting"), admin(scope)
    )
    service_types.deactivate_service_type(session, scope, retired.id or 0, admin(scope))
    assert_refused(
        session,
        scope,
        lambda: new_plan(session, scope, service_type_id=retired.id),
        "Service type: 'Old Hosting' is inactive; reactivate it or choose another one.",
    )


def test_allowed_options_must_be_options_of_the_service_type(session: Session, scope: TenantScope) -> None:
    cloud = service_types.create_service_type(
        session, scope, ServiceTypeInput(key="cloud", name="Cloud", config_schema=CLOUD_SCHEMA), admin(scope)
    )
    assert_refused(
        session,
        scope,
        lambda: new_plan(session, scope, service_type_id=cloud.id, allowed_options={"colour": ["red"]}),
        "Allowed options: 'colour' is not an option of service type 'Cloud' (known: location, server_type).",
    )


def test_money_is_never_a_float(session: Session, scope: TenantScope) -> None:
    with pytest.raises(pydantic.ValidationError, match="not a float"):
        plan_input(base_price=9.9)
    with pytest.raises(pydantic.ValidationError, match="not a float"):
        AddonInput(key="a", name="A", price=True)
    before = catalog_state(session, scope)
    raw = {"key": "basic", "name": "Basic", "base_price": 9.9}
    with pytest.raises(ValidationFailed, match="Base price: must be a decimal string or an integer"):
        validation.parse_input(PlanInput, raw)
    assert catalog_state(session, scope) == before
    parsed = validation.parse_input(PlanInput, {**raw, "base_price": "9.90", "interval_count": 3})
    assert parsed.base_price == Decimal("9.90") and parsed.interval_count == 3


def test_parse_input_names_unknown_fields_and_bad_types(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="Interval unit:"):
        validation.parse_input(PlanInput, {"key": "a", "name": "A", "interval_unit": "fortnight"})
    with pytest.raises(ValidationFailed, match="Colour: Extra inputs are not permitted"):
        validation.parse_input(PlanInput, {"key": "a", "name": "A", "colour": "red"})
