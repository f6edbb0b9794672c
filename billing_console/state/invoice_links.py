"""The payment links section of `/admin/invoices/{number}`: the invoice's links with their state,
and revoking one (admins only; the service asks the policy again)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import payments as gateway
from backend.gateway.payments import LinkRow
from backend.kit.errors import DomainError
from backend.kit.principals import SignedInUser
from billing_console.state.guards import admin_only
from billing_console.state.session import cleared_on_sign_out, request_context


@cleared_on_sign_out
class InvoiceLinksState(rx.State):
    rows: list[LinkRow] = []
    revoke_id: int = 0
    revoking: bool = False

    def _reference(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:48]

    @rx.event
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        try:
            self.rows = await asyncio.to_thread(gateway.invoice_link_rows, admin, self._reference())
        except DomainError:
            self.rows = []

    @rx.event
    @admin_only
    async def ask_revoke(self, admin: SignedInUser, link_id: int) -> None:
        self.revoke_id = link_id if isinstance(link_id, int) else 0

    @rx.event
    @admin_only
    async def cancel_revoke(self, admin: SignedInUser, open_: bool = False) -> None:
        if not open_:
            self.revoke_id = 0

    @rx.event
    @admin_only
    async def revoke(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        if not self.revoke_id:
            return
        self.revoking = True
        yield
        try:
            await asyncio.to_thread(gateway.revoke_payment_link, request_context(self), admin, self.revoke_id)
            self.rows = await asyncio.to_thread(gateway.invoice_link_rows, admin, self._reference())
        except DomainError as exc:
            yield rx.toast.error(str(exc))
        else:
            yield rx.toast.success("Payment link revoked; its page no longer takes payments.")
        self.revoking, self.revoke_id = False, 0
