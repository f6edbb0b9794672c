"""The admin's audit log: the filtered log a page at a time (keyset on the entries' ids, so entries
arriving meanwhile never shift a page) with each entry's changes, and the address of the filtered
CSV download.

The filters arrive from the form or from the address (`?object_type=invoice&object_id=INV-...`),
so other pages can link to an object's log.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from backend.audit.schemas import AuditRow, Choice
from backend.gateway import audit_log as gateway
from backend.kit.errors import FieldErrors
from backend.kit.principals import SignedInUser
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out

ANY = "any"  # the selects' "no filter" value (a select item cannot have an empty value)
DOWNLOAD = "/api/admin/audit.csv"
FIELDS = {"who": 254, "object_id": 64, "since": 10, "until": 10}  # the form's texts and their lengths


@cleared_on_sign_out
class AdminAuditState(rx.State):
    loading: bool = True
    rows: list[AuditRow] = []
    total: int = 0
    has_older: bool = False
    has_newer: bool = False
    time_zone: str = ""
    actions: list[Choice] = []
    object_types: list[Choice] = []
    who: str = ""
    action: str = ANY
    object_type: str = ANY
    object_id: str = ""
    since: str = ""
    until: str = ""
    search_error: str = ""

    @rx.var
    def searching(self) -> bool:
        return bool(
            self.who
            or self.action != ANY
            or self.object_type != ANY
            or self.object_id
            or self.since
            or self.until
        )

    @rx.var
    def csv_address(self) -> str:
        """The download of exactly the entries the filters find (every page, not only this one)."""
        wanted = {
            "who": self.who,
            "action": "" if self.action == ANY else self.action,
            "object_type": "" if self.object_type == ANY else self.object_type,
            "object_id": self.object_id,
            "since": self.since,
            "until": self.until,
        }
        query = urlencode({key: value for key, value in wanted.items() if value})
        return f"{DOWNLOAD}?{query}" if query else DOWNLOAD

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        query = self.router.url.query_parameters
        self.who = str(query.get("who") or "")[:254]
        self.action = str(query.get("action") or ANY)[:100]
        self.object_type = str(query.get("object_type") or ANY)[:64]
        self.object_id = str(query.get("object_id") or "")[:64]
        choices = await asyncio.to_thread(gateway.filter_choices, admin)
        self.actions, self.object_types = choices.actions, choices.object_types
        await self._read(admin)
        self.loading = False

    async def _read(
        self, admin: SignedInUser, starting_after: int | None = None, ending_before: int | None = None
    ) -> None:
        try:
            search = gateway.audit_search(
                self.who,
                "" if self.action == ANY else self.action,
                "" if self.object_type == ANY else self.object_type,
                self.object_id,
                self.since,
                self.until,
            )
        except FieldErrors as exc:
            self.search_error = str(exc)
            return
        found = await asyncio.to_thread(gateway.audit_page, admin, search, starting_after, ending_before)
        self.search_error = ""
        self.rows, self.total, self.time_zone = found.rows, found.total, found.time_zone
        self.has_older, self.has_newer = found.has_older, found.has_newer

    @rx.event
    @admin_only
    async def search(self, admin: SignedInUser, form_data: dict[str, Any]) -> None:
        for name, length in FIELDS.items():
            setattr(self, name, str(form_data.get(name) or "").strip()[:length])
        await self._read(admin)

    @rx.event
    @admin_only
    async def filter_action(self, admin: SignedInUser, action: str) -> None:
        self.action = str(action)[:100]
        await self._read(admin)

    @rx.event
    @admin_only
    async def filter_object_type(self, admin: SignedInUser, object_type: str) -> None:
        self.object_type = str(object_type)[:64]
        await self._read(admin)

    @rx.event
    @admin_only
    async def clear(self, admin: SignedInUser) -> None:
        self.who = self.object_id = self.since = self.until = ""
        self.action = self.object_type = ANY
        await self._read(admin)

    @rx.event
    @admin_only
    async def older(self, admin: SignedInUser) -> None:
        if self.rows:
            await self._read(admin, starting_after=self.rows[-1].id)

    @rx.event
    @admin_only
    async def newer(self, admin: SignedInUser) -> None:
        if self.rows:
            await self._read(admin, ending_before=self.rows[0].id)

    @rx.event
    @admin_only
    async def newest(self, admin: SignedInUser) -> None:
        await self._read(admin)
