"""The payments card of the admin's invoice page: payments, refunds and disputes of the invoice,
recording a bank transfer (in part or in full) and refunding a payment after a preview.

Each form gets a fresh request key when it opens, so a double submit records or refunds once; the
refund is confirmed in a second step that shows the amount and the credit note in numbers. After a
change the invoice part of the page (AdminInvoiceState) is read again: its balance, credit notes
and history changed too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import admin_payments as gateway
from backend.gateway.admin_payments import DisputeLine, PaymentLine, RefundLine, RefundPreviewView
from backend.kit.errors import DomainError, FieldErrors, NotFoundError
from backend.kit.principals import SignedInUser
from billing_console.state.admin_invoices import AdminInvoiceState
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context

NO_PREVIEW = RefundPreviewView("", "", "", "", False)


@cleared_on_sign_out
class AdminInvoicePaymentsState(rx.State):
    loading: bool = True
    payments: list[PaymentLine] = []
    refunds: list[RefundLine] = []
    disputes: list[DisputeLine] = []
    # "" (closed), "record" (a bank transfer), "refund" (amount and reason), "confirm" (the preview)
    dialog: str = ""
    amount: str = ""
    reference: str = ""
    reason: str = ""
    payment_id: int = 0
    payment_label: str = ""
    preview: RefundPreviewView = NO_PREVIEW
    amount_error: str = ""
    text_error: str = ""
    refusal: str = ""
    working: bool = False
    _invoice_id: int = 0
    _key: str = ""

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        # Runs after AdminInvoiceState.load (the page's on_load list), which resolved the number.
        invoice = await self.get_state(AdminInvoiceState)
        self._invoice_id = invoice._invoice_id
        if self._invoice_id:
            await self._read(admin)
        self.loading = False

    async def _read(self, admin: SignedInUser) -> None:
        try:
            card = await asyncio.to_thread(gateway.payments_card, admin, self._invoice_id)
        except NotFoundError:
            return
        self.payments, self.refunds, self.disputes = card.payments, card.refunds, card.disputes

    def _open(self, kind: str) -> None:
        self.dialog, self._key = kind, gateway.new_key()
        self.amount_error = self.text_error = self.refusal = ""
        self.working = False

    @rx.event
    @admin_only
    async def open_record(self, admin: SignedInUser) -> None:
        invoice = await self.get_state(AdminInvoiceState)
        self._open("record")
        self.amount, self.reference = invoice.invoice.balance_value, ""

    @rx.event
    @admin_only
    async def open_refund(self, admin: SignedInUser, payment_id: int) -> None:
        chosen = next((p for p in self.payments if p.id == payment_id and p.can_refund), None)
        if chosen is None:
            return
        self._open("refund")
        self.payment_id, self.amount, self.reason = chosen.id, chosen.refundable_value, ""
        self.payment_label = f"{chosen.method} of {chosen.amount} ({chosen.at})"

    @rx.event
    @admin_only
    async def close(self, admin: SignedInUser, _open: bool = False) -> None:
        if not self.working:
            self.dialog = ""

    @rx.event
    @admin_only
    async def back_to_refund(self, admin: SignedInUser) -> None:
        self.dialog = "refund"

    @rx.event
    @admin_only
    async def submit_record(
        self, admin: SignedInUser, form_data: dict[str, Any]
    ) -> AsyncIterator[EventSpec | None]:
        self.amount = str(form_data.get("amount") or "").strip()[:20]
        self.reference = str(form_data.get("reference") or "").strip()[:200]
        context, invoice_id, key = request_context(self), self._invoice_id, self._key
        self.working, self.amount_error, self.text_error, self.refusal = True, "", "", ""
        yield
        try:
            done = await asyncio.to_thread(
                gateway.record_transfer, context, admin, invoice_id, self.amount, self.reference, key
            )
        except DomainError as exc:
            self._refused(exc, "reference")
            return
        yield rx.toast.success(done)
        async for update in self._done(admin):
            yield update

    @rx.event
    @admin_only
    async def review_refund(
        self, admin: SignedInUser, form_data: dict[str, Any]
    ) -> AsyncIterator[EventSpec | None]:
        """Step one: check the amount and show what the refund will give back and credit."""
        self.amount = str(form_data.get("amount") or "").strip()[:20]
        self.reason = str(form_data.get("reason") or "").strip()[:500]
        self.amount_error, self.text_error, self.refusal = "", "", ""
        if not self.reason:
            self.text_error = "Reason: say why the money is given back (it is on the credit note)."
            return
        self.working = True
        yield
        try:
            preview = await asyncio.to_thread(
                gateway.preview_refund, admin, self._invoice_id, self.payment_id, self.amount
            )
        except DomainError as exc:
            self._refused(exc, "reason")
            return
        self.preview, self.dialog, self.working = preview, "confirm", False

    @rx.event
    @admin_only
    async def confirm_refund(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        context, invoice_id, key = request_context(self), self._invoice_id, self._key
        self.working, self.refusal = True, ""
        yield
        try:
            done = await asyncio.to_thread(
                gateway.refund, context, admin, invoice_id, self.payment_id, self.amount, self.reason, key
            )
        except DomainError as exc:
            self._refused(exc, "reason")
            if self.amount_error or self.text_error:
                self.dialog = "refund"
            return
        yield rx.toast.success(done)
        async for update in self._done(admin):
            yield update

    def _refused(self, exc: DomainError, text_field: str) -> None:
        self.working = False
        if isinstance(exc, FieldErrors):
            self.amount_error = exc.fields.get("amount", "")
            self.text_error = exc.fields.get(text_field, "")
            others = [m for f, m in exc.fields.items() if f not in ("amount", text_field)]
            self.refusal = " ".join(others)
        else:
            self.refusal = str(exc)

    async def _done(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self.dialog, self.working = "", False
        await self._read(admin)
        yield AdminInvoiceState.reload
