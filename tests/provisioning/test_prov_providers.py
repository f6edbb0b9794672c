"""One contract for every cloud provider (backend/integrations/cloud_provider.py): Hetzner and
DigitalOcean through their real clients against the fake APIs in tests/fakes, and the simulated
provider on both databases with a moved clock. Expected values are written out by hand."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from backend import clock
from backend.db import make_engine
from backend.integrations.cloud_provider import (
    CloudProvider,
    Offer,
    ProviderError,
    ServerNotFound,
    ServerSpec,
)
from backend.integrations.cloud_providers import open_provider
from backend.integrations.digitalocean import DigitalOcean
from backend.integrations.hetzner_cloud import HetznerCloud
from backend.integrations.simulated_cloud import SimulatedCloud
from backend.models import ProviderKind
from tests.fakes.digitalocean_server import FakeDigitalOcean
from tests.fakes.hetzner_server import FakeHetzner

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl order@test"


@dataclass
class Cloud:
    """One provider under test and the hands that play the outside world for it."""

    kind: str
    provider: CloudProvider
    types: tuple[str, str, str]  # smallest to largest
    locations: tuple[str, str, str]
    image: str
    settle: Callable[[], None]  # let every transition under way finish
    sell_out: Callable[[str, str], CloudProvider]  # -> the provider that sees it sold out
    wrong_token: Callable[[], CloudProvider] | None
    fail_next_list: Callable[[], None] | None  # the next list call answers 5xx

    def spec(self, name: str, **labels: str) -> ServerSpec:
        return ServerSpec(name, self.types[0], self.locations[0], self.image, KEY, "#cloud-config\n", labels)


@pytest.fixture(params=["hetzner", "digitalocean", "simulated-postgresql", "simulated-sqlite"])
def cloud(request: pytest.FixtureRequest) -> Iterator[Cloud]:
    kind = request.param
    if kind == "hetzner":
        with FakeHetzner(["hz-a"]) as hz:

            def hz_sold_out(server_type: str, location: str) -> CloudProvider:
                hz.sold_out(server_type, location)
                return provider

            provider = HetznerCloud("hz-a", hz.endpoint, poll_interval=0.01)
            yield Cloud(
                kind,
                provider,
                ("cx22", "cx32", "cx42"),
                ("fsn1", "nbg1", "hel1"),
                "ubuntu-24.04",
                hz.boot_now,
                hz_sold_out,
                lambda: HetznerCloud("not-a-token", hz.endpoint),
                lambda: hz.fail_next("GET", "/servers", 503, "unavailable"),
            )
    elif kind == "digitalocean":
        with FakeDigitalOcean(["do-a"]) as do:

            def do_sold_out(size: str, region: str) -> CloudProvider:
                do.sold_out(size, region)
                return provider

            provider = DigitalOcean("do-a", do.base_url)
            yield Cloud(
                kind,
                provider,
                ("s-1vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb"),
                ("fra1", "ams3", "lon1"),
                "debian-12-x64",
                do.boot_now,
                do_sold_out,
                lambda: DigitalOcean("not-a-token", do.base_url),
                lambda: do.fail_next("GET", "/droplets", 503, "service_unavailable"),
            )
    else:
        url = request.getfixturevalue("pg_url" if kind.endswith("postgresql") else "sqlite_url")
        engine: Engine = make_engine(url)
        account = f"sim-{uuid.uuid4().hex[:12]}"
        with clock.frozen(datetime(2026, 12, 7, 9, 0, tzinfo=UTC)) as frozen:
            sold: list[str] = []

            def sim_sold_out(server_type: str, location: str) -> CloudProvider:
                sold.append(f"{server_type}@{location}")
                return SimulatedCloud(account, engine=engine, boot_seconds=5, sold_out=",".join(sold))

            yield Cloud(
                kind,
                SimulatedCloud(account, engine=engine, boot_seconds=5, sold_out=""),
                ("cx22", "cx32", "cx42"),
                ("fsn1", "nbg1", "hel1"),
                "debian-12",
                lambda: frozen.advance(timedelta(seconds=5)),
                sim_sold_out,
                None,
                None,
            )
        engine.dispose()


def test_create_returns_an_initializing_server_that_then_runs_with_addresses(cloud: Cloud) -> None:
    p = cloud.provider
    created = p.create(cloud.spec("web-1.example.net", tenant="4", item="17"))
    assert (created.name, created.status) == ("web-1.example.net", "initializing")
    assert (created.server_type, created.location) == (cloud.types[0], cloud.locations[0])
    assert created.labels == {"tenant": "4", "item": "17"}

    assert p.status(created.ref).status == "initializing"
    cloud.settle()
    running = p.status(created.ref)
    assert running.status == "running"
    assert running.ipv4.count(".") == 3
    assert ":" in running.ipv6
    assert running.ref == created.ref


def test_find_by_labels_and_list_servers(cloud: Cloud) -> None:
    p = cloud.provider
    a = p.create(cloud.spec("a.example.net", tenant="4", item="1"))
    b = p.create(cloud.spec("b.example.net", tenant="4", item="2"))
    c = p.create(cloud.spec("c.example.net", tenant="5", item="1"))

    assert [s.ref for s in p.find({"tenant": "4", "item": "2"})] == [b.ref]
    assert sorted(s.ref for s in p.find({"tenant": "4"})) == sorted([a.ref, b.ref])
    assert [s.ref for s in p.find({"item": "1", "tenant": "5"})] == [c.ref]
    assert p.find({"tenant": "6"}) == []
    assert sorted(s.name for s in p.list_servers()) == ["a.example.net", "b.example.net", "c.example.net"]


def test_stop_start_and_reboot_move_the_server_through_its_states(cloud: Cloud) -> None:
    p = cloud.provider
    ref = p.create(cloud.spec("power.example.net")).ref
    cloud.settle()
    assert p.status(ref).status == "running"

    p.stop(ref)
    assert p.status(ref).status == "stopping"
    cloud.settle()
    assert p.status(ref).status == "off"

    p.start(ref)
    assert p.status(ref).status == "starting"
    cloud.settle()
    assert p.status(ref).status == "running"

    p.reboot(ref)
    assert p.status(ref).status in {"starting", "stopping"}
    cloud.settle()
    assert p.status(ref).status == "running"


def test_resize_needs_the_server_off_and_keeps_it(cloud: Cloud) -> None:
    p = cloud.provider
    ref = p.create(cloud.spec("resize.example.net")).ref
    cloud.settle()
    with pytest.raises(ProviderError) as running:
        p.resize(ref, cloud.types[1])
    assert (running.value.code, running.value.retryable) == ("server_not_stopped", False)

    p.stop(ref)
    cloud.settle()
    p.resize(ref, cloud.types[1])
    cloud.settle()
    after = p.status(ref)
    assert (after.server_type, after.status) == (cloud.types[1], "off")


def test_delete_is_idempotent_and_the_server_is_then_not_found(cloud: Cloud) -> None:
    p = cloud.provider
    ref = p.create(cloud.spec("gone.example.net")).ref
    p.delete(ref)
    p.delete(ref)
    with pytest.raises(ServerNotFound):
        p.status(ref)
    assert p.list_servers() == []
    p.create(cloud.spec("gone.example.net"))  # the name is free again


def test_availability_when_sold_out_offers_other_locations_then_other_types(cloud: Cloud) -> None:
    small, medium, large = cloud.types
    first, second, third = cloud.locations
    assert cloud.provider.availability(medium, first).available

    cloud.sell_out(medium, first)
    p = cloud.sell_out(medium, third)
    offer = p.availability(medium, first)
    assert not offer.available
    assert offer.reason == f"{medium} is sold out in {first}"
    # the same type elsewhere, then the same location: larger types from the next size up, then smaller
    assert offer.alternatives == [Offer(medium, second), Offer(large, first), Offer(small, first)]
    with pytest.raises(ProviderError) as refused:
        p.create(ServerSpec("full.example.net", medium, first, cloud.image, KEY))
    assert (refused.value.code, refused.value.retryable) == ("resource_unavailable", True)


def test_a_second_server_of_one_name_is_a_uniqueness_error(cloud: Cloud) -> None:
    p = cloud.provider
    p.create(cloud.spec("twin.example.net"))
    with pytest.raises(ProviderError) as twin:
        p.create(cloud.spec("twin.example.net"))
    assert (twin.value.code, twin.value.retryable) == ("uniqueness_error", False)
    assert len(p.list_servers()) == 1


def test_a_wrong_token_is_not_retryable(cloud: Cloud) -> None:
    if cloud.wrong_token is None:
        pytest.skip("the simulated provider has no tokens to get wrong: its token names the account")
    wrong = cloud.wrong_token()
    with pytest.raises(ProviderError) as refused:
        wrong.list_servers()
    assert (refused.value.code, refused.value.retryable) == ("unauthorized", False)
    health = wrong.health()
    assert not health.ok
    assert "unauthorized" in health.detail


def test_a_server_error_is_retryable(cloud: Cloud) -> None:
    if cloud.fail_next_list is None:
        pytest.skip("the simulated provider has no HTTP to fail")
    cloud.fail_next_list()
    with pytest.raises(ProviderError) as failed:
        cloud.provider.list_servers()
    assert failed.value.retryable
    assert cloud.provider.list_servers() == []  # the next call goes through


def test_health_is_ok_with_a_good_token(cloud: Cloud) -> None:
    health = cloud.provider.health()
    assert health.ok
    assert health.detail.endswith(" ms")


def test_status_of_an_unknown_ref_is_not_found(cloud: Cloud) -> None:
    for ref in ["999999999", "not-a-number"]:
        with pytest.raises(ServerNotFound):
            cloud.provider.status(ref)


def test_open_provider_opens_each_kind() -> None:
    with FakeHetzner(["hz-a"]) as hz, FakeDigitalOcean(["do-a"]) as do:
        hetzner = open_provider(ProviderKind.HETZNER, "hz-a", endpoint=hz.endpoint)
        digitalocean = open_provider("digitalocean", "do-a", endpoint=do.base_url)
        assert isinstance(hetzner, HetznerCloud)
        assert isinstance(digitalocean, DigitalOcean)
        assert hetzner.health().ok
        assert digitalocean.health().ok
    simulated = open_provider(ProviderKind.SIMULATED, "acct-1")
    assert isinstance(simulated, SimulatedCloud)
    assert simulated.account == "acct-1"
    with pytest.raises(ProviderError):
        open_provider(ProviderKind.NONE, "")
    with pytest.raises(ValueError):
        open_provider("aws", "t")
