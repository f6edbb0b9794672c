"""The "Payment method" card of `/profile`: the saved card and automatic payment.

"Save a card" sends the customer to the processor's hosted page (Checkout in setup mode). Back on
`/profile?card=saved`, the card shows once the processor's report (the webhook) has arrived: a
background event re-reads the card until it does, so it appears without a reload.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import saved_method as gateway
from backend.gateway.saved_method import PaymentMethodCard
from backend.kit.errors import DomainError, NotFoundError
from backend.kit.principals import SignedInUser
from billing_console.state.guards import signed_in, user_or_redirect
from billing_console.state.session import cleared_on_sign_out, request_context

WAIT_SECONDS = 1.0
WAIT_ROUNDS = 60  # a minute: Stripe usually reports within seconds


@cleared_on_sign_out
class SavedMethodState(rx.State):
    loaded: bool = False
    online: bool = False
    has_card: bool = False
    card_label: str = ""
    auto_billing: bool = False
    can_manage: bool = False
    retry_note: str = ""
    busy: bool = False
    waiting: bool = False  # back from the hosted page, the card not reported yet
    setup_started: bool = False  # this tab went to the hosted page (a later reload waits for nothing)
    error: str = ""

    def _show(self, card: PaymentMethodCard) -> None:
        self.online, self.has_card, self.card_label = card.online, card.has_card, card.card_label
        self.auto_billing, self.can_manage, self.retry_note = (
            card.auto_billing,
            card.can_manage,
            card.retry_note,
        )
        self.loaded = True

    @rx.event
    @signed_in
    async def load(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        # busy is left True by "Save a card" when the browser leaves for the hosted page
        self.error, self.waiting, self.busy = "", False, False
        try:
            self._show(await asyncio.to_thread(gateway.payment_method_card, request_context(self), user))
        except NotFoundError:
            self.loaded, self.online = True, False
            return
        returned = self.router.url.query_parameters.get("card") if self.setup_started else None
        self.setup_started = False
        if returned == "saved" and not self.has_card:
            self.waiting = True
            yield SavedMethodState.wait_for_card
        elif returned == "canceled":
            yield rx.toast.info("No card was saved.")

    @rx.event(background=True)
    async def wait_for_card(self) -> AsyncIterator[EventSpec | None]:
        """Re-read the card until the processor's report has saved it (pushed to the page)."""
        async with self:
            user = await user_or_redirect(self)
            context = request_context(self)
        if not isinstance(user, SignedInUser):
            yield user
            return
        for _ in range(WAIT_ROUNDS):
            await asyncio.sleep(WAIT_SECONDS)
            card = await asyncio.to_thread(gateway.payment_method_card, context, user)
            if card.has_card:
                async with self:
                    self._show(card)
                    self.waiting = False
                yield rx.toast.success(f"{card.card_label} saved.")
                return
        async with self:
            self.waiting = False
            self.error = "The card has not been confirmed yet. Reload the page in a minute."

    @rx.event
    @signed_in
    async def save_card(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self.busy, self.error = True, ""
        yield
        try:
            url = await asyncio.to_thread(gateway.start_card_setup, request_context(self), user)
        except DomainError as exc:
            self.error, self.busy = str(exc), False
            return
        self.setup_started = True
        yield rx.redirect(url)  # another host: the browser leaves the console for the hosted page

    @rx.event
    @signed_in
    async def set_auto_billing(self, user: SignedInUser, enabled: bool) -> AsyncIterator[EventSpec | None]:
        self.busy, self.error = True, ""
        yield
        try:
            card = await asyncio.to_thread(
                gateway.set_auto_billing, request_context(self), user, enabled=bool(enabled)
            )
        except DomainError as exc:
            self.error = str(exc)
        else:
            self._show(card)
            yield rx.toast.success(
                "Automatic payment is on: new invoices are charged to your card."
                if card.auto_billing
                else "Automatic payment is off: pay each invoice yourself."
            )
        self.busy = False

    @rx.event
    @signed_in
    async def remove_card(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self.busy, self.error = True, ""
        yield
        try:
            card = await asyncio.to_thread(gateway.remove_card, request_context(self), user)
        except DomainError as exc:
            self.error = str(exc)
        else:
            self._show(card)
            yield rx.toast.success("Card removed. Automatic payment is off.")
        self.busy = False
