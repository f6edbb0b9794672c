"""Fixtures of the attack suite. The running console is the one the browser tests use."""

from __future__ import annotations

from tests.browser.conftest import console, stripe_fake  # noqa: F401 - `billing-console run --seed-demo`, session-wide
from tests.security.api_world import api_world  # noqa: F401 - callers and ids of the API tests
