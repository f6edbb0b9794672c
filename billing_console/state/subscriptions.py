"""The signed-in customer's subscriptions: one page of the list at a time, read on the server."""

from __future__ import annotations

import asyncio

import reflex as rx

from backend.gateway import subscriptions as subscriptions_gateway
from backend.kit.errors import DomainError
from backend.kit.principals import SignedInUser
from backend.reporting.schemas import SubscriptionSummary
from billing_console.state.guards import signed_in, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out


def page_number(value: object) -> int:
    """`?page=` as sent by the browser: a small positive number, else the first page."""
    text = str(value or "")
    return int(text) if text.isdigit() and 0 < len(text) <= 6 and int(text) > 0 else 1


@cleared_on_sign_out
class SubscriptionsState(rx.State):
    loading: bool = True
    notice: str = ""  # why there is nothing to show, e.g. an admin without a customer account
    subscriptions: list[SubscriptionSummary] = []
    page: int = 1
    page_count: int = 1
    total: int = 0

    @rx.var
    def has_subscriptions(self) -> bool:
        return self.total > 0

    @rx.var
    def previous_page(self) -> str:
        return f"?page={self.page - 1}" if self.page > 1 else ""

    @rx.var
    def next_page(self) -> str:
        return f"?page={self.page + 1}" if self.page < self.page_count else ""

    @rx.event
    @starts_from_defaults
    @signed_in
    async def load(self, user: SignedInUser) -> None:
        wanted = page_number(self.router.url.query_parameters.get("page"))
        try:
            listed = await asyncio.to_thread(subscriptions_gateway.subscription_list, user, wanted)
        except DomainError as exc:
            self.notice = str(exc)
        else:
            self.subscriptions = listed.subscriptions
            self.page, self.page_count, self.total = listed.page, listed.page_count, listed.total
        self.loading = False
