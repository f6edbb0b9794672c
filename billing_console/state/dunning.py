"""`/admin/dunning`: the tenant's payment reminder steps, read and saved through the gateway
(whose settings service asks the policy again: a customer's crafted event changes nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import dunning as gateway
from backend.gateway.dunning import DunningPage, ReminderRow
from backend.kit.errors import DomainError, FieldErrors
from backend.kit.principals import SignedInUser
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context

FIELD = "reminder_offsets_days"


@cleared_on_sign_out
class DunningSettingsState(rx.State):
    loading: bool = True
    offsets_text: str = ""  # what the days field shows
    suspend_service: bool = True
    enabled: bool = False  # the saved steps send reminders
    suggested_text: str = ""
    timeline: list[ReminderRow] = []
    error: str = ""  # the days field's message
    form_error: str = ""
    saving: bool = False
    form_key: int = 0  # bumped after a load, a save or a suggestion, so the field shows the new value

    def _show(self, page: DunningPage) -> None:
        self.offsets_text, self.suspend_service = page.offsets_text, page.suspend_service
        self.enabled, self.suggested_text, self.timeline = page.enabled, page.suggested_text, page.timeline
        self.form_key += 1

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        self._show(await asyncio.to_thread(gateway.dunning_page, admin))
        self.loading = False

    @rx.event
    @admin_only
    async def choose_suspension(self, admin: SignedInUser, value: bool) -> None:
        """The switch (saved only with "Save")."""
        self.suspend_service = value is True

    @rx.event
    @admin_only
    async def use_suggestion(self, admin: SignedInUser) -> None:
        """Fill the field with the suggested steps (saved only with "Save")."""
        self.offsets_text, self.error = self.suggested_text, ""
        self.form_key += 1

    @rx.event
    @admin_only
    async def save(self, admin: SignedInUser, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Save the steps; wrong days get their message under the field and nothing is written."""
        sent = form_data if isinstance(form_data, dict) else {}
        entered = str(sent.get(FIELD, ""))[:200]
        self.error, self.form_error, self.saving = "", "", True
        yield
        try:
            page = await asyncio.to_thread(
                gateway.save_dunning_settings, request_context(self), admin, entered, self.suspend_service
            )
        except FieldErrors as exc:
            self.error = exc.fields.get(FIELD, str(exc))
            self.offsets_text = entered  # keep what was typed
        except DomainError as exc:
            self.form_error = str(exc)
        else:
            self._show(page)
            yield rx.toast.success(
                "Payment reminders saved." if page.enabled else "Payment reminders are off."
            )
        self.saving = False
