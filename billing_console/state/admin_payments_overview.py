"""The overview's payments section: open disputes (each linking to its invoice) and the latest
payouts; only admins get them (checked on the server)."""

from __future__ import annotations

import asyncio

import reflex as rx

from backend.gateway import admin_payments as gateway
from backend.gateway.admin_payments import OverviewDispute, PayoutLine
from backend.kit.principals import SignedInUser
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out


@cleared_on_sign_out
class AdminPaymentsOverviewState(rx.State):
    loading: bool = True
    open_disputes: int = 0
    disputes: list[OverviewDispute] = []
    payouts: list[PayoutLine] = []

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        found = await asyncio.to_thread(gateway.payments_overview, admin)
        self.open_disputes, self.disputes, self.payouts = found.open_disputes, found.disputes, found.payouts
        self.loading = False
