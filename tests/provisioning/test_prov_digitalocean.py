"""DigitalOcean specifics the contract suite does not cover: labels as tags, the SSH key, paging,
statuses while an action runs, and error ids."""

from __future__ import annotations

import pytest

from backend.integrations import digitalocean
from backend.integrations.cloud_provider import ProviderError, ServerSpec
from backend.integrations.digitalocean import DigitalOcean
from tests.fakes.digitalocean_server import DEFAULT_TOKEN, FakeDigitalOcean

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl order@test"


@pytest.fixture
def do(digitalocean: FakeDigitalOcean) -> FakeDigitalOcean:
    return digitalocean


def spec(name: str, **labels: str) -> ServerSpec:
    return ServerSpec(name, "s-1vcpu-2gb", "fra1", "debian-12-x64", KEY, "#cloud-config\n", labels)


def test_labels_travel_as_key_value_tags_and_the_key_as_an_account_key(do: FakeDigitalOcean) -> None:
    cloud = DigitalOcean(DEFAULT_TOKEN, do.base_url)
    ref = cloud.create(spec("tags.example.net", tenant="4", item="17")).ref

    [droplet] = do.droplets()
    assert droplet["tags"] == ["tenant:4", "item:17"]
    assert droplet["features"] == ["ipv6", "droplet_agent"]
    [key] = do.ssh_keys()
    assert (key["name"], key["public_key"]) == ("tags.example.net", KEY)
    assert [k["id"] for k in do.ssh_keys()] == [key["id"]]
    cloud.delete(ref)
    assert (do.droplets(), do.ssh_keys()) == ([], [])


def test_list_reads_every_page(do: FakeDigitalOcean, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digitalocean, "PER_PAGE", 2)
    cloud = DigitalOcean(DEFAULT_TOKEN, do.base_url)
    for n in range(5):
        cloud.create(ServerSpec(f"p{n}.example.net", "s-1vcpu-2gb", "fra1", "debian-12-x64", KEY))
    before = do.calls[("GET", "/droplets")]
    assert [s.name for s in cloud.list_servers()] == [f"p{n}.example.net" for n in range(5)]
    assert do.calls[("GET", "/droplets")] - before == 3


@pytest.mark.parametrize(
    ("status", "error_id", "retryable"),
    [(429, "too_many_requests", True), (500, "server_error", True), (403, "forbidden", False)],
)
def test_error_ids_become_codes(do: FakeDigitalOcean, status: int, error_id: str, retryable: bool) -> None:
    do.fail_next("GET", "/droplets", status, error_id)
    with pytest.raises(ProviderError) as failed:
        DigitalOcean(DEFAULT_TOKEN, do.base_url).list_servers()
    assert (failed.value.code, failed.value.retryable) == (error_id, retryable)


def test_an_unreachable_api_is_retryable() -> None:
    with FakeDigitalOcean() as fake:
        base_url = fake.base_url
    with pytest.raises(ProviderError) as failed:
        DigitalOcean(DEFAULT_TOKEN, base_url, timeout=2).list_servers()
    assert (failed.value.code, failed.value.retryable) == ("connection_error", True)
