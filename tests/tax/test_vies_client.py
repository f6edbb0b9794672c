"""The VIES client against a local fake speaking VIES's REST JSON: only definite answers count."""

from __future__ import annotations

import socket
import time

from backend.integrations.vies import ViesClient, ViesStatus
from backend.settings import Settings, load_settings
from tests.fakes.vies import FakeVies


def test_a_registered_vat_id_is_valid_with_name_and_address(
    fake_vies: FakeVies, vies_client: ViesClient
) -> None:
    fake_vies.register("DE136695976", name="ACME HOSTING GMBH", address="MUSTERWEG 1, BERLIN")
    result = vies_client.check("de 136 695 976")
    assert result.status == ViesStatus.VALID
    assert (result.vat_id, result.name, result.address) == (
        "DE136695976",
        "ACME HOSTING GMBH",
        "MUSTERWEG 1, BERLIN",
    )
    assert result.request_date.endswith("Z") and result.error == ""
    assert fake_vies.requests == [{"countryCode": "DE", "vatNumber": "136695976"}]


def test_greek_vat_ids_are_sent_with_the_prefix_el(fake_vies: FakeVies, vies_client: ViesClient) -> None:
    fake_vies.register("EL094259216")
    assert vies_client.check("GR094259216").status == ViesStatus.VALID
    assert fake_vies.requests == [{"countryCode": "EL", "vatNumber": "094259216"}]


def test_an_unregistered_vat_id_is_invalid_and_undisclosed_names_are_empty(
    fake_vies: FakeVies, vies_client: ViesClient
) -> None:
    result = vies_client.check("FR61954506077")
    assert (result.status, result.vat_id, result.name, result.address) == (
        ViesStatus.INVALID,
        "FR61954506077",
        "",
        "",
    )


def test_refused_input_is_invalid(fake_vies: FakeVies, vies_client: ViesClient) -> None:
    fake_vies.mode = "invalid_input"
    result = vies_client.check("DE136695976")
    assert (result.status, result.error) == (ViesStatus.INVALID, "INVALID_INPUT")


def test_an_unavailable_member_state_register_is_unreachable(
    fake_vies: FakeVies, vies_client: ViesClient
) -> None:
    fake_vies.mode = "ms_unavailable"
    result = vies_client.check("DE136695976")
    assert (result.status, result.error) == (ViesStatus.UNREACHABLE, "MS_UNAVAILABLE")


def test_a_server_error_is_unreachable(fake_vies: FakeVies, vies_client: ViesClient) -> None:
    fake_vies.mode = "error_500"
    result = vies_client.check("DE136695976")
    assert result.status == ViesStatus.UNREACHABLE
    assert result.error.startswith("HTTP 500")


def test_a_slow_answer_times_out_as_unreachable(fake_vies: FakeVies, vies_client: ViesClient) -> None:
    fake_vies.mode = "slow"
    started = time.monotonic()
    result = vies_client.check("DE136695976")
    assert (result.status, result.error) == (ViesStatus.UNREACHABLE, "timeout")
    assert time.monotonic() - started < 2


def test_a_refused_connection_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with ViesClient(f"http://127.0.0.1:{port}/vies", 1) as client:
        result = client.check("DE136695976")
    assert result.status == ViesStatus.UNREACHABLE
    assert result.error.startswith("connection")


def test_the_client_reads_its_address_and_timeout_from_the_settings(fake_vies: FakeVies) -> None:
    defaults = Settings.model_fields
    assert defaults["vies_url"].default == "https://ec.europa.eu/taxation_customs/vies/rest-api"
    assert defaults["vies_timeout_seconds"].default == 10
    fake_vies.mode = "valid"
    settings = load_settings(vies_url=fake_vies.base_url + "/", vies_timeout_seconds=2)
    with ViesClient.from_settings(settings) as client:
        assert client.check("DE136695976").status == ViesStatus.VALID
