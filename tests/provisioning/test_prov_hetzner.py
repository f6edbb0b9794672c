"""Hetzner Cloud specifics the contract suite (test_prov_providers.py) does not cover: the SSH key
object, paging, projects per token, the label selector and the mapping of Hetzner's error codes."""

from __future__ import annotations

import pytest

from backend.integrations.cloud_provider import ProviderError, ServerNotFound, ServerSpec
from backend.integrations.hetzner_cloud import HetznerCloud
from tests.fakes.hetzner_server import DEFAULT_TOKEN, FakeHetzner

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl order@test"


def spec(name: str, **labels: str) -> ServerSpec:
    return ServerSpec(name, "cx22", "fsn1", "ubuntu-24.04", KEY, user_data="#cloud-config\n", labels=labels)


def provider(fake: FakeHetzner, token: str = DEFAULT_TOKEN) -> HetznerCloud:
    return HetznerCloud(token, fake.endpoint, poll_interval=0.01)


def test_the_key_is_an_hcloud_ssh_key_named_after_the_server_and_goes_with_it(hetzner: FakeHetzner) -> None:
    cloud = provider(hetzner)
    state = cloud.create(spec("key-1.example.net"))

    [key] = hetzner.ssh_keys()
    assert (key["name"], key["public_key"]) == ("key-1.example.net", KEY)
    assert len(hetzner.servers()) == 1
    cloud.delete(state.ref)
    assert hetzner.ssh_keys() == []
    assert hetzner.servers() == []


def test_a_failed_create_leaves_no_key_behind(hetzner: FakeHetzner) -> None:
    hetzner.sold_out("cx22", "fsn1")
    with pytest.raises(ProviderError) as failed:
        provider(hetzner).create(spec("key-2.example.net"))
    assert (failed.value.code, failed.value.retryable) == ("resource_unavailable", True)
    assert hetzner.ssh_keys() == []


def test_a_create_retried_after_a_crash_reuses_the_key_it_left(hetzner: FakeHetzner) -> None:
    cloud = provider(hetzner)
    hetzner.fail_next("POST", "/servers", 500, "server_error")
    with pytest.raises(ProviderError) as failed:
        cloud.create(spec("key-3.example.net"))
    assert failed.value.retryable
    cloud.create(spec("key-3.example.net"))  # the key of the first try was forgotten or is reused
    assert [k["name"] for k in hetzner.ssh_keys()] == ["key-3.example.net"]


def test_list_servers_reads_every_page_and_find_uses_the_label_selector(hetzner: FakeHetzner) -> None:
    cloud = provider(hetzner)
    for n in range(57):  # more than one page of 50
        cloud.create(spec(f"page-{n}.example.net", tenant="7" if n % 2 else "8", item=str(n)))
    before = hetzner.calls[("GET", "/servers")]

    assert len(cloud.list_servers()) == 57
    assert hetzner.calls[("GET", "/servers")] - before == 2
    found = cloud.find({"tenant": "7", "item": "13"})
    assert [s.name for s in found] == ["page-13.example.net"]
    assert len(cloud.find({"tenant": "8"})) == 29


def test_each_token_is_its_own_project(hetzner: FakeHetzner) -> None:
    mine = provider(hetzner).create(spec("mine.example.net"))
    other = provider(hetzner, "hz-other-token")
    assert other.list_servers() == []
    with pytest.raises(ServerNotFound):
        other.status(mine.ref)
    other.create(spec("mine.example.net"))  # names are unique per project only


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (429, "rate_limit_exceeded", True),
        (503, "unavailable", True),
        (500, "server_error", True),
        (423, "locked", True),
        (400, "invalid_input", False),
        (403, "forbidden", False),
        (403, "token_readonly", False),
    ],
)
def test_hetzner_error_codes_become_provider_errors(
    hetzner: FakeHetzner, status: int, code: str, retryable: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud = provider(hetzner)
    # hcloud retries rate_limit_exceeded itself with back-off; the coordinator retries instead.
    monkeypatch.setattr(cloud._client._client, "_retry_max_retries", 0)
    hetzner.fail_next("GET", "/servers", status, code)
    with pytest.raises(ProviderError) as failed:
        cloud.list_servers()
    assert (failed.value.code, failed.value.retryable) == (code, retryable)
    assert not isinstance(failed.value, ServerNotFound)


def test_an_unreachable_api_is_retryable() -> None:
    with FakeHetzner() as fake:
        endpoint = fake.endpoint
    with pytest.raises(ProviderError) as failed:
        HetznerCloud(DEFAULT_TOKEN, endpoint, timeout=2).list_servers()
    assert (failed.value.code, failed.value.retryable) == ("connection_error", True)


def test_resize_of_a_running_server_is_refused_until_it_is_off(hetzner: FakeHetzner) -> None:
    cloud = provider(hetzner)
    ref = cloud.create(spec("resize.example.net")).ref
    hetzner.boot_now()
    with pytest.raises(ProviderError) as failed:
        cloud.resize(ref, "cx32")
    assert (failed.value.code, failed.value.retryable) == ("server_not_stopped", False)


def test_unknown_server_type_or_location_is_not_retryable(hetzner: FakeHetzner) -> None:
    cloud = provider(hetzner)
    for server_type, location in [("cx99", "fsn1"), ("cx22", "mars1")]:
        with pytest.raises(ProviderError) as failed:
            cloud.availability(server_type, location)
        assert (failed.value.code, failed.value.retryable) == ("invalid_input", False)
