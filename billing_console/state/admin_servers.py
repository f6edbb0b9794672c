"""Admin views of provisioning: a subscription's servers with their logs, the backorders, the providers.

Every handler re-checks the admin on the server (`admin_only`); the services scope by the admin's
tenant. A provider token is write-only: the form's password field is not bound to the state, its value
goes straight to the service on Save; nothing here ever holds a token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import servers
from backend.kit.errors import DomainError
from backend.kit.principals import SignedInUser
from backend.provisioning.schemas import BackorderView, LogLine, ProviderHealthView, ServerView
from billing_console.state.guards import admin_only, starts_from_defaults

TOKEN_SOURCES = {"tenant": "Set for this tenant", "deployment": "Deployment token", "": "Not set"}


class AdminServersState(rx.State):
    """The "Servers" card of the admin subscription page: each server, its log, "Retry" when failed."""

    loading: bool = True
    error: str = ""
    servers: list[ServerView] = []
    logs: dict[str, list[LogLine]] = {}  # item id (as text) -> its provisioning log, oldest first
    retry_item: int = 0  # the failed server the confirmation asks about
    retry_hostname: str = ""
    working: bool = False
    _number: str = ""

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        self._number = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:32]
        await self._read(admin)

    async def _read(self, admin: SignedInUser) -> None:
        try:
            found = await asyncio.to_thread(servers.servers_of_subscription, admin, self._number)
            logs = {
                str(server.item_id): await asyncio.to_thread(servers.provisioning_log, admin, server.item_id)
                for server in found
            }
        except DomainError as exc:
            self.error = str(exc)
        else:
            self.servers, self.logs, self.error = found, logs, ""
        self.loading = False

    @rx.event
    @admin_only
    async def ask_retry(self, admin: SignedInUser, item_id: int) -> None:
        server = next((s for s in self.servers if s.item_id == item_id), None)
        if server is not None and server.state == "failed":
            self.retry_item, self.retry_hostname = server.item_id, server.hostname

    @rx.event
    @admin_only
    async def close_retry(self, admin: SignedInUser, _open: bool = False) -> None:
        if not self.working:
            self.retry_item = 0

    @rx.event
    @admin_only
    async def retry(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        item_id = self.retry_item
        if not item_id or self.working:
            return
        self.working = True
        yield
        try:
            await asyncio.to_thread(servers.retry_provisioning, admin, item_id)
        except DomainError as exc:
            self.working, self.retry_item = False, 0
            yield rx.toast.error(str(exc))
            return
        await self._read(admin)
        self.working, self.retry_item = False, 0
        yield rx.toast.success(f"{self.retry_hostname} is being set up again.")


class BackordersState(rx.State):
    """`/admin/backorders`: the servers waiting for capacity; an admin may cancel one."""

    loading: bool = True
    error: str = ""
    rows: list[BackorderView] = []
    include_closed: bool = False
    cancel_id: int = 0
    cancel_hostname: str = ""
    working: bool = False

    @rx.var
    def has_rows(self) -> bool:
        return len(self.rows) > 0

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        await self._read(admin)

    async def _read(self, admin: SignedInUser) -> None:
        try:
            self.rows = await asyncio.to_thread(
                servers.list_backorders, admin, include_closed=self.include_closed
            )
            self.error = ""
        except DomainError as exc:
            self.error = str(exc)
        self.loading = False

    @rx.event
    @admin_only
    async def show_closed(self, admin: SignedInUser, shown: bool) -> None:
        self.include_closed = shown is True
        await self._read(admin)

    @rx.event
    @admin_only
    async def ask_cancel(self, admin: SignedInUser, backorder_id: int) -> None:
        row = next((r for r in self.rows if r.id == backorder_id and r.status == "open"), None)
        if row is not None:
            self.cancel_id, self.cancel_hostname = row.id, row.hostname

    @rx.event
    @admin_only
    async def close_cancel(self, admin: SignedInUser, _open: bool = False) -> None:
        if not self.working:
            self.cancel_id = 0

    @rx.event
    @admin_only
    async def cancel(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        backorder_id = self.cancel_id
        if not backorder_id or self.working:
            return
        self.working = True
        yield
        try:
            await asyncio.to_thread(servers.admin_cancel_backorder, admin, backorder_id)
        except DomainError as exc:
            self.working, self.cancel_id = False, 0
            yield rx.toast.error(str(exc))
            return
        await self._read(admin)
        self.working, self.cancel_id = False, 0
        yield rx.toast.success(
            f"The backorder of {self.cancel_hostname} is canceled; its subscription ended."
        )


class ProvidersState(rx.State):
    """`/admin/providers`: each provisioned service type's provider, its token's source and health."""

    loading: bool = True
    error: str = ""
    rows: list[ProviderHealthView] = []
    editing: int = 0  # the service type whose token form is open
    token_error: str = ""
    remove_id: int = 0  # the service type whose tenant token the confirmation asks to remove
    working: bool = False

    @rx.var
    def has_rows(self) -> bool:
        return len(self.rows) > 0

    @rx.var
    def remove_name(self) -> str:
        return next((r.service_type_name for r in self.rows if r.service_type_id == self.remove_id), "")

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        await self._read(admin)

    async def _read(self, admin: SignedInUser) -> None:
        try:
            self.rows = await asyncio.to_thread(servers.provider_health, admin)
            self.error = ""
        except DomainError as exc:
            self.error = str(exc)
        self.loading = False

    @rx.event
    @admin_only
    async def edit(self, admin: SignedInUser, service_type_id: int) -> None:
        if any(r.service_type_id == service_type_id for r in self.rows):
            self.editing, self.token_error = service_type_id, ""

    @rx.event
    @admin_only
    async def stop_editing(self, admin: SignedInUser) -> None:
        self.editing, self.token_error = 0, ""

    @rx.event
    @admin_only
    async def save(self, admin: SignedInUser, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        token = str(dict(form_data).get("token", "")).strip()
        service_type_id = self.editing
        if not service_type_id or self.working:
            return
        if not token:
            self.token_error = "Paste the API token (to remove the tenant's token, use Remove)."
            return
        self.working, self.token_error = True, ""
        yield
        async for update in self._store(admin, service_type_id, token):
            yield update

    @rx.event
    @admin_only
    async def ask_remove(self, admin: SignedInUser, service_type_id: int) -> None:
        row = next((r for r in self.rows if r.service_type_id == service_type_id), None)
        if row is not None and row.token_source == "tenant":
            self.remove_id = service_type_id

    @rx.event
    @admin_only
    async def close_remove(self, admin: SignedInUser, _open: bool = False) -> None:
        if not self.working:
            self.remove_id = 0

    @rx.event
    @admin_only
    async def remove(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        if not self.remove_id or self.working:
            return
        self.working = True
        yield
        async for update in self._store(admin, self.remove_id, ""):
            yield update

    async def _store(self, admin: SignedInUser, service_type_id: int, token: str) -> AsyncIterator[EventSpec]:
        try:
            view = await asyncio.to_thread(servers.set_provider_token, admin, service_type_id, token)
        except DomainError as exc:
            self.working = False
            if token:
                self.token_error = str(exc)
            else:
                self.remove_id = 0
                yield rx.toast.error(str(exc))
            return
        self.rows = [view if r.service_type_id == service_type_id else r for r in self.rows]
        self.working, self.editing, self.remove_id = False, 0, 0
        if token:
            health = "reachable" if view.ok else f"not reachable: {view.detail}"
            yield rx.toast.success(f"{view.service_type_name}: token saved, the provider is {health}.")
        else:
            yield rx.toast.success(f"{view.service_type_name}: the tenant's token is removed.")
