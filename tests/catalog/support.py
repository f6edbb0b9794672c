"""What the catalog tests share: the tenant's admin, inputs with sensible defaults, and the check
that a refused change leaves every catalog row and the audit log exactly as before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from backend.audit.repository import AuditLogRepository
from backend.audit.service import Actor
from backend.catalog import plans
from backend.catalog.repository import (
    AddonRepository,
    PlanAddonRepository,
    PlanRepository,
    PromotionRepository,
    ServiceTypeRepository,
)
from backend.catalog.schemas import (
    AddonInput,
    PlanInput,
    PromotionInput,
)
from backend.catalog.terms import PlanTerms
from backend.customers.repository import CustomerAccountRepository
from backend.kit.errors import ValidationFailed
from backend.kit.repository import TenantScope
from backend.models import (
    AuditLogEntry,
    CustomerAccount,
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


def tenant_scope(session: Session, slug: str, currency: str = "EUR") -> TenantScope:
    tenant = create_tenant(session, slug=slug, name=slug.title(), settings=get_settings(), currency=currency)
    assert tenant.id is not None
    return TenantScope(tenant.id)


def plan_input(**overrides: Any) -> PlanInput:
    return PlanInput(**{"key": "hosting-monthly", "name": "Web Hosting", "base_price": "9.90", **overrides})


def new_plan(session: Session, scope: TenantScope, **overrides: Any) -> Plan:
    return plans.create_plan(session, scope, plan_input(**overrides), admin(scope))


def addon_input(**overrides: Any) -> AddonInput:
    return AddonInput(**{"key": "backups", "name": "Daily Backups", "price": "2.00", **overrides})


def promotion_input(**overrides: Any) -> PromotionInput:
    fields: dict[str, Any] = {
        "code": "WELCOME10",
        "benefit": PromotionBenefit.PERCENT_OFF,
        "percent_off": "10",
    }
    return PromotionInput(**{**fields, **overrides})


def subscribe(session: Session, scope: TenantScope, plan: Plan, number: str = "SUB-000001") -> Subscription:
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


def catalog_state(session: Session, scope: TenantScope) -> dict[str, list[dict[str, Any]]]:
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


def assert_refused(session: Session, scope: TenantScope, call: Callable[[], Any], message: str) -> str:
    """`call` raises ValidationFailed containing `message`, and the database is exactly as before."""
    before = catalog_state(session, scope)
    with pytest.raises(ValidationFailed) as refused:
        call()
    assert message in str(refused.value)
    assert catalog_state(session, scope) == before
    return str(refused.value)


def audit_entries(session: Session, scope: TenantScope, action: str) -> list[AuditLogEntry]:
    return [entry for entry in AuditLogRepository(session, scope).list(limit=1000) if entry.action == action]
