"""The servers gateway (backend/gateway/servers.py) and the order wizard on a committed shop whose plan
runs on Hetzner (the fake API, through the real hcloud client): availability with alternatives, an
order placed PROVISIONING, the job's units in their own transactions, the customer's servers, a power
action, the key revealed once (409 after, both audited), a backorder and its cancellation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select

from backend import clock
from backend.audit.service import Actor
from backend.catalog.plans import create_plan
from backend.catalog.schemas import PlanInput
from backend.customers.service import open_account_for_user
from backend.db import dispose_engines, unit_of_work
from backend.gateway import ordering, servers
from backend.gateway.ordering import OrderChoice
from backend.identity import auth
from backend.identity.repository import UserRepository
from backend.identity.users import create_user
from backend.integrations.cloud_provider import CloudProvider
from backend.integrations.hetzner_cloud import HetznerCloud
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.repository import TenantScope
from backend.models import (
    AuditLogEntry,
    CustomerProfile,
    CustomerType,
    ProviderKind,
    ServiceType,
    Subscription,
    SubscriptionStatus,
    Tenant,
    UserRole,
)
from backend.provisioning import keys
from backend.provisioning import service as provisioning
from backend.provisioning.errors import KeyAlreadyRevealed, ServerUnavailable
from backend.provisioning.providers import provider_token, seal_token
from backend.scheduling import simulation
from backend.settings import get_settings, load_settings
from backend.tenancy.service import create_tenant
from tests.fakes.hetzner_server import DEFAULT_TOKEN, FakeHetzner

NOW = datetime(2027, 5, 3, 8, tzinfo=UTC)
REQUEST = RequestContext(host="servers.test", ip_address="192.0.2.9")


@dataclass
class Shop:
    engine: Engine
    scope: TenantScope
    user: SignedInUser
    plan_id: int
    fake: FakeHetzner
    clock: clock.FrozenClock

    def run_jobs(self, minutes: int = 1) -> None:
        self.clock.set(self.clock.now() + timedelta(minutes=minutes))
        simulation.tick_in_units(
            partial(unit_of_work, self.engine), self.scope, self.clock.now(), only=["provisioning"]
        )

    def subscription(self, number: str) -> Subscription:
        with unit_of_work(self.engine) as session:
            row = session.scalars(
                select(Subscription).where(
                    Subscription.tenant_id == self.scope.tenant_id, Subscription.number == number
                )
            ).one()
            session.expunge(row)
            return row


@pytest.fixture
def shop(
    engine: Engine, hetzner: FakeHetzner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Shop]:
    slug = f"srv-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MAIL_DIR", str(tmp_path / "mail"))
    monkeypatch.setenv("TENANT_HOSTS", f"{REQUEST.host}={slug}")
    get_settings.cache_clear()
    dispose_engines()

    def opener(service_type: ServiceType) -> CloudProvider:
        return HetznerCloud(provider_token(service_type), hetzner.endpoint, poll_interval=0.01)

    provisioning.use_provider_opener(opener)
    with clock.frozen(NOW) as frozen:
        with unit_of_work(engine) as session:
            tenant = create_tenant(session, slug=slug, name="Server Shop", settings=load_settings())
            tenant.issuer_country, tenant.time_zone = "DE", "Europe/Berlin"
            scope = TenantScope(tenant.id or 0)
            cloud = ServiceType(
                tenant_id=scope.tenant_id, key="cloud", name="Cloud", provider=ProviderKind.HETZNER
            )
            session.add(cloud)
            session.flush()
            cloud.provider_secrets_encrypted = seal_token(cloud, DEFAULT_TOKEN)
            options = {"server_type": ["cx22", "cx32"], "location": ["fsn1", "nbg1"]}
            plan = create_plan(
                session,
                scope,
                PlanInput(
                    key="cloud-s",
                    name="Cloud S",
                    base_price=Decimal("8.00"),
                    allowed_options=options,
                    service_type_id=cloud.id,
                ),
                Actor.admin(scope.tenant_id),
            )
            email = f"owner@{slug}.test"
            created = create_user(
                session, scope, email=email, password="Servers-pass-2027!", role=UserRole.CUSTOMER
            )
            profile = CustomerProfile(
                name="Erika Muster",
                country="DE",
                email=email,
                customer_type=CustomerType.PRIVATE,
                address_line1="Hauptstr. 1",
                postal_code="80331",
                city="München",
            )
            open_account_for_user(session, scope, created, profile)
            user = auth.signed_in_user(
                session, scope, UserRepository(session, scope).get_or_raise(created.id or 0)
            )
        yield Shop(engine, scope, user, plan.id or 0, hetzner, frozen)
    provisioning.use_provider_opener(None)
    with unit_of_work(engine) as session:
        session.execute(delete(Tenant).where(Tenant.id == scope.tenant_id))  # type: ignore[arg-type]
    get_settings.cache_clear()
    dispose_engines()


def choice(shop: Shop, location: str = "nbg1", **fields: object) -> OrderChoice:
    return OrderChoice(shop.plan_id, {"server_type": "cx22", "location": location}, **fields)  # type: ignore[arg-type]


def test_availability_names_the_alternatives_and_a_refused_order_creates_nothing(shop: Shop) -> None:
    fine = servers.check_availability(shop.user, "cloud-s", {"server_type": "cx22", "location": "nbg1"})
    assert fine.provisioned and fine.available
    shop.fake.sold_out("cx22", "nbg1")
    sold = servers.check_availability(shop.user, "cloud-s", {"server_type": "cx22", "location": "nbg1"})
    assert not sold.available and sold.backorder_possible
    assert ("cx22", "fsn1") in [(o.server_type, o.location) for o in sold.alternatives]
    with pytest.raises(ServerUnavailable):
        ordering.place_order(REQUEST, shop.user, choice(shop), f"order-{uuid.uuid4().hex}")
    assert servers.my_servers(shop.user) == []

    number = ordering.place_order(
        REQUEST, shop.user, choice(shop, accept_backorder=True), f"order-{uuid.uuid4().hex}"
    )
    assert shop.subscription(number).status == SubscriptionStatus.PENDING_BACKORDER
    [server] = servers.my_servers(shop.user)
    assert server.state == "backordered"
    servers.cancel_backorder(shop.user, server.item_id)
    assert shop.subscription(number).status == SubscriptionStatus.CANCELED
    assert servers.my_servers(shop.user) == []
    assert shop.fake.servers() == []


def test_an_order_runs_through_the_job_and_its_owner_powers_it_and_reveals_the_key_once(shop: Shop) -> None:
    number = ordering.place_order(REQUEST, shop.user, choice(shop), f"order-{uuid.uuid4().hex}")
    assert shop.subscription(number).status == SubscriptionStatus.PROVISIONING
    shop.run_jobs()
    shop.fake.boot_now()
    shop.run_jobs()
    [server] = servers.my_servers(shop.user)
    assert server.state == "running" and server.can_operate and server.key_available
    assert shop.subscription(number).status == SubscriptionStatus.ACTIVE

    assert servers.server_action(shop.user, server.item_id, "stop").pending_action == "stop"
    shop.run_jobs()
    shop.fake.boot_now()
    shop.run_jobs()
    assert servers.my_servers(shop.user)[0].state == "off"

    revealed = servers.reveal_ssh_key(shop.user, server.item_id)
    assert revealed.fingerprint == keys.fingerprint(revealed.public_key)
    assert keys.public_of_private(revealed.private_key) == " ".join(revealed.public_key.split()[:2])
    with pytest.raises(KeyAlreadyRevealed):
        servers.reveal_ssh_key(shop.user, server.item_id)
    with unit_of_work(shop.engine) as session:
        actions = session.scalars(
            select(AuditLogEntry.action).where(
                AuditLogEntry.tenant_id == shop.scope.tenant_id, AuditLogEntry.action.like("server.reveal%")
            )
        ).all()
    assert sorted(actions) == ["server.reveal_key", "server.reveal_key_refused"]
