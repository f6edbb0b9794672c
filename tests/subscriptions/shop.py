"""A tenant of the identity world stocked for ordering through the API: its customer user owns a
customer account with a billing profile (Germany, consumer), the issuer is in Germany, and the
catalog has two monthly plans and an inactive one (created by the tenant's admin)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.engine import Engine

from backend.audit.service import Actor
from backend.catalog import plans
from backend.catalog.schemas import PlanInput
from backend.customers.service import open_account_for_user
from backend.db import unit_of_work
from backend.identity.repository import UserRepository
from backend.kit.repository import TenantScope
from backend.models import CustomerProfile, Tenant
from tests.conftest import Member


@dataclass(frozen=True)
class Shop:
    account_id: int  # the customer member's own account
    basic_plan_id: int  # 10.00 + 20 % margin = 12.00 a month
    pro_plan_id: int  # 20.00 a month
    retired_plan_id: int  # inactive


def stock(engine: Engine, admin: Member, customer: Member) -> Shop:
    scope = TenantScope(admin.tenant_id)
    actor = Actor.admin(admin.tenant_id, user_id=admin.user_id)
    with unit_of_work(engine) as session:
        tenant = session.get(Tenant, admin.tenant_id)
        assert tenant is not None
        tenant.issuer_country = "DE"
        user = UserRepository(session, scope).get_or_raise(customer.user_id)
        profile = CustomerProfile(
            customer_account_id=0, name="Erika Muster", country="DE", email=customer.email, billing_day=1
        )
        account = open_account_for_user(session, scope, user, profile)
        basic = plans.create_plan(
            session,
            scope,
            PlanInput(key="basic", name="Basic", base_price=Decimal(10), margin_percent=Decimal(20)),
            actor,
        )
        pro = plans.create_plan(
            session, scope, PlanInput(key="pro", name="Pro", base_price=Decimal(20)), actor
        )
        retired = plans.create_plan(
            session, scope, PlanInput(key="old", name="Old", base_price=Decimal(5)), actor
        )
        assert retired.id is not None
        plans.deactivate_plan(session, scope, retired.id, actor)
        return Shop(account.id or 0, basic.id or 0, pro.id or 0, retired.id)
