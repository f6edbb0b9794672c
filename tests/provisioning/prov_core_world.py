"""The provisioning domain's world: a billing world with a Hetzner service type and plan, whose
provider is the real hcloud client talking to the fake Hetzner API (tests/fakes/hetzner_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from backend import clock
from backend.integrations.cloud_provider import CloudProvider
from backend.integrations.hetzner_cloud import HetznerCloud
from backend.kit.repository import TenantScope
from backend.models import (
    CustomerAccount,
    Plan,
    ProviderKind,
    ProvisioningLogEntry,
    ServiceType,
    Subscription,
    SubscriptionItem,
)
from backend.provisioning import service as provisioning
from backend.provisioning.providers import provider_token, seal_token
from backend.subscriptions.ordering import OrderRequest
from tests.billing.world import World, utc
from tests.fakes.hetzner_server import DEFAULT_TOKEN, FakeHetzner

START = utc(2027, 3, 1, 9)


@dataclass
class ServerWorld:
    world: World
    fake: FakeHetzner
    service_type: ServiceType
    plan: Plan

    @property
    def session(self) -> Session:
        return self.world.session

    @property
    def scope(self) -> TenantScope:
        return self.world.scope

    def order(
        self,
        customer: CustomerAccount,
        *,
        accept_backorder: bool = False,
        plan: Plan | None = None,
        **options: Any,
    ) -> Subscription:
        """What gateway.ordering.place_order does: capacity asked first, then the order and its server."""
        plan = plan or self.plan
        assert customer.id is not None and plan.id is not None
        target = provisioning.order_target(self.session, self.scope, plan.id, options)
        assert target is not None
        availability = provisioning.probe(target)
        lifecycle = self.world.lifecycle()
        savepoint = self.session.begin_nested()
        try:
            subscription = lifecycle.order(
                OrderRequest(customer.id, plan.id, options), self.world.now, provision=True
            )
            provisioning.provision_order(
                self.session,
                self.scope,
                self.world.admin,
                subscription,
                target,
                availability,
                accept_backorder=accept_backorder,
                now=self.world.now,
            )
        except Exception:
            savepoint.rollback()
            raise
        savepoint.commit()
        return subscription

    def tick(self, minutes: int = 1) -> None:
        """Move the clock and run every coordinator once, as the scheduler does."""
        self.world.at(self.world.now + timedelta(minutes=minutes))
        self.world.tick()

    def item(self, subscription: Subscription) -> SubscriptionItem:
        row = self.session.scalars(
            select(SubscriptionItem).where(SubscriptionItem.subscription_id == subscription.id)
        ).one()
        self.session.refresh(row)
        return row

    def events(self, item: SubscriptionItem) -> list[str]:
        rows = self.session.scalars(
            select(ProvisioningLogEntry)
            .where(ProvisioningLogEntry.item_id == item.id)
            .order_by(ProvisioningLogEntry.id)
        )
        return [row.event for row in rows]

    def refreshed(self, subscription: Subscription) -> Subscription:
        self.session.refresh(subscription)
        return subscription


def _hetzner_of(fake: FakeHetzner) -> provisioning.ProviderOpener:
    def opener(service_type: ServiceType) -> CloudProvider:
        return HetznerCloud(provider_token(service_type), fake.endpoint, poll_interval=0.01)

    return opener


@pytest.fixture(name="servers")
def servers_fixture(session: Session, hetzner: FakeHetzner) -> Iterator[ServerWorld]:
    with clock.frozen(START) as frozen:
        world = World(session, frozen)
        service_type = ServiceType(
            tenant_id=world.scope.tenant_id,
            key="cloud",
            name="Cloud servers",
            provider=ProviderKind.HETZNER,
            provider_defaults={"image": "ubuntu-24.04", "domain": "example.net"},
            cloud_init_template="#cloud-config\nhostname: {{hostname}}\n# {{ subscription_number }}\n",
        )
        session.add(service_type)
        session.flush()
        service_type.provider_secrets_encrypted = seal_token(service_type, DEFAULT_TOKEN)
        plan = world.plan(
            "cloud-s",
            "10.00",
            name="Cloud S",
            service_type_id=service_type.id,
            allowed_options={
                "server_type": ["cx22", "cx32"],
                "location": ["fsn1", "nbg1"],
                "hostname": "any",
            },
        )
        provisioning.use_provider_opener(_hetzner_of(hetzner))
        try:
            yield ServerWorld(world, hetzner, service_type, plan)
        finally:
            provisioning.use_provider_opener(None)
