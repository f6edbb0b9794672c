"""A small billing world per test: one tenant, customers, plans, and a clock the test moves.

The `world` fixture serves the billing, subscriptions, invoicing, catalog and demo tests
(registered in tests/conftest.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from backend import clock
from backend.audit.service import Actor
from backend.kit.repository import TenantScope
from backend.models import (
    Addon,
    CustomerAccount,
    CustomerProfile,
    CustomerType,
    Invoice,
    InvoiceLine,
    OpenPosition,
    Plan,
    PlanAddon,
    Promotion,
    Subscription,
    VatIdStatus,
)
from backend.scheduling import simulation
from backend.settings import load_settings
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from backend.tenancy.service import create_tenant

_slugs = itertools.count(1)


class World:
    """Builds the objects a scenario needs and runs the coordinators like the scheduler would."""

    def __init__(self, session: Session, frozen: clock.FrozenClock, time_zone: str = "Europe/Berlin") -> None:
        self.session = session
        self.clock = frozen
        tenant = create_tenant(
            session, slug=f"billing-{next(_slugs)}", name="Billing Test", settings=load_settings()
        )
        tenant.time_zone = time_zone
        assert tenant.id is not None
        self.tenant = tenant
        self.scope = TenantScope(tenant.id)
        self._numbers = itertools.count(1)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def admin(self) -> Actor:
        """The tenant's admin: may do every billing operation, customers' steps included."""
        return Actor.admin(self.scope.tenant_id)

    def customer(
        self,
        *,
        country: str = "DE",
        customer_type: CustomerType = CustomerType.PRIVATE,
        billing_day: int = 1,
        vat_id: str = "",
        vat_id_status: VatIdStatus = VatIdStatus.UNCHECKED,
    ) -> CustomerAccount:
        number = next(self._numbers)
        account = CustomerAccount(
            tenant_id=self.scope.tenant_id,
            number=f"C-{number:05d}",
            name=f"Customer {number}",
            customer_type=customer_type,
        )
        self.session.add(account)
        self.session.flush()
        self.session.add(
            CustomerProfile(
                tenant_id=self.scope.tenant_id,
                customer_account_id=account.id,
                name=account.name,
                customer_type=customer_type,
                country=country,
                email=f"c{number}@example.test",
                billing_day=billing_day,
                vat_id=vat_id,
                vat_id_status=vat_id_status,
            )
        )
        self.session.flush()
        return account

    def plan(self, key: str, price: str, **fields: Any) -> Plan:
        plan = Plan(
            tenant_id=self.scope.tenant_id,
            key=key,
            name=fields.pop("name", key.title()),
            base_price=Decimal(price),
            **fields,
        )
        self.session.add(plan)
        self.session.flush()
        return plan

    def addon(self, key: str, price: str, plans: list[Plan], **fields: Any) -> Addon:
        addon = Addon(
            tenant_id=self.scope.tenant_id, key=key, name=key.title(), price=Decimal(price), **fields
        )
        self.session.add(addon)
        self.session.flush()
        for plan in plans:
            self.session.add(PlanAddon(tenant_id=self.scope.tenant_id, plan_id=plan.id, addon_id=addon.id))
        self.session.flush()
        return addon

    def promotion(self, code: str, **fields: Any) -> Promotion:
        promotion = Promotion(tenant_id=self.scope.tenant_id, code=code, **fields)
        self.session.add(promotion)
        self.session.flush()
        return promotion

    def lifecycle(self) -> Lifecycle:
        return Lifecycle(self.session, self.scope, self.admin)

    def order(self, customer: CustomerAccount, plan: Plan, **fields: Any) -> Subscription:
        assert customer.id is not None and plan.id is not None
        return self.lifecycle().order(OrderRequest(customer.id, plan.id, **fields), self.now)

    def at(self, when: datetime) -> None:
        self.clock.set(when)

    def tick(self) -> None:
        simulation.tick(self.session, self.scope, self.now)

    def run_until(self, until: datetime, step: timedelta = timedelta(days=1)) -> None:
        simulation.advance(
            lambda now: simulation.tick(self.session, self.scope, now), self.clock, until, step=step
        )

    # --- reading back -------------------------------------------------------------------------

    def positions(self, subscription: Subscription | None = None) -> list[OpenPosition]:
        statement = select(OpenPosition).where(OpenPosition.tenant_id == self.scope.tenant_id)
        if subscription is not None:
            statement = statement.where(OpenPosition.subscription_id == subscription.id)
        return list(self.session.scalars(statement.order_by(OpenPosition.period_start, OpenPosition.id)))

    def invoices(self) -> list[Invoice]:
        statement = select(Invoice).where(Invoice.tenant_id == self.scope.tenant_id).order_by(Invoice.id)
        return list(self.session.scalars(statement))

    def lines(self, invoice: Invoice) -> list[InvoiceLine]:
        statement = (
            select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position)
        )
        return list(self.session.scalars(statement))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def world(session: Session) -> Iterator[World]:
    with clock.frozen(utc(2027, 1, 1, 9)) as frozen:
        yield World(session, frozen)
