"""`/admin/settings/payments`: which processor applies, the tenant's own Stripe keys (write-only:
the fields are always empty, a stored key shows as "configured"), disconnecting them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import payments as gateway
from backend.gateway.payments import PaymentSettingsPage
from backend.kit.errors import DomainError, FieldErrors
from backend.kit.principals import SignedInUser
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context

FIELDS = ("secret_key", "webhook_secret", "publishable_key")


@cleared_on_sign_out
class PaymentSettingsState(rx.State):
    loading: bool = True
    mode: str = ""
    mode_label: str = ""
    mode_hint: str = ""
    secret_key_configured: bool = False
    webhook_secret_configured: bool = False
    publishable_key: str = ""
    live: bool = False
    webhook_url: str = ""
    bank_holder: str = ""
    bank_iban: str = ""
    bank_bic: str = ""
    errors: dict[str, str] = {}
    form_error: str = ""
    saving: bool = False
    disconnecting: bool = False
    confirm_open: bool = False
    form_key: int = 0  # bumped after a save: the fields empty themselves (keys are never shown)

    def _show(self, page: PaymentSettingsPage) -> None:
        self.mode, self.mode_label, self.mode_hint = page.mode, page.mode_label, page.mode_hint
        self.secret_key_configured = page.secret_key_configured
        self.webhook_secret_configured = page.webhook_secret_configured
        self.publishable_key, self.live, self.webhook_url = page.publishable_key, page.live, page.webhook_url
        self.bank_holder, self.bank_iban, self.bank_bic = page.bank_holder, page.bank_iban, page.bank_bic
        self.form_key += 1

    @rx.var
    def secret_key_error(self) -> str:
        return self.errors.get("secret_key", "")

    @rx.var
    def webhook_secret_error(self) -> str:
        return self.errors.get("webhook_secret", "")

    @rx.var
    def publishable_key_error(self) -> str:
        return self.errors.get("publishable_key", "")

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        self._show(await asyncio.to_thread(gateway.payment_settings_page, admin))
        self.loading = False

    @rx.event
    @admin_only
    async def save(self, admin: SignedInUser, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Store the keys typed; each bad field gets its message and nothing is stored."""
        sent = form_data if isinstance(form_data, dict) else {}
        values = {name: str(sent.get(name, ""))[:255] for name in FIELDS}
        self.errors, self.form_error, self.saving = {}, "", True
        yield
        try:
            page = await asyncio.to_thread(
                gateway.save_payment_settings,
                request_context(self),
                admin,
                *(values[name] for name in FIELDS),
            )
        except FieldErrors as exc:
            self.errors = {name: message for name, message in exc.fields.items() if name in FIELDS}
            self.form_error = "" if self.errors else str(exc)
        except DomainError as exc:
            self.form_error = str(exc)
        else:
            self._show(page)
            yield rx.toast.success("Stripe keys saved. Customers now pay into your own Stripe account.")
        self.saving = False

    @rx.event
    @admin_only
    async def ask_disconnect(self, admin: SignedInUser) -> None:
        self.confirm_open = True

    @rx.event
    @admin_only
    async def toggle_disconnect_dialog(self, admin: SignedInUser, value: bool) -> None:
        self.confirm_open = value is True

    @rx.event
    @admin_only
    async def disconnect(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self.disconnecting, self.form_error = True, ""
        yield
        try:
            page = await asyncio.to_thread(gateway.disconnect_stripe, request_context(self), admin)
        except DomainError as exc:
            self.form_error = str(exc)
        else:
            self._show(page)
            yield rx.toast.success(f"Stripe disconnected. Now: {page.mode_label}.")
        self.disconnecting, self.confirm_open = False, False
