"""`/pay/{token}`: the public page of a payment link (no sign-in; the host picks the tenant).

Anyone holding the link sees the invoice (the token is the permission, like an invitation's) and
can start a Stripe Checkout for its balance. Back from Checkout (`?paid=cs_...`) the page says it
waits for Stripe's confirmation and re-reads the invoice on the server until the webhook marked it
paid, pushing the change; it never claims "paid" on the redirect alone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import payments as gateway
from backend.gateway.payments import PayLine, PayPage
from backend.kit.errors import DomainError, NotFoundError, TooManyAttempts
from billing_console.state.session import request_context

POLL_SECONDS = 2
WATCH_ROUNDS = 90  # three minutes; after that the page asks for a reload


class PayLinkState(rx.State):
    loading: bool = True
    unusable: str = ""  # the link cannot be shown: not valid, or too many attempts
    status: str = ""
    message: str = ""
    invoice_number: str = ""
    issued: str = ""
    due: str = ""
    net: str = ""
    tax: str = ""
    gross: str = ""
    balance_due: str = ""
    issuer_name: str = ""
    issuer_address: str = ""
    issuer_vat_id: str = ""
    issuer_email: str = ""
    buyer_name: str = ""
    buyer_email: str = ""
    expires: str = ""
    online: bool = False
    bank_holder: str = ""
    bank_iban: str = ""
    bank_bic: str = ""
    bank_reference: str = ""
    lines: list[PayLine] = []
    returned: bool = False  # back from Checkout: waiting for the webhook
    watching: bool = False
    paying: bool = False
    error: str = ""
    _token: str = ""

    def _show(self, page: PayPage) -> None:
        self.status, self.message, self.invoice_number = page.status, page.message, page.invoice_number
        self.issued, self.due, self.net, self.tax = page.issued, page.due, page.net, page.tax
        self.gross, self.balance_due = page.gross, page.balance_due
        self.issuer_name, self.issuer_address = page.issuer_name, page.issuer_address
        self.issuer_vat_id, self.issuer_email = page.issuer_vat_id, page.issuer_email
        self.buyer_name, self.buyer_email, self.expires = page.buyer_name, page.buyer_email, page.expires
        self.online, self.lines = page.online, page.lines
        self.bank_holder, self.bank_iban, self.bank_bic = page.bank_holder, page.bank_iban, page.bank_bic
        self.bank_reference = page.bank_reference

    @rx.var
    def pdf_href(self) -> str:
        """The invoice's PDF through the link's own download route (the token is in the page's address)."""
        return f"/api/pay/{self._token}.pdf" if self._token and self.invoice_number else ""

    @rx.event
    async def load(self) -> EventSpec | None:
        self.reset()
        self._token = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:100]
        self.returned = bool(self.router.url.query_parameters.get("paid"))
        try:
            page = await asyncio.to_thread(gateway.pay_page, request_context(self), self._token)
        except TooManyAttempts as exc:
            self.unusable = str(exc)
        except NotFoundError as exc:
            self.unusable = str(exc)
        else:
            self._show(page)
        self.loading = False
        if self.returned and self.status == "active":
            return PayLinkState.watch
        return None

    @rx.event
    async def pay(self) -> AsyncIterator[EventSpec | None]:
        """Start a Checkout for the balance and go there."""
        if self.paying or not self._token:
            return
        self.paying, self.error = True, ""
        yield
        try:
            url = await asyncio.to_thread(gateway.start_payment, request_context(self), self._token)
        except DomainError as exc:
            self.error, self.paying = str(exc), False
            with contextlib.suppress(DomainError):  # the link may have changed (paid, revoked): show it
                self._show(await asyncio.to_thread(gateway.pay_page, request_context(self), self._token))
            return
        yield rx.redirect(url, is_external=True)

    @rx.event(background=True)
    async def watch(self) -> AsyncIterator[EventSpec | None]:
        """Re-read the invoice until the webhook marked it paid (one watcher per tab)."""
        async with self:
            if self.watching:
                return
            self.watching, token, request = True, self._token, request_context(self)
        try:
            for _ in range(WATCH_ROUNDS):
                await asyncio.sleep(POLL_SECONDS)
                try:
                    page = await asyncio.to_thread(gateway.pay_page, request, token)
                except DomainError:
                    return
                async with self:
                    self._show(page)
                if page.status != "active":
                    yield rx.toast.success("Payment confirmed. Thank you.") if page.status == "paid" else None
                    return
        finally:
            async with self:
                self.watching = False
