"""The simulated provider's own rules: boot and action times on the clock, addresses from the row id,
the sold-out setting, and accounts that see only their own servers."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from backend import clock
from backend.integrations.cloud_provider import Offer, ProviderError, ServerNotFound, ServerSpec
from backend.integrations.simulated_cloud import SimulatedCloud, parse_sold_out
from backend.settings import Settings

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl order@test"


def cloud(engine: Engine, **kwargs: object) -> SimulatedCloud:
    return SimulatedCloud(f"sim-{uuid.uuid4().hex[:12]}", engine=engine, **kwargs)  # type: ignore[arg-type]


def spec(name: str = "sim.example.net", server_type: str = "cx22", location: str = "fsn1") -> ServerSpec:
    return ServerSpec(name, server_type, location, "debian-12", KEY, labels={"tenant": "1"})


def test_a_new_server_runs_after_the_boot_seconds_with_addresses_from_its_id(
    engine: Engine, frozen_clock: clock.FrozenClock
) -> None:
    sim = cloud(engine, boot_seconds=5)
    state = sim.create(spec())
    n = int(state.ref)
    assert (state.status, state.ipv4, state.ipv6) == (
        "initializing",
        f"203.0.113.{n % 254 + 1}",
        f"2001:db8::{n:x}",
    )
    frozen_clock.advance(timedelta(seconds=4))
    assert sim.status(state.ref).status == "initializing"
    frozen_clock.advance(timedelta(seconds=1))
    assert sim.status(state.ref).status == "running"


def test_stop_start_and_reboot_take_two_seconds_and_a_busy_server_refuses(
    engine: Engine, frozen_clock: clock.FrozenClock
) -> None:
    sim = cloud(engine, boot_seconds=0)
    ref = sim.create(spec()).ref
    sim.stop(ref)
    assert sim.status(ref).status == "stopping"
    with pytest.raises(ProviderError) as busy:
        sim.start(ref)
    assert (busy.value.code, busy.value.retryable) == ("locked", True)
    frozen_clock.advance(timedelta(seconds=2))
    assert sim.status(ref).status == "off"
    sim.stop(ref)  # already off: nothing to do
    assert sim.status(ref).status == "off"
    sim.reboot(ref)
    assert sim.status(ref).status == "starting"
    frozen_clock.advance(timedelta(seconds=2))
    assert sim.status(ref).status == "running"


def test_the_sold_out_setting_makes_a_backorder_and_offers_alternatives(engine: Engine) -> None:
    sim = cloud(engine, sold_out="cx42@hel1, cx42@fsn1, cx32@hel1")
    offer = sim.availability("cx42", "hel1")
    assert not offer.available
    assert offer.reason == "cx42 is sold out in hel1"
    assert offer.alternatives == [Offer("cx42", "nbg1"), Offer("cx22", "hel1")]
    with pytest.raises(ProviderError) as sold_out:
        sim.create(spec(server_type="cx42", location="hel1"))
    assert (sold_out.value.code, sold_out.value.retryable) == ("resource_unavailable", True)


def test_the_settings_carry_the_simulated_provider() -> None:
    settings = Settings(_env_file=None, simulated_sold_out="cx42@hel1")  # type: ignore[call-arg]
    assert (settings.simulated_boot_seconds, settings.server_status_poll_seconds) == (5, 5)
    assert parse_sold_out(settings.simulated_sold_out) == {("cx42", "hel1")}
    with pytest.raises(ProviderError):
        parse_sold_out("cx42-hel1")


def test_an_account_sees_only_its_own_servers(engine: Engine) -> None:
    mine, other = cloud(engine), cloud(engine)
    ref = mine.create(spec()).ref
    assert other.list_servers() == []
    with pytest.raises(ServerNotFound):
        other.status(ref)
    other.delete(ref)  # not its server: nothing happens
    assert mine.status(ref).ref == ref
    other.create(spec())  # names are unique per account only
