"""The signed-in customer's invoices: the statement a page at a time, and one invoice.

The list pages by cursor, as the statement does: the server keeps the cursors of the pages seen
(`_cursors`), so "Previous" goes back exactly. An invoice is read by number from the customer's
own account; any other number shows the 404 panel.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from backend.gateway import invoices as invoices_gateway
from backend.gateway.invoices import BankDetails, InvoiceDocument, InvoiceRow
from backend.kit.errors import DomainError, NotFoundError, PermissionDenied
from backend.kit.principals import SignedInUser
from billing_console.state.guards import signed_in, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out

NO_INVOICE = InvoiceDocument(
    number="",
    status="",
    issued="",
    due="",
    paid="",
    voided="",
    buyer_name="",
    issuer_name="",
    net="",
    tax="",
    total="",
    balance="",
    is_open=False,
    lines=[],
    taxes=[],
    tax_note="",
    credit_notes=[],
    bank=BankDetails(),
    pdf_href="",
    time_zone="",
)


@cleared_on_sign_out
class InvoicesState(rx.State):
    loading: bool = True
    working: bool = False  # another page is being read
    notice: str = ""  # why there is nothing to show, e.g. an admin without a customer account
    invoices: list[InvoiceRow] = []
    has_more: bool = False
    page: int = 1
    bank: BankDetails = BankDetails()
    _cursors: list[int] = []  # the cursor of each page seen; the first page has none (0)

    @rx.var
    def open_invoices(self) -> list[InvoiceRow]:
        return [invoice for invoice in self.invoices if invoice.is_open]

    @rx.var
    def settled_invoices(self) -> list[InvoiceRow]:
        return [invoice for invoice in self.invoices if not invoice.is_open]

    @rx.var
    def has_invoices(self) -> bool:
        return len(self.invoices) > 0

    @rx.var
    def pays_by_transfer(self) -> bool:
        return self.bank.iban != "" and any(invoice.is_open for invoice in self.invoices)

    @rx.event
    @starts_from_defaults
    @signed_in
    async def load(self, user: SignedInUser) -> None:
        await self._read(user, 0)
        self._cursors = [0]
        self.loading = False

    @rx.event
    @signed_in
    async def next_page(self, user: SignedInUser) -> None:
        if not self.has_more or not self.invoices or self.working:
            return
        cursor = self.invoices[-1].id
        if await self._read(user, cursor):
            self._cursors = [*self._cursors, cursor]
            self.page = len(self._cursors)

    @rx.event
    @signed_in
    async def previous_page(self, user: SignedInUser) -> None:
        if len(self._cursors) < 2 or self.working:
            return
        if await self._read(user, self._cursors[-2]):
            self._cursors = self._cursors[:-1]
            self.page = len(self._cursors)

    async def _read(self, user: SignedInUser, cursor: int) -> bool:
        """Read the page after `cursor` (0: the first); a refusal shows its message instead."""
        self.working = True
        try:
            found = await asyncio.to_thread(invoices_gateway.invoice_statement, user, cursor or None)
        except DomainError as exc:
            self.notice = str(exc)
            return False
        finally:
            self.working = False
        self.invoices, self.has_more, self.bank = found.invoices, found.has_more, found.bank
        return True


@cleared_on_sign_out
class InvoiceState(rx.State):
    loading: bool = True
    not_found: bool = False
    notice: str = ""
    invoice: InvoiceDocument = NO_INVOICE

    @rx.var
    def has_credit_notes(self) -> bool:
        return len(self.invoice.credit_notes) > 0

    @rx.event
    @starts_from_defaults
    @signed_in
    async def load(self, user: SignedInUser) -> None:
        """The invoice named by the address's last part, if it is one of the customer's own."""
        number = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:32]
        try:
            self.invoice = await asyncio.to_thread(invoices_gateway.invoice_document, user, number)
        except (NotFoundError, PermissionDenied):
            self.not_found = True
        except DomainError as exc:
            self.notice = str(exc)
        self.loading = False
