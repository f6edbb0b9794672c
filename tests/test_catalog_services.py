"""The catalog services: every rule refuses bad input with a clear message and changes nothing.

Runs on PostgreSQL and SQLite (the `session` fixture is parametrized over both and rolled back).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pydantic
import pytest
from sqlmodel import Session

from backend.audit.repository import AuditLogRepository
from backend.audit.service import Actor
from backend.catalog import service as catalog
from backend.catalog.pricing import plan_price
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
    PlanInput,
    PlanUpdate,
    PromotionInput,
    PromotionUpdate,
    ServiceTypeInput,
    ServiceTypeUpdate,
)
from backend.catalog.terms import PlanTerms
from backend.customers.repository import CustomerAccountRepository
from backend.kit.errors import NotFoundError, ValidationFailed
from backend.kit.repository import TenantScope
from backend.models import (
    AuditLogEntry,
    CustomerAccount,
    IntervalUnit,
    Plan,
    PromotionBenefit,
    Subscription,
    SubscriptionStatus,
)
from backend.settings import get_settings
from backend.subscriptions.repository import SubscriptionRepository
from backend.tenancy.service import create_tenant

CLOUD_SCHEMA = {"type": "object", "properties": {"server_type": {}, "location": {}}}


def admin(scope: TenantScope) -> Actor:
    """The tenant's admin, acting from a documentation address."""
    return Actor.admin(scope.tenant_id, ip_address="192.0.2.10")


def _tenant(session: Session, slug: str, currency: str = "EUR") -> TenantScope:
    tenant = create_tenant(session, slug=slug, name=slug.title(), settings=get_settings(), currency=currency)
    assert tenant.id is not None
    return TenantScope(tenant.id)


@pytest.fixture
def scope(session: Session) -> TenantScope:
    return _tenant(session, "acme")


def _plan_input(**overrides: Any) -> PlanInput:
    return PlanInput(**{"key": "hosting-monthly", "name": "Web Hosting", "base_price": "9.90", **overrides})


def _plan(session: Session, scope: TenantScope, **overrides: Any) -> Plan:
    return catalog.create_plan(session, scope, _plan_input(**overrides), admin(scope))


def _addon_input(**overrides: Any) -> AddonInput:
    return AddonInput(**{"key": "backups", "name": "Daily Backups", "price": "2.00", **overrides})


def _promotion_input(**overrides: Any) -> PromotionInput:
    fields: dict[str, Any] = {
        "code": "WELCOME10",
        "benefit": PromotionBenefit.PERCENT_OFF,
        "percent_off": "10",
    }
    return PromotionInput(**{**fields, **overrides})


def _subscribe(session: Session, scope: TenantScope, plan: Plan, number: str = "SUB-000001") -> Subscription:
    accounts = CustomerAccountRepository(session, scope)
    account = accounts.by_number("C-1") or accounts.add(CustomerAccount(number="C-1", name="Erika"))
    return SubscriptionRepository(session, scope).add(
        Subscription(
            number=number,
            customer_account_id=account.id,
            plan_id=plan.id,
            status=SubscriptionStatus.ACTIVE,
            plan_snapshot=PlanTerms.of(plan).to_json(),
        )
    )


def _catalog_state(session: Session, scope: TenantScope) -> dict[str, list[dict[str, Any]]]:
    """Every catalog row of the tenant and the audit log, as read back from the database."""
    session.expire_all()
    repositories = {
        "service_types": ServiceTypeRepository,
        "plans": PlanRepository,
        "addons": AddonRepository,
        "plan_addons": PlanAddonRepository,
        "promotions": PromotionRepository,
        "subscriptions": SubscriptionRepository,
        "audit": AuditLogRepository,
    }
    return {
        name: [row.model_dump() for row in repository(session, scope).list(limit=1000)]
        for name, repository in repositories.items()
    }


def _assert_refused(session: Session, scope: TenantScope, call: Callable[[], Any], message: str) -> str:
    """`call` raises ValidationFailed containing `message`, and the database is exactly as before."""
    before = _catalog_state(session, scope)
    with pytest.raises(ValidationFailed) as refused:
        call()
    assert message in str(refused.value)
    assert _catalog_state(session, scope) == before
    return str(refused.value)


def _audit(session: Session, scope: TenantScope, action: str) -> list[AuditLogEntry]:
    return [entry for entry in AuditLogRepository(session, scope).list(limit=1000) if entry.action == action]


# ---------------------------------------------------------------------------------------------
# Service types


def test_create_service_type_normalizes_the_key_and_audits(session: Session, scope: TenantScope) -> None:
    service_type = catalog.create_service_type(
        session,
        scope,
        ServiceTypeInput(
            key=" Cloud-Server ", name="Cloud Server", provider="simulated", config_schema=CLOUD_SCHEMA
        ),
        admin(scope),
    )
    assert (service_type.key, service_type.provider, service_type.active) == (
        "cloud-server",
        "simulated",
        True,
    )
    (entry,) = _audit(session, scope, "service_type.created")
    assert entry.object_type == "service_type" and entry.object_id == str(service_type.id)
    assert entry.before is None and entry.after is not None
    assert entry.after["key"] == "cloud-server" and "provider_secrets_encrypted" not in entry.after
    assert entry.ip_address == "192.0.2.10"


def test_service_type_key_is_unique_in_the_tenant(session: Session, scope: TenantScope) -> None:
    catalog.create_service_type(session, scope, ServiceTypeInput(key="cloud", name="Cloud"), admin(scope))
    _assert_refused(
        session,
        scope,
        lambda: catalog.create_service_type(
            session, scope, ServiceTypeInput(key="CLOUD", name="Other"), admin(scope)
        ),
        "Key: a service type with key 'cloud' already exists.",
    )
    other = _tenant(session, "catalog-other")
    assert catalog.create_service_type(
        session, other, ServiceTypeInput(key="cloud", name="Cloud"), admin(other)
    ).id


def test_service_type_with_a_non_object_config_schema_is_refused(
    session: Session, scope: TenantScope
) -> None:
    _assert_refused(
        session,
        scope,
        lambda: catalog.create_service_type(
            session, scope, ServiceTypeInput(key="x", name="X", config_schema={"type": "array"}), admin(scope)
        ),
        "Config schema must be a JSON schema of type 'object'",
    )


def test_update_and_deactivate_a_service_type(session: Session, scope: TenantScope) -> None:
    service_type = catalog.create_service_type(
        session, scope, ServiceTypeInput(key="cloud", name="Cloud"), admin(scope)
    )
    assert service_type.id is not None
    catalog.update_service_type(
        session, scope, service_type.id, ServiceTypeUpdate(name="Cloud Servers"), admin(scope)
    )
    (entry,) = _audit(session, scope, "service_type.updated")
    assert (entry.before, entry.after) == ({"name": "Cloud"}, {"name": "Cloud Servers"})
    catalog.deactivate_service_type(session, scope, service_type.id, admin(scope))
    assert not service_type.active
    assert [view.key for view in catalog.list_service_types(session, scope, active_only=True)] == []
    assert [view.key for view in catalog.list_service_types(session, scope)] == ["cloud"]
    catalog.reactivate_service_type(session, scope, service_type.id, admin(scope))
    assert service_type.active


# ---------------------------------------------------------------------------------------------
# Plans: happy paths


def test_create_plan_normalizes_and_records_an_audit_entry(session: Session, scope: TenantScope) -> None:
    service_type = catalog.create_service_type(
        session, scope, ServiceTypeInput(key="cloud", name="Cloud", config_schema=CLOUD_SCHEMA), admin(scope)
    )
    plan = _plan(
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
    (entry,) = _audit(session, scope, "plan.created")
    assert entry.object_type == "plan" and entry.object_id == str(plan.id) and entry.before is None
    assert entry.after is not None
    assert Decimal(entry.after["base_price"]) == Decimal("5.39") and entry.after["currency"] == "USD"


def test_a_plan_without_currency_takes_the_tenant_default(session: Session) -> None:
    scope = _tenant(session, "swiss", currency="CHF")
    assert _plan(session, scope).currency == "CHF"
    assert catalog.create_addon(session, scope, _addon_input(), admin(scope)).currency == "CHF"


def test_quarterly_yearly_and_hourly_plans_are_accepted(session: Session, scope: TenantScope) -> None:
    quarterly = _plan(session, scope, key="quarterly", interval_count=3, billing_anchor_day=1)
    yearly = _plan(session, scope, key="yearly", interval_unit="year", billing_anchor_day=29)
    hourly = _plan(
        session, scope, key="hourly", interval_unit="hour", base_price="0.0119", billing_timing="arrear"
    )
    assert (quarterly.interval_count, yearly.interval_unit, hourly.billing_timing) == (3, "year", "arrear")
    views = {view.key: view for view in catalog.list_plans(session, scope)}
    assert views["quarterly"].price_display == "9.90 EUR / 3 months"
    # The display is what a full period costs on an invoice line: 0.0119 rounded half-up is 0.01.
    assert views["hourly"].price_display == "0.01 EUR / hour"
    assert views["hourly"].price == Decimal("0.0119")


def test_plan_snapshot_holds_everything_billing_needs(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope, base_price="10", margin_percent="20", margin_fixed="0.50", notice_days=30)
    snapshot = PlanTerms.of(plan).to_json()
    assert snapshot["plan_id"] == plan.id and snapshot["key"] == "hosting-monthly"
    assert Decimal(snapshot["price"]) == Decimal("12.50") == plan_price(plan)
    assert snapshot["interval_unit"] == "month" and snapshot["billing_timing"] == "advance"
    assert snapshot["tax_category"] == "standard" and snapshot["notice_days"] == 30
    assert snapshot["cancel_at_period_end"] is True
    assert PlanTerms.from_json(snapshot) == PlanTerms.of(plan)
    for key in ("currency", "interval_count", "billing_anchor_day", "trial_days", "minimum_commitment_days"):
        assert key in snapshot
    subscription = _subscribe(session, scope, plan)
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
    _plan(session, scope, key="existing")
    _assert_refused(session, scope, lambda: _plan(session, scope, **overrides), message)


def test_a_trial_is_fine_on_a_usage_plan_with_a_base_price(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope, base_price="1", overage_price="0.02", included_credits="100", trial_days=14)
    assert plan.trial_days == 14
    usage_only = _plan(session, scope, key="usage", base_price="0", overage_price="0.02")
    assert usage_only.trial_days == 0


def test_plan_key_is_unique_in_the_tenant_whatever_the_case(session: Session, scope: TenantScope) -> None:
    _plan(session, scope, key="basic")
    _assert_refused(
        session,
        scope,
        lambda: _plan(session, scope, key="BASIC"),
        "Key: a plan with key 'basic' already exists.",
    )
    assert _plan(session, _tenant(session, "catalog-other"), key="basic").key == "basic"


def test_a_plan_needs_an_active_service_type_of_its_own_tenant(session: Session, scope: TenantScope) -> None:
    other = _tenant(session, "catalog-other")
    foreign = catalog.create_service_type(
        session, other, ServiceTypeInput(key="cloud", name="Cloud"), admin(other)
    )
    _assert_refused(
        session, scope, lambda: _plan(session, scope, service_type_id=foreign.id), "there is no service type"
    )
    retired = catalog.create_service_type(
        session, scope, ServiceTypeInput(key="old", name="Old Hosting"), admin(scope)
    )
    catalog.deactivate_service_type(session, scope, retired.id or 0, admin(scope))
    _assert_refused(
        session,
        scope,
        lambda: _plan(session, scope, service_type_id=retired.id),
        "Service type: 'Old Hosting' is inactive; reactivate it or choose another one.",
    )


def test_allowed_options_must_be_options_of_the_service_type(session: Session, scope: TenantScope) -> None:
    cloud = catalog.create_service_type(
        session, scope, ServiceTypeInput(key="cloud", name="Cloud", config_schema=CLOUD_SCHEMA), admin(scope)
    )
    _assert_refused(
        session,
        scope,
        lambda: _plan(session, scope, service_type_id=cloud.id, allowed_options={"colour": ["red"]}),
        "Allowed options: 'colour' is not an option of service type 'Cloud' (known: location, server_type).",
    )


def test_money_is_never_a_float(session: Session, scope: TenantScope) -> None:
    with pytest.raises(pydantic.ValidationError, match="not a float"):
        _plan_input(base_price=9.9)
    with pytest.raises(pydantic.ValidationError, match="not a float"):
        AddonInput(key="a", name="A", price=True)
    before = _catalog_state(session, scope)
    raw = {"key": "basic", "name": "Basic", "base_price": 9.9}
    with pytest.raises(ValidationFailed, match="Base price: must be a decimal string or an integer"):
        catalog.parse_input(PlanInput, raw)
    assert _catalog_state(session, scope) == before
    parsed = catalog.parse_input(PlanInput, {**raw, "base_price": "9.90", "interval_count": 3})
    assert parsed.base_price == Decimal("9.90") and parsed.interval_count == 3


def test_parse_input_names_unknown_fields_and_bad_types(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="Interval unit:"):
        catalog.parse_input(PlanInput, {"key": "a", "name": "A", "interval_unit": "fortnight"})
    with pytest.raises(ValidationFailed, match="Colour: Extra inputs are not permitted"):
        catalog.parse_input(PlanInput, {"key": "a", "name": "A", "colour": "red"})


# ---------------------------------------------------------------------------------------------
# Plans: updates, price changes, deactivation, deletion


def test_a_price_change_updates_only_the_plan_row(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope, base_price="9.90")
    subscription = _subscribe(session, scope, plan)
    snapshot = dict(subscription.plan_snapshot)
    catalog.update_plan(session, scope, plan.id or 0, PlanUpdate(base_price="12.50"), admin(scope))
    session.expire_all()
    assert PlanRepository(session, scope).get_or_raise(plan.id or 0).base_price == Decimal("12.50")
    # The running period keeps its price; the billing engine refreshes the snapshot at the next period.
    assert SubscriptionRepository(session, scope).get_or_raise(subscription.id or 0).plan_snapshot == snapshot
    assert snapshot["price"] != PlanTerms.of(plan).to_json()["price"]
    (entry,) = _audit(session, scope, "plan.updated")
    assert entry.before is not None and entry.after is not None
    assert (set(entry.before), set(entry.after)) == ({"base_price"}, {"base_price"})
    assert (Decimal(entry.before["base_price"]), Decimal(entry.after["base_price"])) == (
        Decimal("9.90"),
        Decimal("12.50"),
    )


def test_an_update_that_changes_nothing_writes_no_audit_entry(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope, base_price="9.90")
    catalog.update_plan(
        session, scope, plan.id or 0, PlanUpdate(base_price="9.9", name="Web Hosting"), admin(scope)
    )
    assert _audit(session, scope, "plan.updated") == []


def test_an_update_can_clear_the_anchor_day_and_validates_the_result(
    session: Session, scope: TenantScope
) -> None:
    plan = _plan(session, scope, billing_anchor_day=15)
    catalog.update_plan(session, scope, plan.id or 0, PlanUpdate(billing_anchor_day=None), admin(scope))
    assert plan.billing_anchor_day is None
    catalog.update_plan(session, scope, plan.id or 0, PlanUpdate(billing_anchor_day=15), admin(scope))
    _assert_refused(
        session,
        scope,
        lambda: catalog.update_plan(
            session, scope, plan.id or 0, PlanUpdate(interval_unit="day"), admin(scope)
        ),
        "Billing anchor day applies only to monthly or yearly plans",
    )
    _assert_refused(
        session,
        scope,
        lambda: catalog.update_plan(session, scope, plan.id or 0, PlanUpdate(base_price="-2"), admin(scope)),
        "Base price must not be negative",
    )
    _assert_refused(
        session,
        scope,
        lambda: catalog.update_plan(session, scope, plan.id or 0, PlanUpdate(name=None), admin(scope)),
        "Name:",
    )


def test_an_update_cannot_take_the_key_of_another_plan(session: Session, scope: TenantScope) -> None:
    _plan(session, scope, key="basic")
    plan = _plan(session, scope, key="premium")
    catalog.update_plan(session, scope, plan.id or 0, PlanUpdate(key="premium"), admin(scope))
    _assert_refused(
        session,
        scope,
        lambda: catalog.update_plan(session, scope, plan.id or 0, PlanUpdate(key="Basic"), admin(scope)),
        "Key: a plan with key 'basic' already exists.",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"currency": "USD"}, "Currency"),
        ({"interval_unit": "year"}, "Interval unit"),
        ({"interval_count": 3}, "Interval count"),
        ({"billing_anchor_day": 1}, "Billing anchor day"),
        ({"billing_timing": "arrear"}, "Billing timing"),
    ],
)
def test_billing_terms_are_fixed_once_a_plan_has_subscriptions(
    session: Session, scope: TenantScope, changes: dict[str, Any], field: str
) -> None:
    plan = _plan(session, scope, name="Hosting")
    _subscribe(session, scope, plan)
    _assert_refused(
        session,
        scope,
        lambda: catalog.update_plan(session, scope, plan.id or 0, PlanUpdate(**changes), admin(scope)),
        f"{field} cannot change while plan 'Hosting' has subscriptions; create a new plan",
    )
    catalog.update_plan(session, scope, plan.id or 0, PlanUpdate(base_price="11", trial_days=7), admin(scope))
    assert plan.base_price == Decimal(11)


def test_deactivating_a_plan_keeps_its_subscriptions(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope)
    subscription = _subscribe(session, scope, plan)
    catalog.deactivate_plan(session, scope, plan.id or 0, admin(scope))
    catalog.deactivate_plan(session, scope, plan.id or 0, admin(scope))
    session.expire_all()
    assert not PlanRepository(session, scope).get_or_raise(plan.id or 0).active
    kept = SubscriptionRepository(session, scope).get_or_raise(subscription.id or 0)
    assert (kept.status, kept.plan_id) == (SubscriptionStatus.ACTIVE, plan.id)
    assert catalog.list_plans(session, scope, active_only=True) == []
    (view,) = catalog.list_plans(session, scope)
    assert (view.active, view.subscription_count) == (False, 1)
    (entry,) = _audit(session, scope, "plan.deactivated")
    assert (entry.before, entry.after) == ({"active": True}, {"active": False})
    catalog.reactivate_plan(session, scope, plan.id or 0, admin(scope))
    assert [view.id for view in catalog.list_plans(session, scope, active_only=True)] == [plan.id]
    assert len(_audit(session, scope, "plan.reactivated")) == 1


def test_plans_of_an_inactive_service_type_cannot_be_ordered(session: Session, scope: TenantScope) -> None:
    cloud = catalog.create_service_type(
        session, scope, ServiceTypeInput(key="cloud", name="Cloud"), admin(scope)
    )
    server = _plan(session, scope, key="server", service_type_id=cloud.id, sort_order=2)
    billing_only = _plan(session, scope, key="support", sort_order=1)
    assert [v.key for v in catalog.list_plans(session, scope, active_only=True)] == ["support", "server"]
    catalog.deactivate_service_type(session, scope, cloud.id or 0, admin(scope))
    assert [v.id for v in catalog.list_plans(session, scope, active_only=True)] == [billing_only.id]
    assert server.active
    catalog.update_plan(session, scope, server.id or 0, PlanUpdate(base_price="20"), admin(scope))
    catalog.deactivate_plan(session, scope, server.id or 0, admin(scope))
    _assert_refused(
        session,
        scope,
        lambda: catalog.reactivate_plan(session, scope, server.id or 0, admin(scope)),
        "Service type 'Cloud' is inactive; reactivate it before plan",
    )


def test_a_plan_with_subscriptions_cannot_be_deleted(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope, name="Web Hosting")
    _subscribe(session, scope, plan)
    before = _catalog_state(session, scope)
    with pytest.raises(catalog.PlanInUse) as refused:
        catalog.delete_plan(session, scope, plan.id or 0, admin(scope))
    assert str(refused.value) == "Plan 'Web Hosting' has subscriptions; deactivate it instead."
    assert _catalog_state(session, scope) == before


def test_a_plan_named_by_a_promotion_cannot_be_deleted(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope)
    catalog.create_promotion(session, scope, _promotion_input(eligible_plan_ids=[plan.id]), admin(scope))
    with pytest.raises(catalog.PlanInUse, match="eligible plan of promotion WELCOME10"):
        catalog.delete_plan(session, scope, plan.id or 0, admin(scope))
    assert PlanRepository(session, scope).get(plan.id or 0) is not None


def test_a_plan_without_subscriptions_is_deleted_with_its_addon_links(
    session: Session, scope: TenantScope
) -> None:
    plan = _plan(session, scope)
    addon = catalog.create_addon(session, scope, _addon_input(), admin(scope))
    catalog.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    plan_id = plan.id or 0
    catalog.delete_plan(session, scope, plan_id, admin(scope))
    session.expire_all()
    assert PlanRepository(session, scope).get(plan_id) is None
    assert PlanAddonRepository(session, scope).count() == 0
    assert AddonRepository(session, scope).get(addon.id or 0) is not None
    (entry,) = _audit(session, scope, "plan.deleted")
    assert entry.object_id == str(plan_id) and entry.after is None
    assert entry.before is not None and entry.before["key"] == "hosting-monthly"


# ---------------------------------------------------------------------------------------------
# Addons


ADDON_RULES = [
    ({"price": "-2"}, "Price must not be negative (got -2)."),
    ({"currency": "ABC"}, "Currency: Unknown currency 'ABC'"),
    ({"interval_count": 0}, "Interval count must be at least 1"),
    ({"key": "no spaces"}, "Key must be 1-64"),
    ({"name": ""}, "Name must not be empty."),
    ({"key": "EXISTING"}, "Key: an addon with key 'existing' already exists."),
]


@pytest.mark.parametrize(("overrides", "message"), ADDON_RULES, ids=[m for _, m in ADDON_RULES])
def test_create_addon_refuses_inconsistent_input(
    session: Session, scope: TenantScope, overrides: dict[str, Any], message: str
) -> None:
    catalog.create_addon(session, scope, _addon_input(key="existing"), admin(scope))
    _assert_refused(
        session,
        scope,
        lambda: catalog.create_addon(session, scope, _addon_input(**overrides), admin(scope)),
        message,
    )


def test_allow_and_disallow_an_addon(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope)
    addon = catalog.create_addon(session, scope, _addon_input(), admin(scope))
    yearly = catalog.create_addon(
        session, scope, _addon_input(key="ipv4", name="IPv4", interval_unit="year"), admin(scope)
    )
    link = catalog.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    assert catalog.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope)).id == link.id
    catalog.allow_addon(session, scope, plan.id or 0, yearly.id or 0, admin(scope))
    assert [v.key for v in catalog.list_addons_for_plan(session, scope, plan.id or 0)] == ["backups", "ipv4"]
    assert catalog.plan_details(session, scope, plan.id or 0).addon_ids == sorted(
        [addon.id or 0, yearly.id or 0]
    )
    assert len(_audit(session, scope, "plan.addon_allowed")) == 2
    catalog.disallow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    catalog.disallow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    assert [v.key for v in catalog.list_addons_for_plan(session, scope, plan.id or 0)] == ["ipv4"]
    (entry,) = _audit(session, scope, "plan.addon_disallowed")
    assert entry.before == {"addon_id": addon.id, "addon_key": "backups"} and entry.after is None


def test_an_addon_must_share_the_plan_currency(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope, name="Hosting")
    addon = catalog.create_addon(session, scope, _addon_input(currency="USD"), admin(scope))
    _assert_refused(
        session,
        scope,
        lambda: catalog.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope)),
        "Currency: addon 'Daily Backups' is priced in USD but plan 'Hosting' in EUR",
    )


@pytest.mark.parametrize(
    ("plan_unit", "addon_unit", "fits"),
    [
        ("month", "year", True),
        ("year", "month", True),
        ("hour", "day", True),
        ("week", "hour", True),
        ("month", "hour", False),
        ("month", "week", False),
        ("day", "year", False),
    ],
)
def test_an_addon_interval_must_be_compatible_with_the_plan(
    session: Session, scope: TenantScope, plan_unit: str, addon_unit: str, fits: bool
) -> None:
    plan = _plan(session, scope, interval_unit=plan_unit)
    addon = catalog.create_addon(session, scope, _addon_input(interval_unit=addon_unit), admin(scope))
    allow = lambda: catalog.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))  # noqa: E731
    if fits:
        assert allow().addon_id == addon.id
    else:
        _assert_refused(session, scope, allow, f"Interval: addon 'Daily Backups' is billed per {addon_unit}")


def test_an_inactive_addon_cannot_be_allowed(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope)
    addon = catalog.create_addon(session, scope, _addon_input(), admin(scope))
    catalog.deactivate_addon(session, scope, addon.id or 0, admin(scope))
    _assert_refused(
        session,
        scope,
        lambda: catalog.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope)),
        "Addon 'Daily Backups' is inactive",
    )
    catalog.reactivate_addon(session, scope, addon.id or 0, admin(scope))
    assert catalog.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope)).plan_id == plan.id


def test_allowed_addons_keep_fitting_their_plans_after_updates(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope, name="Hosting")
    addon = catalog.create_addon(session, scope, _addon_input(), admin(scope))
    catalog.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    _assert_refused(
        session,
        scope,
        lambda: catalog.update_addon(
            session, scope, addon.id or 0, AddonUpdate(currency="USD"), admin(scope)
        ),
        "Currency: addon 'Daily Backups' is priced in USD but plan 'Hosting' in EUR",
    )
    _assert_refused(
        session,
        scope,
        lambda: catalog.update_plan(
            session, scope, plan.id or 0, PlanUpdate(interval_unit="day"), admin(scope)
        ),
        "Interval: addon 'Daily Backups' is billed per month but plan 'Hosting' per day",
    )
    catalog.update_addon(
        session, scope, addon.id or 0, AddonUpdate(price="2.50", interval_unit="year"), admin(scope)
    )
    assert (addon.price, addon.interval_unit) == (Decimal("2.50"), IntervalUnit.YEAR)


def test_deactivating_an_addon_hides_it_from_orders(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope)
    addon = catalog.create_addon(session, scope, _addon_input(), admin(scope))
    catalog.allow_addon(session, scope, plan.id or 0, addon.id or 0, admin(scope))
    catalog.deactivate_addon(session, scope, addon.id or 0, admin(scope))
    assert catalog.list_addons_for_plan(session, scope, plan.id or 0) == []
    assert len(catalog.list_addons_for_plan(session, scope, plan.id or 0, active_only=False)) == 1
    assert [view.active for view in catalog.list_addons(session, scope)] == [False]
    assert catalog.list_addons(session, scope, active_only=True) == []


# ---------------------------------------------------------------------------------------------
# Promotions


def test_promotion_codes_are_stored_in_upper_case(session: Session, scope: TenantScope) -> None:
    promotion = catalog.create_promotion(session, scope, _promotion_input(code="  welcome10 "), admin(scope))
    assert promotion.code == "WELCOME10"
    assert catalog.find_promotion(session, scope, " Welcome10") is promotion
    _assert_refused(
        session,
        scope,
        lambda: catalog.create_promotion(session, scope, _promotion_input(code="Welcome10"), admin(scope)),
        "Code: a promotion with code 'WELCOME10' already exists.",
    )
    (view,) = catalog.list_promotions(session, scope)
    assert (view.code, view.benefit_display) == ("WELCOME10", "10 % off")
    (entry,) = _audit(session, scope, "promotion.created")
    assert entry.after is not None and entry.after["code"] == "WELCOME10"


def test_each_benefit_kind_is_accepted(session: Session, scope: TenantScope) -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    created = [
        catalog.create_promotion(session, scope, _promotion_input(**fields), admin(scope))
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
    displays = {view.code: view.benefit_display for view in catalog.list_promotions(session, scope)}
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
    _assert_refused(
        session,
        scope,
        lambda: catalog.create_promotion(session, scope, _promotion_input(**overrides), admin(scope)),
        message,
    )


def test_promotion_validity_needs_a_time_zone() -> None:
    with pytest.raises(ValidationFailed, match="Valid from:"):
        catalog.parse_input(
            PromotionInput,
            {"code": "X", "benefit": "free_days", "free_days": 1, "valid_from": "2027-01-01T00:00"},
        )


def test_eligible_plans_must_belong_to_the_tenant(session: Session, scope: TenantScope) -> None:
    foreign_plan = _plan(session, _tenant(session, "catalog-other"))
    _assert_refused(
        session,
        scope,
        lambda: catalog.create_promotion(
            session, scope, _promotion_input(eligible_plan_ids=[foreign_plan.id]), admin(scope)
        ),
        f"Eligible plans: there is no plan {foreign_plan.id} in this tenant.",
    )
    own = _plan(session, scope)
    promotion = catalog.create_promotion(
        session, scope, _promotion_input(eligible_plan_ids=[own.id, own.id]), admin(scope)
    )
    assert promotion.eligible_plan_ids == [own.id]


def test_an_amount_off_must_be_in_the_currency_of_its_plans(session: Session, scope: TenantScope) -> None:
    plan = _plan(session, scope, currency="USD", name="US Hosting")
    fields = {"benefit": "amount_off", "percent_off": 0, "amount_off": "5", "eligible_plan_ids": [plan.id]}
    _assert_refused(
        session,
        scope,
        lambda: catalog.create_promotion(session, scope, _promotion_input(**fields), admin(scope)),
        "Currency: the amount off is in EUR but eligible plan 'US Hosting' is billed in USD.",
    )
    assert catalog.create_promotion(
        session, scope, _promotion_input(**fields, currency="USD"), admin(scope)
    ).id
    _assert_refused(
        session,
        scope,
        lambda: catalog.update_plan(session, scope, plan.id or 0, PlanUpdate(currency="EUR"), admin(scope)),
        "Currency: promotion WELCOME10 takes an amount in USD off plan 'US Hosting'",
    )


def test_update_and_deactivate_a_promotion(session: Session, scope: TenantScope) -> None:
    promotion = catalog.create_promotion(session, scope, _promotion_input(), admin(scope))
    promotion_id = promotion.id or 0
    catalog.update_promotion(
        session, scope, promotion_id, PromotionUpdate(percent_off="15", code="welcome15"), admin(scope)
    )
    assert (promotion.code, promotion.percent_off) == ("WELCOME15", Decimal(15))
    _assert_refused(
        session,
        scope,
        lambda: catalog.update_promotion(
            session, scope, promotion_id, PromotionUpdate(benefit="free_days"), admin(scope)
        ),
        "Free days must be at least 1",
    )
    catalog.update_promotion(
        session,
        scope,
        promotion_id,
        PromotionUpdate(benefit="free_days", percent_off=0, free_days=14),
        admin(scope),
    )
    assert promotion.benefit == PromotionBenefit.FREE_DAYS
    catalog.update_promotion(
        session, scope, promotion_id, PromotionUpdate(max_per_customer=None), admin(scope)
    )
    assert promotion.max_per_customer is None
    catalog.deactivate_promotion(session, scope, promotion_id, admin(scope))
    assert catalog.list_promotions(session, scope, active_only=True) == []
    catalog.reactivate_promotion(session, scope, promotion_id, admin(scope))
    assert len(catalog.list_promotions(session, scope, active_only=True)) == 1
    assert len(_audit(session, scope, "promotion.updated")) == 3


# ---------------------------------------------------------------------------------------------
# Tenant isolation


def test_objects_of_another_tenant_are_not_found(session: Session, scope: TenantScope) -> None:
    other = _tenant(session, "catalog-other")
    plan_b = _plan(session, other)
    addon_b = catalog.create_addon(session, other, _addon_input(), admin(other))
    promotion_b = catalog.create_promotion(session, other, _promotion_input(), admin(other))
    type_b = catalog.create_service_type(
        session, other, ServiceTypeInput(key="cloud", name="Cloud"), admin(other)
    )
    plan_a = _plan(session, scope)
    plan_id, addon_id = plan_b.id or 0, addon_b.id or 0
    calls: list[Callable[[], Any]] = [
        lambda: catalog.get_plan(session, scope, plan_id),
        lambda: catalog.plan_details(session, scope, plan_id),
        lambda: catalog.update_plan(session, scope, plan_id, PlanUpdate(name="Stolen"), admin(scope)),
        lambda: catalog.deactivate_plan(session, scope, plan_id, admin(scope)),
        lambda: catalog.delete_plan(session, scope, plan_id, admin(scope)),
        lambda: catalog.allow_addon(session, scope, plan_a.id or 0, addon_id, admin(scope)),
        lambda: catalog.list_addons_for_plan(session, scope, plan_id),
        lambda: catalog.update_addon(session, scope, addon_id, AddonUpdate(price="0"), admin(scope)),
        lambda: catalog.deactivate_promotion(session, scope, promotion_b.id or 0, admin(scope)),
        lambda: catalog.update_service_type(
            session, scope, type_b.id or 0, ServiceTypeUpdate(name="X"), admin(scope)
        ),
    ]
    before = _catalog_state(session, other)
    for call in calls:
        with pytest.raises(NotFoundError):
            call()
    assert _catalog_state(session, other) == before
    assert catalog.find_promotion(session, scope, "WELCOME10") is None
    assert [view.id for view in catalog.list_plans(session, scope)] == [plan_a.id]
