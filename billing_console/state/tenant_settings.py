"""`/admin/settings`: the tenant's settings in one form, saved through the gateway (whose settings
service checks the admin role and each field's rule, as for the API). A refused save keeps what was
typed and shows each field's message; nothing is stored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import tenant_settings as gateway
from backend.gateway.tenant_settings import SWITCHES, TEXT_FIELDS, TenantSettingsPage
from backend.kit.errors import DomainError, FieldErrors
from backend.kit.principals import SignedInUser
from backend.tenancy.settings_rules import MAX_LOGO_BYTES
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context

LOGO_UPLOAD = "logo-upload"


@cleared_on_sign_out
class TenantSettingsState(rx.State):
    loading: bool = True
    load_error: str = ""
    values: dict[str, str] = {}  # each text field as saved (or as typed, after a refusal)
    suspend_service: bool = True
    oss_prior_year_rule: bool = True
    logo: str = ""  # a data: URI (at most 64 KB of image), shown as the preview
    currency: str = ""
    default_sender: str = ""
    errors: dict[str, str] = {}
    form_error: str = ""
    saving: bool = False
    uploading: bool = False
    form_key: int = 0  # bumped after a load or save, so the fields show the stored values

    def _show(self, page: TenantSettingsPage) -> None:
        self.values = dict(page.values)
        self.suspend_service, self.oss_prior_year_rule = page.suspend_service, page.oss_prior_year_rule
        self.logo, self.currency, self.default_sender = page.logo, page.currency, page.default_sender
        self.form_key += 1

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        try:
            self._show(await asyncio.to_thread(gateway.tenant_settings_page, admin))
        except DomainError as exc:
            self.load_error = str(exc)
        self.loading = False

    @rx.event
    @admin_only
    async def choose_suspension(self, admin: SignedInUser, value: bool) -> None:
        self.suspend_service = value is True

    @rx.event
    @admin_only
    async def choose_prior_year_rule(self, admin: SignedInUser, value: bool) -> None:
        self.oss_prior_year_rule = value is True

    @rx.event
    @admin_only
    async def save(self, admin: SignedInUser, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Save every field; each bad field gets its message and nothing is written."""
        sent = form_data if isinstance(form_data, dict) else {}
        entered = {field: str(sent.get(field, ""))[:600] for field in TEXT_FIELDS if field in sent}
        switches = {"suspend_service": self.suspend_service, "oss_prior_year_rule": self.oss_prior_year_rule}
        self.errors, self.form_error, self.saving = {}, "", True
        yield
        try:
            page = await asyncio.to_thread(
                gateway.save_tenant_settings, request_context(self), admin, entered, switches
            )
        except FieldErrors as exc:
            self.errors = dict(exc.fields)
            self.values = {**self.values, **entered}  # keep what was typed
            known = set(TEXT_FIELDS) | set(SWITCHES)
            self.form_error = (
                "Some settings need a change; nothing was saved." if set(exc.fields) <= known else str(exc)
            )
            yield rx.toast.error("Nothing was saved: check the fields marked in red.")
        except DomainError as exc:
            self.form_error = str(exc)
        else:
            self._show(page)
            yield rx.toast.success("Settings saved. New invoices, reminders and emails use them.")
        self.saving = False

    @rx.event
    @admin_only
    async def upload_logo(
        self, admin: SignedInUser, files: list[rx.UploadFile]
    ) -> AsyncIterator[EventSpec | None]:
        """Store the chosen image as the logo (PNG or JPEG, at most 64 KB; checked on the server)."""
        self.errors = {key: value for key, value in self.errors.items() if key != "logo"}
        if not files:
            return
        self.uploading = True
        yield
        data = files[0].file.read(MAX_LOGO_BYTES + 1)  # one byte more: too large is refused, not cut
        try:
            page = await asyncio.to_thread(gateway.save_logo, request_context(self), admin, data)
        except FieldErrors as exc:
            self.errors = {**self.errors, "logo": " ".join(exc.fields.values())}
        except DomainError as exc:
            self.errors = {**self.errors, "logo": str(exc)}
        else:
            self.logo = page.logo
            yield rx.toast.success("Logo saved. New invoices show it.")
        self.uploading = False

    @rx.event
    @admin_only
    async def remove_logo(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self.uploading = True
        yield
        try:
            page = await asyncio.to_thread(gateway.save_logo, request_context(self), admin, None)
        except DomainError as exc:
            self.errors = {**self.errors, "logo": str(exc)}
        else:
            self.logo = page.logo
            yield rx.toast.success("Logo removed. New invoices show your name instead.")
        self.uploading = False
