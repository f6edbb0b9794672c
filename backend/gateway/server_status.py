"""Live server status for open dashboards (issue 15): one poller per provider account, not one per
viewer.

The dashboard's background task iterates `watch_servers(user)` and puts each list into its state.
Behind it, one `StatusHub` per web process (asyncio):

- a viewer subscribes with its tenant; while a tenant has viewers, the hub runs ONE polling task per
  provider account (kind + token, named by `account_key`, never by the token) that serves that tenant;
- each task calls `list_servers()` once per interval (SERVER_STATUS_POLL_SECONDS) in a thread, applies
  the states to the items of every service type that account serves in one unit of work, and wakes
  only the viewers of the tenants whose items changed; each woken viewer reads its own servers (the
  reader, `servers.my_servers`: tenant- and customer-scoped like every page read);
- a task stops when the last viewer of its tenants leaves. Which accounts serve which tenants is read
  again every interval (a first server ordered while the dashboard is open gets polled too).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine

from backend import clock
from backend.db import unit_of_work
from backend.integrations.cloud_provider import CloudProvider, ProviderError, ServerState
from backend.integrations.cloud_providers import open_provider
from backend.kit.principals import SignedInUser
from backend.kit.repository import TenantScope
from backend.provisioning.schemas import ServerView
from backend.provisioning.status import PollTarget, apply_states, poll_targets, server_marks
from backend.settings import get_settings

log = logging.getLogger(__name__)

T = TypeVar("T")
Reader = Callable[[SignedInUser], list[ServerView]]
Opener = Callable[[PollTarget], CloudProvider]


def _default_reader(user: SignedInUser) -> list[ServerView]:
    from backend.gateway.servers import my_servers

    return my_servers(user)


def _default_opener(target: PollTarget) -> CloudProvider:
    return open_provider(target.kind, target.token)


@dataclass(eq=False)
class _Viewer:
    tenant_id: int
    wake: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(eq=False)
class _Poller:
    target: PollTarget
    provider: CloudProvider
    task: asyncio.Task[None] | None = None
    polls: int = 0  # list calls made (the bench and tests count them)


class StatusHub:
    """The web process's pollers and viewers. All methods run on one event loop."""

    def __init__(
        self,
        *,
        reader: Reader | None = None,
        opener: Opener | None = None,
        engine: Engine | None = None,
        interval: float | None = None,
    ) -> None:
        self._reader = reader or _default_reader
        self._opener = opener or _default_opener
        self._engine = engine
        self.interval = interval if interval is not None else get_settings().server_status_poll_seconds
        self._viewers: dict[int, set[_Viewer]] = {}  # tenant id -> viewers
        self._pollers: dict[str, _Poller] = {}  # account key -> its polling task
        self._refresher: asyncio.Task[None] | None = None
        self._refreshing: asyncio.Task[None] | None = None
        self._dirty = False
        self.list_calls: dict[str, int] = {}  # account key -> list calls so far (all pollers ever)
        self._marks: dict[int, str] = {}  # tenant id -> digest of its servers as the unit left them
        # The pollers' own threads: woken viewers' reads (the default pool) never delay a poll.
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="status-poll")

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # ------------------------------------------------------------------ viewers

    async def watch(self, user: SignedInUser) -> AsyncIterator[list[ServerView]]:
        """The user's servers now, then again each time one of its tenant's servers changed."""
        viewer = _Viewer(user.tenant_id)
        await self._subscribe(viewer)
        try:
            yield await asyncio.to_thread(self._reader, user)
            while True:
                await viewer.wake.wait()
                viewer.wake.clear()
                yield await asyncio.to_thread(self._reader, user)
        finally:
            self._unsubscribe(viewer)

    @property
    def viewer_count(self) -> int:
        return sum(len(v) for v in self._viewers.values())

    @property
    def poller_keys(self) -> set[str]:
        return {key for key, p in self._pollers.items() if p.task is not None and not p.task.done()}

    async def _subscribe(self, viewer: _Viewer) -> None:
        first_of_tenant = viewer.tenant_id not in self._viewers
        self._viewers.setdefault(viewer.tenant_id, set()).add(viewer)
        if first_of_tenant:
            await self._refresh()
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.create_task(self._refresh_loop(), name="status-hub-refresh")

    def _unsubscribe(self, viewer: _Viewer) -> None:
        viewers = self._viewers.get(viewer.tenant_id)
        if viewers is None:
            return
        viewers.discard(viewer)
        if viewers:
            return
        del self._viewers[viewer.tenant_id]
        self._marks.pop(viewer.tenant_id, None)
        for key, poller in list(self._pollers.items()):
            if not (poller.target.tenant_ids & self._viewers.keys()):
                self._stop(key)
        if not self._viewers and self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None

    # ------------------------------------------------------------------ pollers

    async def _refresh(self) -> None:
        """Bring the pollers up to date with the watched tenants. Concurrent callers (200 dashboards
        opening at once) share the rounds: one under way, at most one more after it."""
        self._dirty = True
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.create_task(self._refresh_until_clean(), name="status-hub-targets")
        await asyncio.shield(self._refreshing)

    async def _refresh_until_clean(self) -> None:
        while self._dirty:
            self._dirty = False
            await self._refresh_now()

    async def _refresh_now(self) -> None:
        """Start a poller for every account serving a watched tenant; hand running ones the new target."""
        tenants = set(self._viewers)
        if not tenants:
            return
        try:
            targets = await self._in_thread(self._targets, tenants)
        except Exception:
            log.exception("status hub: cannot read which provider accounts to poll")
            return
        for target in targets:
            poller = self._pollers.get(target.key)
            if poller is not None and poller.task is not None and not poller.task.done():
                poller.target = target
                continue
            try:
                provider = self._opener(target)
            except Exception as error:
                log.warning("status hub: provider account %s cannot be opened: %s", target.key, error)
                continue
            poller = _Poller(target, provider)
            poller.task = asyncio.create_task(self._poll_loop(poller), name=f"status-poll-{target.key}")
            self._pollers[target.key] = poller

    def _targets(self, tenants: set[int]) -> list[PollTarget]:
        with unit_of_work(self._engine) as session:
            return poll_targets(session, tenants)

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self._refresh()
            await self._wake_unit_changes()

    async def _wake_unit_changes(self) -> None:
        """Wake the viewers of tenants whose servers the provisioning unit changed (a new server now
        running, a failure, a backorder fulfilled): the worker writes those, no list call sees them."""
        tenants = set(self._viewers)
        if not tenants:
            return
        try:
            marks = await self._in_thread(self._read_marks, tenants)
        except Exception:
            log.exception("status hub: cannot read the servers' marks")
            return
        for tenant_id in tenants:
            mark, before = marks.get(tenant_id, ""), self._marks.get(tenant_id)
            self._marks[tenant_id] = mark
            if before is not None and before != mark:
                for viewer in self._viewers.get(tenant_id, ()):
                    viewer.wake.set()

    def _read_marks(self, tenants: set[int]) -> dict[int, str]:
        with unit_of_work(self._engine) as session:
            return server_marks(session, tenants)

    def _stop(self, key: str) -> None:
        poller = self._pollers.pop(key, None)
        if poller is not None and poller.task is not None:
            poller.task.cancel()

    async def _poll_loop(self, poller: _Poller) -> None:
        """A poll every `interval` seconds, counted from the start of the last one (a poll that takes
        longer than the interval is followed at once by the next, never by two)."""
        while True:
            started = time.monotonic()
            await self.poll_once(poller)
            await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    async def poll_once(self, poller: _Poller) -> set[int]:
        """One list call for the account, applied; wakes the viewers of the tenants that changed."""
        key = poller.target.key
        self.list_calls[key] = self.list_calls.get(key, 0) + 1
        poller.polls += 1
        try:
            states = await self._in_thread(poller.provider.list_servers)
        except ProviderError as error:
            log.warning("status hub: listing servers of %s failed (%s): %s", key, error.code, error)
            return set()
        except Exception:  # a poller never dies of one bad answer: the next interval tries again
            log.exception("status hub: listing servers of %s failed", key)
            return set()
        try:
            tenants = await self._in_thread(self._apply, poller.target, states)
        except Exception:
            log.exception("status hub: applying the states of %s failed", key)
            return set()
        for tenant_id in tenants:
            for viewer in self._viewers.get(tenant_id, ()):
                viewer.wake.set()
        return tenants

    def _apply(self, target: PollTarget, states: list[ServerState]) -> set[int]:
        now = clock.now()
        changed_tenants: set[int] = set()
        with unit_of_work(self._engine) as session:
            for tenant_id, service_type_id in target.service_types:
                if apply_states(session, TenantScope(tenant_id), service_type_id, states, now):
                    changed_tenants.add(tenant_id)
        return changed_tenants

    async def close(self) -> None:
        """Stop every task (shutdown, tests)."""
        tasks = [p.task for p in self._pollers.values() if p.task is not None]
        if self._refresher is not None:
            tasks.append(self._refresher)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._pollers.clear()
        self._refresher = None
        self._executor.shutdown(wait=False)


_hubs: dict[asyncio.AbstractEventLoop, StatusHub] = {}


def hub() -> StatusHub:
    """The hub of the running event loop (one per web process: Reflex runs one loop per worker)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs.clear()  # a loop of the past (tests) keeps no hub alive
        _hubs[loop] = StatusHub()
    return _hubs[loop]


async def watch_servers(user: SignedInUser) -> AsyncIterator[list[ServerView]]:
    """Yield the user's servers now, then again whenever one of them changes; ends when the
    caller stops iterating (the page closed)."""
    async for servers in hub().watch(user):
        yield servers
