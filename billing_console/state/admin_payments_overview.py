"""The overview's payments section: open disputes (each linking to its invoice), the latest
payouts and the Stripe events of the last seven days (counts by result, the newest failed ones);
only admins get them (checked on the server)."""

from __future__ import annotations

import asyncio

import reflex as rx

from backend.gateway import admin_payments as gateway
from backend.gateway.admin_payments import FailedEventLine, OverviewDispute, PayoutLine
from backend.kit.principals import SignedInUser
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out


@cleared_on_sign_out
class AdminPaymentsOverviewState(rx.State):
    loading: bool = True
    open_disputes: int = 0
    disputes: list[OverviewDispute] = []
    payouts: list[PayoutLine] = []
    events_processed: int = 0
    events_ignored: int = 0
    events_failed: int = 0
    failed_events: list[FailedEventLine] = []
    time_zone: str = "UTC"

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        found = await asyncio.to_thread(gateway.payments_overview, admin)
        self.open_disputes, self.disputes, self.payouts = found.open_disputes, found.disputes, found.payouts
        self.events_processed, self.events_ignored = found.events_processed, found.events_ignored
        self.events_failed, self.failed_events = found.events_failed, found.failed_events
        self.time_zone = found.time_zone
        self.loading = False
