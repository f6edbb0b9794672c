"""Fixtures of the provisioning tests: the fake cloud providers, started per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.digitalocean_server import DEFAULT_TOKEN as DO_TOKEN
from tests.fakes.digitalocean_server import FakeDigitalOcean
from tests.fakes.hetzner_server import DEFAULT_TOKEN, FakeHetzner


@pytest.fixture
def hetzner() -> Iterator[FakeHetzner]:
    """A fake Hetzner Cloud API on a free port; `DEFAULT_TOKEN` and "hz-other-token" are projects.
    Point the provider at it: `HetznerCloud(DEFAULT_TOKEN, hetzner.endpoint)` or
    `open_provider("hetzner", DEFAULT_TOKEN, endpoint=hetzner.endpoint)`."""
    with FakeHetzner([DEFAULT_TOKEN, "hz-other-token"]) as fake:
        yield fake


@pytest.fixture
def digitalocean() -> Iterator[FakeDigitalOcean]:
    """A fake DigitalOcean API; `DO_TOKEN` ("do-test-token") and "do-other-token" are accounts."""
    with FakeDigitalOcean([DO_TOKEN, "do-other-token"]) as fake:
        yield fake
