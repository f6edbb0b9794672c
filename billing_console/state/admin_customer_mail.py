"""The mail section of `/admin/customers/{id}`: the customer's deliveries, newest first, ten at a
time ("Older mail" reads the next page). Loaded with the page, by its own state, so the customer's
file and its mail record load side by side."""

from __future__ import annotations

import asyncio

import reflex as rx

from backend.gateway import admin_customer_mail as gateway
from backend.gateway.admin_customer_mail import DeliveryLine
from backend.kit.principals import SignedInUser
from billing_console.state.arguments import record_id
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out


@cleared_on_sign_out
class AdminCustomerMailState(rx.State):
    mail_loading: bool = True
    deliveries: list[DeliveryLine] = []
    more_deliveries: bool = False
    _customer_id: int = 0

    @rx.var
    def has_deliveries(self) -> bool:
        return len(self.deliveries) > 0

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        """The newest deliveries of the customer the address names (none for an unknown id)."""
        customer_id = record_id(self.router.url.path.rstrip("/").rsplit("/", 1)[-1])
        if customer_id is not None:
            self._customer_id = customer_id
            self.deliveries, self.more_deliveries = await asyncio.to_thread(
                gateway.customer_mail, admin, customer_id
            )
        self.mail_loading = False

    @rx.event
    @admin_only
    async def load_older(self, admin: SignedInUser) -> None:
        if not self.deliveries:
            return
        older, more = await asyncio.to_thread(
            gateway.customer_mail, admin, self._customer_id, self.deliveries[-1].id
        )
        self.deliveries, self.more_deliveries = [*self.deliveries, *older], more
