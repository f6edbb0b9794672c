"""Provision, then bill: an order of a Hetzner plan runs through the provisioning coordinator against
the fake Hetzner API (the real hcloud client), and billing starts when the server runs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from backend.models import SubscriptionStatus
from backend.models.enums import ItemStatus, PowerState
from backend.provisioning.errors import BadHostname, ServerUnavailable
from tests.billing.world import utc
from tests.provisioning.prov_core_world import ServerWorld, servers_fixture  # noqa: F401 (the fixture)


def test_an_order_is_provisioned_then_billed_from_activation(servers: ServerWorld) -> None:
    customer = servers.world.customer()
    subscription = servers.order(customer, server_type="cx22", location="nbg1")

    assert subscription.status == SubscriptionStatus.PROVISIONING
    assert subscription.next_billing_at is None and subscription.anchor_at is None
    assert servers.world.positions(subscription) == []
    item = servers.item(subscription)
    assert (item.status, item.server_type, item.location, item.image) == (
        ItemStatus.PENDING,
        "cx22",
        "nbg1",
        "ubuntu-24.04",
    )
    number = int(subscription.number.rsplit("-", 1)[1])
    assert item.hostname == f"cloud-s-{number}.example.net"
    assert item.ssh_public_key.startswith("ssh-ed25519 ")

    servers.tick()  # 09:01: created at the fake, initializing
    item = servers.item(subscription)
    assert item.status == ItemStatus.PROVISIONING
    [server] = servers.fake.servers()
    assert server["name"] == item.hostname and server["status"] == "initializing"
    assert server["labels"] == {"billing-tenant": str(servers.scope.tenant_id), "billing-item": str(item.id)}
    assert servers.world.positions(subscription) == []

    servers.tick()  # 09:02: still initializing at the fake (two polls)
    assert servers.item(subscription).status == ItemStatus.PROVISIONING
    servers.fake.boot_now()
    servers.tick(minutes=3)  # 09:05: running
    item = servers.item(subscription)
    assert (item.status, item.power_state) == (ItemStatus.ACTIVE, PowerState.RUNNING)
    assert item.ipv4 and item.ipv4 == servers.fake.servers()[0]["public_net"]["ipv4"]["ip"]
    activated = utc(2027, 3, 1, 9, 5)
    assert item.activated_at == activated

    subscription = servers.refreshed(subscription)
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.started_at == activated
    [position] = servers.world.positions(subscription)
    # the plan costs 10.00 a month, charged in advance from the moment the server ran
    assert position.period_start == activated
    # one month on the tenant's Berlin clock: 10:05 CET on 1 March to 10:05 CEST on 1 April = 08:05 UTC
    assert position.period_end == utc(2027, 4, 1, 8, 5)
    assert position.amount == Decimal("10.00")
    assert servers.events(item) == ["ordered", "create", "running"]


def test_running_the_unit_again_creates_no_second_server(servers: ServerWorld) -> None:
    subscription = servers.order(servers.world.customer(), server_type="cx22", location="fsn1")
    servers.tick()
    servers.tick()
    servers.tick()
    servers.tick()
    assert len(servers.fake.servers()) == 1
    assert servers.item(subscription).status == ItemStatus.ACTIVE
    assert len(servers.world.positions(subscription)) == 1


def test_a_unit_killed_after_the_create_adopts_the_server_it_made(servers: ServerWorld) -> None:
    subscription = servers.order(servers.world.customer(), server_type="cx22", location="fsn1")
    item = servers.item(subscription)
    # the killed unit: the server exists at the provider, the item never heard of it
    from backend.integrations.cloud_provider import ServerSpec
    from backend.provisioning import service as provisioning

    provider = provisioning.open_provider_of(servers.service_type)
    labels = {"billing-tenant": str(servers.scope.tenant_id), "billing-item": str(item.id)}
    provider.create(
        ServerSpec(item.hostname, "cx22", "fsn1", "ubuntu-24.04", item.ssh_public_key, labels=labels)
    )

    servers.tick()
    item = servers.item(subscription)
    assert item.status == ItemStatus.PROVISIONING
    assert len(servers.fake.servers()) == 1
    assert item.provider_ref == str(servers.fake.servers()[0]["id"])
    assert "adopted" in " ".join(
        e.message for e in provisioning.LogRepository(servers.session, servers.scope).of_item(item.id)
    )  # type: ignore[arg-type]


def test_a_sold_out_server_is_refused_with_the_alternatives(servers: ServerWorld) -> None:
    servers.fake.sold_out("cx22", "nbg1")
    customer = servers.world.customer()
    with pytest.raises(ServerUnavailable) as refused:
        servers.order(customer, server_type="cx22", location="nbg1")
    assert "cx22 in fsn1" in str(refused.value)
    assert "backorder" in str(refused.value)
    assert servers.fake.servers() == []


def test_a_hostname_that_is_no_dns_label_is_refused(servers: ServerWorld) -> None:
    with pytest.raises(BadHostname):
        servers.order(servers.world.customer(), server_type="cx22", location="nbg1", hostname="-bad-")
    sub = servers.order(servers.world.customer(), server_type="cx22", location="nbg1", hostname="web1")
    assert servers.item(sub).hostname == "web1.example.net"


def test_canceling_a_provisioning_order_ends_it_at_once_and_deletes_its_server(servers: ServerWorld) -> None:
    customer = servers.world.customer()
    subscription = servers.order(customer, server_type="cx22", location="fsn1", hostname="web2")
    servers.tick()
    assert len(servers.fake.servers()) == 1
    servers.world.lifecycle().cancel(subscription.id, servers.world.now)  # type: ignore[arg-type]
    assert servers.refreshed(subscription).status == SubscriptionStatus.CANCELED
    servers.tick()
    item = servers.item(subscription)
    assert item.status == ItemStatus.DEPROVISIONED and item.deprovisioned_at is not None
    assert servers.fake.servers() == []
    assert servers.world.positions(subscription) == [] and servers.world.invoices() == []
    # the hostname is free again
    again = servers.order(customer, server_type="cx22", location="fsn1", hostname="web2")
    assert servers.item(again).hostname == "web2.example.net"


def test_a_running_server_is_deleted_when_its_cancellation_takes_effect(servers: ServerWorld) -> None:
    subscription = servers.order(servers.world.customer(), server_type="cx22", location="fsn1")
    for _ in range(4):
        servers.tick()
    assert servers.item(subscription).status == ItemStatus.ACTIVE
    servers.world.lifecycle().cancel_immediately(subscription.id, servers.world.now)  # type: ignore[arg-type]
    servers.tick()
    assert servers.item(subscription).status == ItemStatus.DEPROVISIONED
    assert servers.fake.servers() == []
    assert servers.events(servers.item(subscription))[-1] == "delete"
    _ = timedelta


def test_a_failed_deletion_is_tried_again_later_not_at_every_tick(servers: ServerWorld) -> None:
    subscription = servers.order(servers.world.customer(), server_type="cx22", location="fsn1")
    for _ in range(4):
        servers.tick()
    assert servers.item(subscription).status == ItemStatus.ACTIVE
    servers.world.lifecycle().cancel_immediately(subscription.id, servers.world.now)  # type: ignore[arg-type]
    servers.fake.fail_next("DELETE", "/servers", 503, "unavailable")
    servers.tick()
    item = servers.item(subscription)
    assert item.status == ItemStatus.ACTIVE and len(servers.fake.servers()) == 1
    assert servers.events(item).count("delete") == 1
    # The first retry waits 30 s: the next ticks within it leave the server and the log alone.
    servers.tick(minutes=0)
    assert servers.events(servers.item(subscription)).count("delete") == 1
    servers.tick()
    assert servers.item(subscription).status == ItemStatus.DEPROVISIONED
    assert servers.fake.servers() == []
