"""Committed rows for the status tests and bench: a tenant with one provisioned service type whose
ACTIVE items run on servers of a fake provider account (the hub reads them in its own units of work,
so they cannot live in a rolled-back test session)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine

from backend.db import unit_of_work
from backend.kit.principals import SignedInUser
from backend.models import (
    CustomerAccount,
    CustomerType,
    ItemStatus,
    Plan,
    PowerState,
    ProviderKind,
    ServiceType,
    Subscription,
    SubscriptionItem,
    SubscriptionStatus,
)
from backend.provisioning.providers import seal_token
from backend.settings import load_settings
from backend.tenancy.service import create_tenant


@dataclass
class Shop:
    tenant_id: int
    service_type_id: int
    subscription_id: int
    item_ids: list[int]

    def viewer(self, n: int = 0) -> SignedInUser:
        return SignedInUser(n + 1, self.tenant_id, f"v{n}@example.test", f"Viewer {n}", "customer", 1, None)


def shop(
    engine: Engine,
    refs: list[str],
    *,
    token: str,
    provider: ProviderKind = ProviderKind.HETZNER,
    item_status: ItemStatus = ItemStatus.ACTIVE,
) -> Shop:
    """A new tenant whose service type runs on the account of `token`, one ACTIVE item per ref."""
    tag = uuid.uuid4().hex[:10]
    with unit_of_work(engine) as session:
        tenant = create_tenant(session, slug=f"prov-{tag}", name=f"Prov {tag}", settings=load_settings())
        assert tenant.id is not None
        service_type = ServiceType(tenant_id=tenant.id, key=f"vps-{tag}", name="VPS", provider=provider)
        session.add(service_type)
        session.flush()
        assert service_type.id is not None
        service_type.provider_secrets_encrypted = seal_token(service_type, token)
        customer = CustomerAccount(
            tenant_id=tenant.id, number="C-00001", name="Customer", customer_type=CustomerType.PRIVATE
        )
        plan = Plan(
            tenant_id=tenant.id,
            service_type_id=service_type.id,
            key="vps",
            name="VPS",
            base_price=Decimal("5"),
        )
        session.add_all([customer, plan])
        session.flush()
        assert customer.id is not None and plan.id is not None
        subscription = Subscription(
            tenant_id=tenant.id,
            number=f"S-{tag}",
            customer_account_id=customer.id,
            plan_id=plan.id,
            status=SubscriptionStatus.ACTIVE,
        )
        session.add(subscription)
        session.flush()
        assert subscription.id is not None
        items = [
            SubscriptionItem(
                tenant_id=tenant.id,
                subscription_id=subscription.id,
                provider=provider,
                service_type_id=service_type.id,
                provider_ref=ref,
                hostname=f"h{n}-{tag}.example.net",
                status=item_status,
                power_state=PowerState.UNKNOWN,
            )
            for n, ref in enumerate(refs)
        ]
        session.add_all(items)
        session.flush()
        return Shop(tenant.id, service_type.id, subscription.id, [i.id for i in items if i.id is not None])
