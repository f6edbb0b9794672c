"""Backorders, provider failures and the admin's retry, dunning's suspension, the one-time SSH key and
power actions: the provisioning domain against the fake Hetzner API through the real hcloud client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.audit.service import Actor
from backend.dunning.settings import update_dunning_settings
from backend.invoicing import service as invoicing
from backend.kit.errors import PermissionDenied
from backend.models import AuditLogEntry, Backorder, SubscriptionStatus
from backend.models.enums import BackorderStatus, ItemStatus, PowerState
from backend.provisioning import keys
from backend.provisioning.errors import KeyAlreadyRevealed, ServerNotOperable
from backend.provisioning.service import Servers
from tests.billing.world import utc
from tests.provisioning.prov_core_world import ServerWorld, servers_fixture  # noqa: F401 (the fixture)


def customer_actor(sw: ServerWorld, account_id: int, member_role: str = "owner") -> Actor:
    return Actor.customer(sw.scope.tenant_id, account_id, member_role=member_role)


def running(sw: ServerWorld, **options: str):  # type: ignore[no-untyped-def]
    customer = sw.world.customer()
    subscription = sw.order(customer, server_type="cx22", location="fsn1", **options)
    for _ in range(4):
        sw.tick()
    assert sw.item(subscription).status == ItemStatus.ACTIVE
    return customer, subscription


def test_a_backorder_waits_and_is_fulfilled_when_capacity_returns(servers: ServerWorld) -> None:
    servers.fake.sold_out("cx32", "nbg1")
    subscription = servers.order(
        servers.world.customer(), accept_backorder=True, server_type="cx32", location="nbg1"
    )
    assert subscription.status == SubscriptionStatus.PENDING_BACKORDER
    [backorder] = servers.session.scalars(
        select(Backorder).where(Backorder.subscription_id == subscription.id)
    )
    assert backorder.status == BackorderStatus.OPEN
    assert backorder.next_attempt_at == utc(2027, 3, 1, 9, 5)  # first retry after 5 minutes

    servers.tick(minutes=6)  # 09:06: asked again, still sold out; next in 10 minutes
    servers.session.refresh(backorder)
    assert (backorder.status, backorder.attempts) == (BackorderStatus.OPEN, 1)
    assert backorder.next_attempt_at == utc(2027, 3, 1, 9, 16)
    assert servers.fake.servers() == [] and servers.world.positions(subscription) == []

    servers.fake.sold_out("cx32", "nbg1", False)
    servers.tick(minutes=5)  # 09:11: not due yet
    assert servers.refreshed(subscription).status == SubscriptionStatus.PENDING_BACKORDER
    servers.tick(minutes=5)  # 09:16: due, available: fulfilled and created
    servers.session.refresh(backorder)
    assert backorder.status == BackorderStatus.FULFILLED and backorder.fulfilled_at == utc(2027, 3, 1, 9, 16)
    assert servers.refreshed(subscription).status == SubscriptionStatus.PROVISIONING
    assert len(servers.fake.servers()) == 1
    servers.fake.boot_now()
    servers.tick()
    assert servers.refreshed(subscription).status == SubscriptionStatus.ACTIVE
    [position] = servers.world.positions(subscription)
    assert position.period_start == utc(2027, 3, 1, 9, 17)


def test_a_customer_cancels_a_backorder_and_pays_nothing(servers: ServerWorld) -> None:
    servers.fake.sold_out("cx22", "fsn1")
    customer = servers.world.customer()
    subscription = servers.order(customer, accept_backorder=True, server_type="cx22", location="fsn1")
    item = servers.item(subscription)
    me = Servers(servers.session, servers.scope, customer_actor(servers, customer.id))  # type: ignore[arg-type]
    me.cancel_backorder_of_item(item.id, servers.world.now)  # type: ignore[arg-type]
    assert servers.refreshed(subscription).status == SubscriptionStatus.CANCELED
    assert servers.item(subscription).status == ItemStatus.DEPROVISIONED
    [backorder] = servers.session.scalars(
        select(Backorder).where(Backorder.subscription_id == subscription.id)
    )
    assert backorder.status == BackorderStatus.CANCELED
    servers.fake.sold_out("cx22", "fsn1", False)
    servers.tick(minutes=30)
    assert servers.fake.servers() == [] and servers.world.positions(subscription) == []
    assert servers.world.invoices() == []


def test_a_refused_server_fails_with_its_reason_and_an_admin_retry_succeeds(servers: ServerWorld) -> None:
    customer = servers.world.customer()
    subscription = servers.order(customer, server_type="cx22", location="fsn1")
    servers.fake.fail_next("POST", "/servers", 400, "invalid_input")
    servers.tick()
    item = servers.item(subscription)
    assert item.status == ItemStatus.FAILED
    assert item.failure_reason.startswith("The provider refused the server:")
    assert servers.fake.servers() == []
    assert servers.world.positions(subscription) == [] and servers.world.invoices() == []
    assert servers.refreshed(subscription).status == SubscriptionStatus.PROVISIONING
    view = Servers(servers.session, servers.scope, customer_actor(servers, customer.id)).get(item.id)  # type: ignore[arg-type]
    assert view.state == "failed" and view.failure_reason == item.failure_reason
    servers.tick(minutes=30)
    assert servers.fake.servers() == []  # a failed server waits for an admin

    admin = Servers(servers.session, servers.scope, servers.world.admin)
    assert admin.retry(item.id, servers.world.now).state == "pending"  # type: ignore[arg-type]
    servers.tick()
    servers.fake.boot_now()
    servers.tick()
    assert servers.item(subscription).status == ItemStatus.ACTIVE
    assert servers.refreshed(subscription).status == SubscriptionStatus.ACTIVE
    assert [e.event for e in admin.log_of(item.id)][:3] == ["ordered", "failed", "retry"]  # type: ignore[arg-type]


def test_a_retryable_error_is_tried_again_with_backoff(servers: ServerWorld) -> None:
    subscription = servers.order(servers.world.customer(), server_type="cx22", location="fsn1")
    servers.fake.fail_next("POST", "/servers", 503, "unavailable")
    servers.tick()  # 09:01: attempt 1 failed, next at 09:01:30
    item = servers.item(subscription)
    assert (item.status, item.attempts, item.next_attempt_at) == (
        ItemStatus.PENDING,
        1,
        utc(2027, 3, 1, 9, 1, 30),
    )
    servers.tick()  # 09:02: created
    assert servers.item(subscription).status == ItemStatus.PROVISIONING
    assert len(servers.fake.servers()) == 1


def test_dunning_stops_the_server_and_payment_starts_it_again(servers: ServerWorld) -> None:
    world = servers.world
    update_dunning_settings(
        world.session, world.scope, world.admin, reminder_offsets_days=[3], suspend_service=True
    )
    _, subscription = running(servers)
    [invoice] = world.invoices()
    world.run_until(invoice.due_at + timedelta(days=4), step=timedelta(hours=6))
    assert servers.refreshed(subscription).status == SubscriptionStatus.PAST_DUE
    item = servers.item(subscription)
    assert item.suspended_at is not None
    servers.fake.boot_now()
    servers.tick()
    servers.tick()
    item = servers.item(subscription)
    assert item.power_state == PowerState.STOPPED
    assert servers.fake.servers()[0]["status"] == "off"
    view = Servers(servers.session, servers.scope, world.admin).get(item.id)  # type: ignore[arg-type]
    assert view.state == "suspended" and not view.can_operate
    with pytest.raises(ServerNotOperable):
        Servers(servers.session, servers.scope, world.admin).action(item.id, "start", world.now)  # type: ignore[arg-type]

    invoicing.mark_paid(
        world.session, world.scope, invoice.id, world.now, actor=world.admin, reason="Transfer"
    )
    assert servers.refreshed(subscription).status == SubscriptionStatus.ACTIVE
    servers.tick()
    servers.fake.boot_now()
    servers.tick()
    item = servers.item(subscription)
    assert item.suspended_at is None and item.power_state == PowerState.RUNNING
    assert servers.fake.servers()[0]["status"] == "running"
    events = servers.events(item)
    assert events.index("suspend") < events.index("stop") < events.index("resume") < events.index("start")


def test_the_ssh_key_is_revealed_once_to_an_owner(servers: ServerWorld) -> None:
    customer, subscription = running(servers)
    item = servers.item(subscription)
    viewer = Servers(servers.session, servers.scope, customer_actor(servers, customer.id, "viewer"))  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        viewer.reveal_key(item.id, servers.world.now)  # type: ignore[arg-type]
    owner = Servers(servers.session, servers.scope, customer_actor(servers, customer.id))  # type: ignore[arg-type]
    revealed = owner.reveal_key(item.id, servers.world.now)  # type: ignore[arg-type]
    assert keys.public_of_private(revealed.private_key) == " ".join(item.ssh_public_key.split()[:2])
    assert revealed.fingerprint == keys.fingerprint(item.ssh_public_key)
    [hetzner_key] = servers.fake.ssh_keys()
    assert hetzner_key["public_key"] == item.ssh_public_key
    with pytest.raises(KeyAlreadyRevealed) as again:
        owner.reveal_key(item.id, servers.world.now)  # type: ignore[arg-type]
    assert again.value.http_status == 409
    audited = servers.session.scalars(
        select(AuditLogEntry.action).where(
            AuditLogEntry.tenant_id == servers.scope.tenant_id, AuditLogEntry.action.like("server.reveal%")
        )
    ).all()
    assert sorted(audited) == ["server.reveal_key", "server.reveal_key_refused"]
    assert "key_revealed" in servers.events(item)
    assert owner.get(item.id).key_revealed  # type: ignore[arg-type]


def test_power_actions_reach_the_server_and_stay_with_its_owner(servers: ServerWorld) -> None:
    customer, subscription = running(servers)
    item = servers.item(subscription)
    other = servers.world.customer()
    stranger = Servers(servers.session, servers.scope, customer_actor(servers, other.id))  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        stranger.action(item.id, "stop", servers.world.now)  # type: ignore[arg-type]
    assert stranger.of_customer(other.id) == []  # type: ignore[arg-type]
    owner = Servers(servers.session, servers.scope, customer_actor(servers, customer.id))  # type: ignore[arg-type]
    assert owner.action(item.id, "stop", servers.world.now).pending_action == "stop"  # type: ignore[arg-type]
    with pytest.raises(ServerNotOperable):
        owner.action(item.id, "reboot", servers.world.now)  # type: ignore[arg-type]
    servers.tick()
    assert servers.item(subscription).power_state == PowerState.STOPPING
    servers.fake.boot_now()
    servers.tick()
    assert servers.item(subscription).power_state == PowerState.STOPPED
    assert [v.state for v in owner.of_customer(customer.id)] == ["off"]  # type: ignore[arg-type]
