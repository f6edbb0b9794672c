"""The admin catalog pages: one state per list (service types, plans, addons, promotions), all built
from `CatalogPage`: a page of rows with search and filters, a create/edit form with a message per
field, a confirmed deactivate/reactivate (and delete for unused plans), a promotion's redemptions.

Every handler re-checks on the server that the user is an admin (`@admin_only`), and the catalog
services ask the policy again. The id of the object being edited or confirmed stays on the server
(`_object_id`); the browser only sends the id of a row it was shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.catalog.schemas import PROMOTION_STATES, CatalogQuery
from backend.gateway import catalog_admin as gateway
from backend.gateway.catalog_admin import CatalogRow, Choice, RedemptionRow
from backend.kit.errors import DomainError, FieldErrors
from backend.kit.principals import SignedInUser
from billing_console.state.arguments import record_id
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out

STATUSES = ("active", "inactive")


class CatalogPage(rx.State, mixin=True):
    loading: bool = True
    notice: str = ""  # why the list cannot be shown
    rows: list[CatalogRow] = []
    page: int = 1
    page_count: int = 1
    total: int = 0
    search: str = ""
    status: str = ""  # "", "active", "inactive"
    filter_value: str = ""  # plans: a service type id; promotions: a state
    filter_choices: list[Choice] = []

    dialog: str = ""  # "form", "confirm", "redemptions" or "" (closed)
    form_title: str = ""
    form_key: int = 0  # a new key remounts the form with its new values
    values: dict[str, str] = {}
    field_errors: dict[str, str] = {}
    form_error: str = ""
    type_choices: list[Choice] = []
    addon_choices: list[Choice] = []
    plan_choices: list[Choice] = []
    working: bool = False

    confirm_action: str = ""  # "deactivate", "reactivate" or "delete"
    confirm_title: str = ""
    confirm_text: str = ""
    refusal: str = ""
    redemption_rows: list[RedemptionRow] = []
    _object_id: int = 0

    @classmethod
    def _kind(cls) -> str:
        raise NotImplementedError

    @rx.var
    def has_rows(self) -> bool:
        return self.total > 0

    @rx.var
    def filtered(self) -> bool:
        return bool(self.search or self.status or self.filter_value)

    @rx.var
    def editing(self) -> bool:
        return self.form_title.startswith("Edit")

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        if self._kind() == gateway.PLANS:
            form = await asyncio.to_thread(gateway.catalog_form, admin, gateway.PLANS, 0)
            self.filter_choices = form.service_types
        elif self._kind() == gateway.PROMOTIONS:
            self.filter_choices = [Choice(state, state.capitalize()) for state in PROMOTION_STATES]
        await self._read(admin, 1)
        self.loading = False

    async def _read(self, admin: SignedInUser, page: int) -> None:
        query = CatalogQuery(
            search=self.search[:200],
            status=self.status if self.status in STATUSES else "",
            service_type_id=record_id(self.filter_value) if self._kind() == gateway.PLANS else None,
            state=self.filter_value
            if self._kind() == gateway.PROMOTIONS and self.filter_value in PROMOTION_STATES
            else "",
        )
        try:
            listing = await asyncio.to_thread(gateway.catalog_listing, admin, self._kind(), query, page)
        except DomainError as exc:
            self.notice = str(exc)
            return
        self.notice = ""
        self.rows, self.page, self.page_count, self.total = (
            listing.rows,
            listing.page,
            listing.page_count,
            listing.total,
        )

    @rx.event
    @admin_only
    async def apply_filters(self, admin: SignedInUser, form: dict[str, Any]) -> None:
        """The search form: text, active or inactive, and the list's own filter; back to page 1."""
        self.search = str(form.get("search") or "").strip()[:200]
        self.status = str(form.get("status") or "")
        self.filter_value = str(form.get("filter") or "")
        await self._read(admin, 1)

    @rx.event
    @admin_only
    async def clear_filters(self, admin: SignedInUser) -> None:
        self.search, self.status, self.filter_value = "", "", ""
        self.form_key += 1
        await self._read(admin, 1)

    @rx.event
    @admin_only
    async def go_to_page(self, admin: SignedInUser, page: int) -> None:
        await self._read(admin, int(page) if str(page).lstrip("-").isdigit() else 1)

    # --- the form -------------------------------------------------------------------------------------
    @rx.event
    @admin_only
    async def open_new(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        async for update in self._open_form(admin, 0, "New"):
            yield update

    @rx.event
    @admin_only
    async def open_edit(self, admin: SignedInUser, row_id: int) -> AsyncIterator[EventSpec | None]:
        object_id = self._shown(row_id)
        if object_id:
            async for update in self._open_form(admin, object_id, "Edit"):
                yield update

    async def _open_form(
        self, admin: SignedInUser, object_id: int, verb: str
    ) -> AsyncIterator[EventSpec | None]:
        self._closed()
        try:
            form = await asyncio.to_thread(gateway.catalog_form, admin, self._kind(), object_id)
        except DomainError as exc:
            self.notice = str(exc)
            return
        self._object_id = object_id
        self.values = form.values
        self.type_choices, self.addon_choices, self.plan_choices = form.service_types, form.addons, form.plans
        name = next((row.name for row in self.rows if row.id == object_id), "")
        self.form_title = f"{verb} {name}".strip() if object_id else verb
        self.form_key += 1
        self.dialog = "form"
        yield

    @rx.event
    @admin_only
    async def submit_form(self, admin: SignedInUser, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Save the form; every wrong field gets its message under it, and nothing is saved."""
        self.working, self.field_errors, self.form_error = True, {}, ""
        yield
        try:
            name = await asyncio.to_thread(gateway.save, admin, self._kind(), self._object_id, form)
        except FieldErrors as exc:
            self.field_errors = exc.fields
            self.form_error = (
                "Please correct the field marked in red."
                if len(exc.fields) == 1
                else f"Please correct the {len(exc.fields)} fields marked in red."
            )
            self.working = False
            first, prefix = next(iter(exc.fields)), self._kind().replace("_", "-")
            shown = first in gateway.FORM_FIELDS[self._kind()] or first == "addon_ids"
            yield rx.scroll_to(f"{prefix}-group-{first}" if shown else f"{prefix}-form-error")
            return
        except DomainError as exc:
            self.form_error, self.working = str(exc), False
            return
        done = f"{name} saved." if self._object_id else f"{name} created."
        self._closed()
        await self._read(admin, self.page)
        yield rx.toast.success(done)

    # --- deactivate, reactivate, delete ----------------------------------------------------------------
    @rx.event
    @admin_only
    async def ask(self, admin: SignedInUser, row_id: int, action: str) -> None:
        """Open the confirmation of `action` for a row: what it does, in the admin's words."""
        object_id = self._shown(row_id)
        row = next((row for row in self.rows if row.id == object_id), None)
        if row is None or action not in ("deactivate", "reactivate", "delete"):
            return
        self._closed()
        self._object_id, self.confirm_action = object_id, action
        self.confirm_title = f"{action.capitalize()} {row.name}?"
        self.confirm_text = _consequence(self._kind(), action, row)
        self.dialog = "confirm"

    @rx.event
    @admin_only
    async def confirm(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self.working = True
        yield
        try:
            if self.confirm_action == "delete":
                await asyncio.to_thread(gateway.delete_plan, admin, self._object_id)
                done = "Plan deleted."
            else:
                active = self.confirm_action == "reactivate"
                name = await asyncio.to_thread(
                    gateway.set_active, admin, self._kind(), self._object_id, active
                )
                done = f"{name} {'reactivated' if active else 'deactivated'}."
        except DomainError as exc:
            self.refusal, self.working = str(exc), False
            return
        self._closed()
        await self._read(admin, self.page)
        yield rx.toast.success(done)

    # --- a promotion's redemptions ---------------------------------------------------------------------
    @rx.event
    @admin_only
    async def show_redemptions(self, admin: SignedInUser, row_id: int) -> AsyncIterator[EventSpec | None]:
        object_id = self._shown(row_id)
        if not object_id or self._kind() != gateway.PROMOTIONS:
            return
        self._closed()
        self.confirm_title = next(
            (f"Redemptions of {row.name}" for row in self.rows if row.id == object_id), ""
        )
        self.dialog, self.working = "redemptions", True
        yield
        try:
            self.redemption_rows = await asyncio.to_thread(gateway.promotion_redemptions, admin, object_id)
        except DomainError as exc:
            self.refusal = str(exc)
        self.working = False

    @rx.event
    @admin_only
    async def close_dialog(self, admin: SignedInUser, _open: bool = False) -> None:
        """Every handler of an admin state checks the role, this harmless one too (one rule, no list
        of exceptions to keep)."""
        if not self.working:
            self._closed()

    def _closed(self) -> None:
        self.dialog, self.working, self.refusal, self.form_error = "", False, "", ""
        self.field_errors, self.confirm_action, self.redemption_rows = {}, "", []
        self._object_id = 0

    def _shown(self, row_id: Any) -> int:
        """The id of a row on the page shown, or 0 (the browser may send anything)."""
        wanted = record_id(str(row_id))
        return wanted if wanted is not None and any(row.id == wanted for row in self.rows) else 0


def _consequence(kind: str, action: str, row: CatalogRow) -> str:
    if action == "delete":
        return "The plan is removed from the catalog for good. Nobody ever subscribed to it."
    if action == "reactivate":
        return {
            gateway.SERVICE_TYPES: "Its active plans can be ordered again.",
            gateway.PLANS: "Customers can order it again (its service type must be active).",
            gateway.ADDONS: "Customers can add it to plans that allow it again.",
            gateway.PROMOTIONS: "Customers can redeem the code again while it is valid.",
        }[kind]
    return {
        gateway.SERVICE_TYPES: "Its plans can no longer be ordered. Running subscriptions keep running.",
        gateway.PLANS: f"It can no longer be ordered. Its subscriptions keep running ({row.usage.lower()}).",
        gateway.ADDONS: "New orders can no longer add it. Subscriptions that have it keep it.",
        gateway.PROMOTIONS: "The code can no longer be redeemed. Discounts already granted stay.",
    }[kind]


@cleared_on_sign_out
class ServiceTypesState(CatalogPage, rx.State):
    @classmethod
    def _kind(cls) -> str:
        return gateway.SERVICE_TYPES


@cleared_on_sign_out
class CatalogPlansState(CatalogPage, rx.State):
    @classmethod
    def _kind(cls) -> str:
        return gateway.PLANS


@cleared_on_sign_out
class AddonsState(CatalogPage, rx.State):
    @classmethod
    def _kind(cls) -> str:
        return gateway.ADDONS


@cleared_on_sign_out
class PromotionsState(CatalogPage, rx.State):
    @classmethod
    def _kind(cls) -> str:
        return gateway.PROMOTIONS


@cleared_on_sign_out
class CatalogOverviewState(rx.State):
    loading: bool = True
    sections: list[gateway.CatalogSection] = []

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        self.sections = await asyncio.to_thread(gateway.catalog_sections, admin)
        self.loading = False
