"""The admin's customers: the searchable list, and one customer's file with its notes.

Every handler checks on the server that the user is an admin (`admin_only`); the customer's id
stays on the server (`_customer_id`) once the page has read it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import admin_customers as gateway
from backend.gateway.admin_customers import CustomerPage, NoteLine
from backend.kit.errors import DomainError, FieldErrors, NotFoundError
from backend.kit.principals import SignedInUser
from backend.reporting.admin_schemas import CustomerListItem
from billing_console.state.arguments import record_id
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context
from billing_console.state.subscriptions import page_number

NOTE_FIELD = "note-body"
NO_CUSTOMER = CustomerPage(
    id=0,
    number="",
    name="",
    customer_type="",
    standing="",
    overdue_invoices=0,
    total_paid=[],
    open_balance=[],
    profile=[],
    members=[],
    subscriptions=[],
    invoices=[],
    invoice_count=0,
    time_zone="",
)


@cleared_on_sign_out
class AdminCustomersState(rx.State):
    loading: bool = True
    searching: bool = False
    search: str = ""
    customers: list[CustomerListItem] = []
    page: int = 1
    page_count: int = 1
    total: int = 0

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        self.search = str(self.router.url.query_parameters.get("q") or "")[:100]
        await self._read(admin, page_number(self.router.url.query_parameters.get("page")))
        self.loading = False

    async def _read(self, admin: SignedInUser, page: int) -> None:
        found = await asyncio.to_thread(gateway.customer_list, admin, self.search, page)
        self.customers, self.page, self.page_count, self.total = (
            found.customers,
            found.page,
            found.page_count,
            found.total,
        )

    @rx.event
    @admin_only
    async def find(self, admin: SignedInUser, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Search by name, customer number or email: the first page of the matches."""
        self.search, self.searching = str(form_data.get("q") or "").strip()[:100], True
        yield
        await self._read(admin, 1)
        self.searching = False

    @rx.event
    @admin_only
    async def turn_to(self, admin: SignedInUser, page: int) -> None:
        await self._read(admin, page_number(page))


@cleared_on_sign_out
class AdminCustomerState(rx.State):
    loading: bool = True
    not_found: bool = False
    customer: CustomerPage = NO_CUSTOMER
    notes: list[NoteLine] = []
    more_notes: bool = False
    note_error: str = ""
    saving: bool = False
    _customer_id: int = 0

    @rx.var
    def notes_csv(self) -> str:
        return f"/api/admin/customers/{self.customer.id}/notes.csv"

    @rx.var
    def has_notes(self) -> bool:
        return len(self.notes) > 0

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        """The customer named by the address's last part; any other id shows the 404 panel."""
        customer_id = record_id(self.router.url.path.rstrip("/").rsplit("/", 1)[-1])
        if customer_id is None:
            self.not_found, self.loading = True, False
            return
        try:
            page = await asyncio.to_thread(gateway.customer_page, admin, customer_id)
        except NotFoundError:
            self.not_found = True
        else:
            self.customer, self._customer_id = page, page.id
            self.notes, self.more_notes = page.notes, page.more_notes
        self.loading = False

    @rx.event
    @admin_only
    async def add_note(
        self, admin: SignedInUser, form_data: dict[str, Any]
    ) -> AsyncIterator[EventSpec | list[EventSpec] | None]:
        self.saving, self.note_error = True, ""
        yield
        try:
            note = await asyncio.to_thread(
                gateway.add_note,
                request_context(self),
                admin,
                self._customer_id,
                str(form_data.get("body") or ""),
            )
        except FieldErrors as exc:
            self.note_error, self.saving = exc.fields.get("body", str(exc)), False
            return
        except DomainError as exc:
            self.note_error, self.saving = str(exc), False
            return
        self.notes = [note, *self.notes]
        self.saving = False
        yield [rx.set_value(NOTE_FIELD, ""), rx.toast.success("Note added.")]

    @rx.event
    @admin_only
    async def load_older_notes(self, admin: SignedInUser) -> None:
        if not self.notes:
            return
        older, more = await asyncio.to_thread(
            gateway.older_notes, admin, self._customer_id, self.notes[-1].id
        )
        self.notes, self.more_notes = [*self.notes, *older], more
