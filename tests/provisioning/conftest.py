"""Fixtures of the provisioning tests: the fake cloud providers, started once per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.hetzner_server import DEFAULT_TOKEN, FakeHetzner


@pytest.fixture
def hetzner() -> Iterator[FakeHetzner]:
    """A fake Hetzner Cloud API on a free port; `DEFAULT_TOKEN` and "hz-other-token" are projects."""
    with FakeHetzner([DEFAULT_TOKEN, "hz-other-token"]) as fake:
        yield fake
