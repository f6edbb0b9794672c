"""The signed-in customer's invoices: the statement a page at a time, and one invoice, and Pay.

The list pages by cursor, as the statement does: the server keeps the cursors of the pages seen
(`_cursors`), so "Previous" goes back exactly. An invoice is read by number from the customer's
own account; any other number shows the 404 panel.

Pay sends the browser to the processor's hosted payment page. Stripe sends it back to the
invoice's page with `?paid=<session id>`; the payment is confirmed only by the webhook, so the page
says it is waiting and a background event reads the payment's status every second (for up to two
minutes) and pushes the result: "Paid" with a toast, or open again with a note. No reload.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import invoices as invoices_gateway
from backend.gateway.invoices import BankDetails, InvoiceDocument, InvoiceRow
from backend.kit.errors import DomainError, NotFoundError, PermissionDenied
from backend.kit.principals import SignedInUser
from billing_console.state.guards import signed_in, starts_from_defaults, user_or_redirect
from billing_console.state.session import cleared_on_sign_out, request_context

POLL_SECONDS = 1.0
WAIT_SECONDS = 120  # Stripe confirms within seconds; after two minutes the page stops asking

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


async def _start_payment(state: rx.State, user: SignedInUser, number: str) -> EventSpec:
    """Send the browser to the payment page of the user's invoice, or say why it cannot be paid."""
    try:
        url = await asyncio.to_thread(invoices_gateway.start_payment, request_context(state), user, number)
    except DomainError as exc:
        return rx.toast.error(str(exc))
    return rx.redirect(url)  # another host: the browser leaves the console for Stripe's page


@cleared_on_sign_out
class InvoicesState(rx.State):
    loading: bool = True
    working: bool = False  # another page is being read
    notice: str = ""  # why there is nothing to show, e.g. an admin without a customer account
    invoices: list[InvoiceRow] = []
    has_more: bool = False
    page: int = 1
    bank: BankDetails = BankDetails()
    pays_online: bool = False
    paying: str = ""  # the number of the invoice whose Pay is being prepared
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
    @signed_in
    async def pay(self, user: SignedInUser, number: str) -> AsyncIterator[EventSpec | None]:
        if self.paying:
            return
        self.paying = number
        yield None
        try:
            yield await _start_payment(self, user, number[:32])
        finally:
            self.paying = ""

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
        self.pays_online = found.pays_online
        return True


@cleared_on_sign_out
class InvoiceState(rx.State):
    loading: bool = True
    not_found: bool = False
    notice: str = ""
    invoice: InvoiceDocument = NO_INVOICE
    paying: bool = False  # Pay was pressed: the payment page is being prepared
    # The payment the customer came back from: "" (none), "waiting" for the webhook, "paid",
    # "failed", "canceled" (left the payment page or it expired), "slow" (no word after 2 minutes)
    confirmation: str = ""
    _session_id: str = ""
    _watching: bool = False

    @rx.var
    def has_credit_notes(self) -> bool:
        return len(self.invoice.credit_notes) > 0

    @rx.var
    def awaiting_confirmation(self) -> bool:
        """A card payment may have gone through: offer no other way to pay meanwhile."""
        return self.confirmation in ("waiting", "slow")

    @rx.var
    def can_pay(self) -> bool:
        return self.invoice.is_open and self.invoice.pays_online and not self.awaiting_confirmation

    @rx.event
    @starts_from_defaults
    @signed_in
    async def load(self, user: SignedInUser) -> EventSpec | None:
        """The invoice named by the address's last part, if it is one of the customer's own; back
        from the payment page (`?paid=`), watch for the webhook's confirmation."""
        number = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:32]
        query = self.router.url.query_parameters
        try:
            self.invoice = await asyncio.to_thread(invoices_gateway.invoice_document, user, number)
        except (NotFoundError, PermissionDenied):
            self.not_found = True
        except DomainError as exc:
            self.notice = str(exc)
        self.loading = False
        if self.not_found or self.notice:
            return None
        if query.get("canceled"):
            self.confirmation = "canceled"
        session_id = query.get("paid", "")[:255]
        if session_id and self.invoice.is_open:
            self._session_id, self.confirmation = session_id, "waiting"
            return InvoiceState.watch_payment
        if session_id and self.invoice.status == "paid":
            self.confirmation = "paid"  # the webhook was faster than the way back
        return None

    @rx.event
    @signed_in
    async def pay(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        if self.paying or not self.invoice.number:
            return
        self.paying = True
        yield None
        try:
            yield await _start_payment(self, user, self.invoice.number)
        finally:
            self.paying = False

    @rx.event(background=True)
    async def watch_payment(self) -> AsyncIterator[EventSpec | None]:
        """Ask every second how the payment stands until the webhook has settled it (one watcher
        per tab); then show the invoice as it is now."""
        async with self:
            user = await user_or_redirect(self)
            if not isinstance(user, SignedInUser) or self._watching or self.confirmation != "waiting":
                watch = None
            else:
                self._watching, watch = True, (self.invoice.number, self._session_id)
        if not isinstance(user, SignedInUser):
            yield user  # the redirect to sign in
            return
        if watch is None:
            return
        try:
            async for update in self._wait_for(user, *watch):
                yield update
        finally:
            async with self:
                self._watching = False

    async def _wait_for(
        self, user: SignedInUser, number: str, session_id: str
    ) -> AsyncIterator[EventSpec | None]:
        for _ in range(int(WAIT_SECONDS / POLL_SECONDS)):
            await asyncio.sleep(POLL_SECONDS)
            status = await asyncio.to_thread(invoices_gateway.payment_status, user, number, session_id)
            if status in ("", "pending"):
                continue
            document = await asyncio.to_thread(invoices_gateway.invoice_document, user, number)
            async with self:
                if self._session_id != session_id:
                    return
                self.invoice = document
                self.confirmation = {"succeeded": "paid"}.get(status, status)
            if status == "succeeded":
                yield rx.toast.success(f"Payment received: invoice {number} is paid.")
            return
        async with self:
            if self._session_id == session_id:
                self.confirmation = "slow"
