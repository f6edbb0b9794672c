"""A local fake VIES per test, a real `ViesClient` pointed at it, and the billing `world`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.integrations.vies import ViesClient
from tests.billing.world import world  # noqa: F401 - the billing world, for engine-made invoices
from tests.fakes.vies import FakeVies

FAST_TIMEOUT_SECONDS = 0.3


@pytest.fixture
def fake_vies() -> Iterator[FakeVies]:
    with FakeVies() as fake:
        yield fake


@pytest.fixture
def vies_client(fake_vies: FakeVies) -> Iterator[ViesClient]:
    with ViesClient(fake_vies.base_url, FAST_TIMEOUT_SECONDS) as client:
        yield client
