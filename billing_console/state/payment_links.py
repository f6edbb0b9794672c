"""`/admin/payment-links`: issue an ad-hoc invoice to a customer or an email address and send its
payment link (shown here once, to copy), and the newest links with their state and "Revoke".

The lines are edited in the state like the manual draft form's; the service refuses per field and
nothing is issued on error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import payments as gateway
from backend.gateway.admin_invoice_drafts import CustomerChoice
from backend.gateway.payments import LinkRow
from backend.kit.errors import DomainError, FieldErrors
from backend.kit.principals import SignedInUser
from billing_console.state import draft_lines
from billing_console.state.arguments import record_id
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context

MAX_LINES = 20


@cleared_on_sign_out
class PaymentLinksState(rx.State):
    loading: bool = True
    rows: list[LinkRow] = []
    customers: list[CustomerChoice] = []
    currency: str = ""
    recipient: str = "email"  # "email" or "customer"
    email: str = ""
    customer_id: str = ""
    expires_in_days: str = "14"
    lines: list[dict[str, str]] = [draft_lines.blank_line()]
    line_errors: list[str] = [""]
    errors: dict[str, str] = {}
    form_error: str = ""
    saving: bool = False
    created_url: str = ""  # shown once, after creating
    created_number: str = ""
    created_expires: str = ""
    created_to: str = ""
    revoke_id: int = 0  # the link the confirmation dialog is about
    revoking: bool = False

    @rx.var
    def email_error(self) -> str:
        return self.errors.get("email", "")

    @rx.var
    def customer_error(self) -> str:
        return self.errors.get("customer_account_id", "")

    @rx.var
    def expires_error(self) -> str:
        return self.errors.get("expires_in_days", "")

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        page = await asyncio.to_thread(gateway.payment_links_page, admin)
        self.rows, self.customers, self.currency = page.rows, page.customers, page.currency
        customer = record_id(self.router.url.query_parameters.get("customer")) or 0
        if customer and any(choice.id == str(customer) for choice in page.customers):
            self.recipient, self.customer_id = "customer", str(customer)
        self.loading = False

    @rx.event
    @admin_only
    async def choose_recipient(self, admin: SignedInUser, value: str) -> None:
        self.recipient = "customer" if value == "customer" else "email"
        self.errors = {}

    @rx.event
    @admin_only
    async def choose_customer(self, admin: SignedInUser, value: str) -> None:
        self.customer_id = str(value)[:20]

    @rx.event
    @admin_only
    async def type_email(self, admin: SignedInUser, value: str) -> None:
        self.email = str(value)[:254]

    @rx.event
    @admin_only
    async def type_expires(self, admin: SignedInUser, value: str) -> None:
        self.expires_in_days = str(value)[:4]

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
    async def create(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        """Issue the invoice and send the link; refusals go next to their fields."""
        self.saving, self.form_error, self.errors = True, "", {}
        self.line_errors = [""] * len(self.lines)
        yield
        customer = record_id(self.customer_id) if self.recipient == "customer" else None
        email = self.email if self.recipient == "email" else ""
        if self.recipient == "customer" and customer is None:
            self.errors, self.saving = {"customer_account_id": "Choose the customer."}, False
            return
        try:
            wanted = gateway.link_input(email, list(self.lines), self.expires_in_days, customer)
            created = await asyncio.to_thread(
                gateway.create_payment_link, request_context(self), admin, wanted
            )
        except FieldErrors as exc:
            self._show_errors(exc.fields)
            self.saving = False
            return
        except DomainError as exc:
            self.form_error, self.saving = str(exc), False
            return
        self.created_url, self.created_number = created.url, created.invoice_number
        self.created_expires, self.created_to = created.expires, created.email
        self.lines, self.line_errors, self.email = [draft_lines.blank_line()], [""], ""
        self.rows = await asyncio.to_thread(gateway.payment_link_rows, admin)
        self.saving = False
        yield rx.toast.success(f"Invoice {created.invoice_number} issued and its payment link sent.")

    def _show_errors(self, fields: dict[str, str]) -> None:
        errors = [""] * len(self.lines)
        kept: dict[str, str] = {}
        for name, message in fields.items():
            parts = name.split(".")
            if name in ("email", "customer_account_id", "expires_in_days"):
                kept[name] = message
            elif (
                parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(errors)
            ):
                errors[int(parts[1])] = f"{errors[int(parts[1])]} {message}".strip()
            else:
                self.form_error = f"{self.form_error} {message}".strip()
        self.errors, self.line_errors = kept, errors

    @rx.event
    @admin_only
    async def dismiss_created(self, admin: SignedInUser) -> None:
        self.created_url = ""

    @rx.event
    @admin_only
    async def ask_revoke(self, admin: SignedInUser, link_id: int) -> None:
        self.revoke_id = link_id if isinstance(link_id, int) else 0

    @rx.event
    @admin_only
    async def cancel_revoke(self, admin: SignedInUser, open_: bool = False) -> None:
        if not open_:
            self.revoke_id = 0

    @rx.event
    @admin_only
    async def revoke(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        if not self.revoke_id:
            return
        self.revoking = True
        yield
        try:
            await asyncio.to_thread(gateway.revoke_payment_link, request_context(self), admin, self.revoke_id)
        except DomainError as exc:
            self.revoking, self.revoke_id = False, 0
            yield rx.toast.error(str(exc))
            return
        self.rows = await asyncio.to_thread(gateway.payment_link_rows, admin)
        self.revoking, self.revoke_id = False, 0
        yield rx.toast.success("Payment link revoked; its page no longer takes payments.")
