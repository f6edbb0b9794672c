"""The customer dashboard: subscriptions and open balance of the signed-in user's customer account."""

from __future__ import annotations

import asyncio

import reflex as rx

from backend.gateway import dashboard as dashboard_gateway
from backend.kit.errors import DomainError
from backend.kit.principals import SignedInUser
from backend.reporting.schemas import OpenBalance, SubscriptionSummary
from billing_console.state.guards import signed_in, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out


@cleared_on_sign_out
class DashboardState(rx.State):
    """What the dashboard shows; filled from `dashboard_gateway.customer_dashboard` on every page load."""

    loading: bool = True
    notice: str = ""  # why there is nothing to show, e.g. a user without a customer account
    customer_name: str = ""
    customer_number: str = ""
    subscriptions: list[SubscriptionSummary] = []
    balances: list[OpenBalance] = []

    @rx.var
    def has_subscriptions(self) -> bool:
        return len(self.subscriptions) > 0

    @rx.var
    def nothing_due(self) -> bool:
        return len(self.balances) == 0

    @rx.event
    @starts_from_defaults
    @signed_in
    async def load(self, user: SignedInUser) -> None:
        """Re-check the user, then read the dashboard in a worker thread."""
        await self._read(user)

    @rx.event
    @signed_in
    async def refresh(self, user: SignedInUser) -> None:
        """Read it again in place (no skeletons): a server started running, so its subscription did too."""
        if not self.loading:
            await self._read(user)

    async def _read(self, user: SignedInUser) -> None:
        try:
            overview = await asyncio.to_thread(dashboard_gateway.customer_dashboard, user)
        except DomainError as exc:
            self.notice = str(exc)
        else:
            self.customer_name = overview.customer_name
            self.customer_number = overview.customer_number
            self.subscriptions = overview.subscriptions
            self.balances = overview.balances
        self.loading = False
