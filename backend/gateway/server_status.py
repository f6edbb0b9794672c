"""Live server status for open dashboards (issue 15): one poller per provider account, not one per
viewer.

CONTRACT: the status helper implements `watch_servers`; the dashboard's background task iterates
it and puts each list into its state. The hub polls each provider token once per interval (one
`list_servers` call), writes what changed to the items, and wakes only the viewers whose servers
changed; each viewer then reads its own account's servers (tenant-scoped).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from backend.kit.principals import SignedInUser
from backend.provisioning.schemas import ServerView


async def watch_servers(user: SignedInUser) -> AsyncIterator[list[ServerView]]:
    """Yield the user's servers now, then again whenever one of them changes; ends when the
    caller stops iterating (the page closed)."""
    raise NotImplementedError
    yield []  # pragma: no cover - makes this an async generator
