"""The manual draft invoice form (`/admin/invoices/new`): a customer and lines (description,
quantity, net unit price, tax category), written new or edited while the invoice is a draft.

The lines are edited in the state (small: at most `MAX_LINES`); saving sends them to the service,
whose refusals come back per field and are shown next to their line. Nothing is saved on error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import admin_invoice_drafts as gateway
from backend.gateway.admin_invoice_drafts import CustomerChoice
from backend.invoicing.errors import InvoiceError
from backend.kit.errors import DomainError, FieldErrors, NotFoundError
from backend.kit.principals import SignedInUser
from billing_console.routes import admin_invoice_path
from billing_console.state import draft_lines
from billing_console.state.arguments import record_id
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context

MAX_LINES = 50


@cleared_on_sign_out
class InvoiceDraftState(rx.State):
    loading: bool = True
    refused: str = ""  # the draft cannot be edited (issued, or not found)
    draft_id: int = 0
    customer_id: str = ""
    currency: str = ""
    customers: list[CustomerChoice] = []
    lines: list[dict[str, str]] = []
    line_errors: list[str] = []  # one message per line ("" when the line is fine)
    customer_error: str = ""
    form_error: str = ""
    saving: bool = False

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        query = self.router.url.query_parameters
        draft, customer = record_id(query.get("draft")) or 0, record_id(query.get("customer")) or 0
        try:
            form = await asyncio.to_thread(gateway.draft_form, admin, draft, customer)
        except NotFoundError:
            self.refused = "There is no such draft. Write a new one, or find the invoice in the list."
        except InvoiceError as exc:
            self.refused = str(exc)
        else:
            self.draft_id, self.customer_id, self.currency = form.draft_id, form.customer_id, form.currency
            self.customers = form.customers
            self.lines = [
                {"description": line.description, "quantity": line.quantity, "unit_price": line.unit_price,
                 "tax_category": line.tax_category}
                for line in form.lines
            ]  # fmt: skip
            self.line_errors = [""] * len(self.lines)
        self.loading = False

    @rx.event
    @admin_only
    async def choose_customer(self, admin: SignedInUser, customer_id: str) -> None:
        self.customer_id, self.customer_error = str(customer_id)[:20], ""

    @rx.event
    @admin_only
    async def edit_line(self, admin: SignedInUser, index: int, name: str, value: str) -> None:
        changed = draft_lines.edited(self.lines, index, name, value)
        if changed is not None:
            self.lines = changed

    @rx.event
    @admin_only
    async def add_line(self, admin: SignedInUser) -> None:
        self.lines, self.line_errors = draft_lines.added(self.lines, self.line_errors, MAX_LINES)

    @rx.event
    @admin_only
    async def remove_line(self, admin: SignedInUser, index: int) -> None:
        self.lines, self.line_errors = draft_lines.removed(self.lines, self.line_errors, index)

    @rx.event
    @admin_only
    async def save(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self.saving, self.form_error, self.customer_error = True, "", ""
        self.line_errors = [""] * len(self.lines)
        yield
        try:
            draft_id = await asyncio.to_thread(
                gateway.save_draft,
                request_context(self),
                admin,
                self.draft_id,
                self.customer_id,
                list(self.lines),
            )
        except FieldErrors as exc:
            self._show_errors(exc.fields)
            self.saving = False
            return
        except DomainError as exc:
            self.form_error, self.saving = str(exc), False
            return
        self.saving = False
        yield rx.toast.success("Draft saved.")
        yield rx.redirect(admin_invoice_path(str(draft_id)))

    def _show_errors(self, fields: dict[str, str]) -> None:
        errors = [""] * len(self.lines)
        for name, message in fields.items():
            parts = name.split(".")
            if name == "customer_account_id":
                self.customer_error = message
            elif (
                parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(errors)
            ):
                index = int(parts[1])
                errors[index] = f"{errors[index]} {message}".strip()
            else:
                self.form_error = f"{self.form_error} {message}".strip()
        self.line_errors = errors
