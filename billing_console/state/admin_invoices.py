"""The admin's invoices: the search (number, customer, status, issue dates) with server-side pages,
and one invoice with its actions (issue a draft, void, mark paid or unpaid with a reason).

An invoice is addressed by its number, a draft by its id; both stay on the server in handlers,
which re-read the invoice through the gateway (admins only).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import admin_invoice_drafts as draft_gateway
from backend.gateway import admin_invoices as gateway
from backend.gateway.admin_invoices import CreditNoteLine, HistoryLine, InvoicePage, InvoiceRow, LineView
from backend.kit.errors import DomainError, FieldErrors, NotFoundError
from backend.kit.principals import SignedInUser
from billing_console.routes import ADMIN_INVOICES, admin_invoice_path
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context
from billing_console.state.subscriptions import page_number

ANY = "any"  # the status select's "no filter" value
NO_INVOICE = InvoicePage(0, "", "", "", 0, "", "", "", "", "", "", "", "", "", "", "")
# The dialogs of the detail page, and what each confirmation says when it is done.
DIALOGS = {"issue", "void", "paid", "unpaid", "delete"}


@cleared_on_sign_out
class AdminInvoicesState(rx.State):
    loading: bool = True
    invoices: list[InvoiceRow] = []
    number: str = ""
    customer: str = ""
    status: str = ANY
    issued_from: str = ""
    issued_until: str = ""
    search_error: str = ""
    page: int = 1
    page_count: int = 1
    total: int = 0

    @rx.var
    def searching(self) -> bool:
        return bool(
            self.number or self.customer or self.status != ANY or self.issued_from or self.issued_until
        )

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        query = self.router.url.query_parameters
        self.customer = str(query.get("customer") or "")[:100]
        self.status = str(query.get("status") or ANY)[:32]
        await self._read(admin, 1)
        self.loading = False

    async def _read(self, admin: SignedInUser, page: int) -> None:
        status = "" if self.status == ANY else self.status
        try:
            found = await asyncio.to_thread(
                gateway.invoice_list,
                admin,
                self.number,
                self.customer,
                status,
                self.issued_from,
                self.issued_until,
                page,
            )
        except FieldErrors as exc:
            self.search_error = str(exc)
            return
        self.search_error = ""
        self.invoices, self.page, self.page_count, self.total = (
            found.rows,
            found.page,
            found.page_count,
            found.total,
        )

    @rx.event
    @admin_only
    async def search(self, admin: SignedInUser, form_data: dict[str, Any]) -> None:
        self.number = str(form_data.get("number") or "").strip()[:40]
        self.customer = str(form_data.get("customer") or "").strip()[:100]
        self.issued_from = str(form_data.get("issued_from") or "").strip()[:10]
        self.issued_until = str(form_data.get("issued_until") or "").strip()[:10]
        await self._read(admin, 1)

    @rx.event
    @admin_only
    async def filter_status(self, admin: SignedInUser, status: str) -> None:
        self.status = str(status)[:32]
        await self._read(admin, 1)

    @rx.event
    @admin_only
    async def clear(self, admin: SignedInUser) -> None:
        self.number = self.customer = self.issued_from = self.issued_until = ""
        self.status = ANY
        await self._read(admin, 1)

    @rx.event
    @admin_only
    async def turn_to(self, admin: SignedInUser, page: int) -> None:
        await self._read(admin, page_number(page))


@cleared_on_sign_out
class AdminInvoiceState(rx.State):
    loading: bool = True
    not_found: bool = False
    invoice: InvoicePage = NO_INVOICE
    lines: list[LineView] = []
    credit_notes: list[CreditNoteLine] = []
    history: list[HistoryLine] = []
    dialog: str = ""  # one of DIALOGS, or "" (closed)
    working: bool = False
    refusal: str = ""
    _invoice_id: int = 0

    @rx.var
    def customer_address(self) -> str:
        return f"/admin/customers/{self.invoice.customer_id}"

    @rx.var
    def edit_address(self) -> str:
        return f"{ADMIN_INVOICES}/new?draft={self.invoice.id}"

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        reference = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:48]
        await self._read(admin, reference)
        self.loading = False

    async def _read(self, admin: SignedInUser, reference: str) -> None:
        try:
            found = await asyncio.to_thread(gateway.invoice_page, admin, reference)
        except NotFoundError:
            self.not_found = True
            return
        self.invoice, self._invoice_id = found, found.id
        self.lines, self.credit_notes, self.history = found.lines, found.credit_notes, found.history

    @rx.event
    @admin_only
    async def reload(self, admin: SignedInUser) -> None:
        """Read the invoice again (a payment or refund on its payments card changed it)."""
        await self._read(admin, self.invoice.reference)

    @rx.event
    @admin_only
    async def open_dialog(self, admin: SignedInUser, kind: str) -> None:
        self.dialog = kind if kind in DIALOGS else ""
        self.refusal, self.working = "", False

    @rx.event
    @admin_only
    async def close_dialog(self, admin: SignedInUser, _open: bool = False) -> None:
        if not self.working:
            self.dialog, self.refusal = "", ""

    @rx.event
    @admin_only
    async def confirm(
        self, admin: SignedInUser, form_data: dict[str, Any]
    ) -> AsyncIterator[EventSpec | None]:
        """Carry out the open dialog's action; the reason comes with the form (void, paid, unpaid)."""
        reason = str(form_data.get("reason") or "").strip()[:500]
        kind, context, invoice_id = self.dialog, request_context(self), self._invoice_id
        steps: dict[str, tuple[Callable[[], Any], str]] = {
            "issue": (lambda: gateway.issue(context, admin, invoice_id), "Invoice issued."),
            "void": (
                lambda: gateway.void(context, admin, invoice_id, reason),
                "Invoice voided; credit note issued.",
            ),
            "paid": (lambda: gateway.mark_paid(context, admin, invoice_id, reason), "Marked paid."),
            "unpaid": (lambda: gateway.mark_unpaid(context, admin, invoice_id, reason), "Marked unpaid."),
            "delete": (lambda: draft_gateway.delete_draft(context, admin, invoice_id), "Draft deleted."),
        }
        if kind not in steps:
            return
        step, done = steps[kind]
        self.working, self.refusal = True, ""
        yield
        try:
            result = await asyncio.to_thread(step)
        except DomainError as exc:
            self.refusal, self.working = str(exc), False
            return
        self.dialog, self.working = "", False
        yield rx.toast.success(done)
        if kind == "delete":
            yield rx.redirect(ADMIN_INVOICES)
        elif kind == "issue":
            yield rx.redirect(admin_invoice_path(str(result)))
        else:
            await self._read(admin, self.invoice.reference)
