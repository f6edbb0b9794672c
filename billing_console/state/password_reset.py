"""Forgotten password: request a reset link, then choose a new password with it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import identity as identity_gateway
from backend.kit.errors import DomainError
from billing_console.routes import LOGIN
from billing_console.state.auth_form import AuthFormState
from billing_console.state.session import request_context


class ForgotPasswordState(AuthFormState, rx.State):
    sent_to: str = ""

    @rx.event
    def load(self) -> None:
        self.sent_to = ""
        self._clear_form()

    @rx.event
    async def request_link(self, form_data: dict[str, str]) -> AsyncIterator[None]:
        """The answer is the same whether or not the address has an account."""
        email = str(form_data.get("email", "")).strip()
        if not email:
            self.error = "Enter the email address of your account."
            return
        self._begin_submit()
        yield
        outcome = await self._submit(identity_gateway.request_password_reset, request_context(self), email)
        if not isinstance(outcome, DomainError):
            self.sent_to = email


class ResetPasswordState(AuthFormState, rx.State):
    # The token from the link stays on the server; the form asks for it only when there is none.
    _token: str = ""
    has_token: bool = False

    @rx.event
    def load(self) -> None:
        self._token = self.router.url.query_parameters.get("token", "")
        self.has_token = bool(self._token)
        self._clear_form()

    @rx.event
    async def set_new_password(self, form_data: dict[str, str]) -> AsyncIterator[EventSpec | None]:
        token = self._token or str(form_data.get("token", "")).strip()
        password = str(form_data.get("password", ""))
        if not token:
            self.error = "Paste the reset code from the email, or open the link in it."
            return
        if not password:
            self.error = "Choose a new password."
            return
        if password != str(form_data.get("password_confirm", "")):
            self.error = "The two passwords differ. Please type the same password twice."
            return
        self._begin_submit()
        yield
        outcome = await self._submit(identity_gateway.reset_password, request_context(self), token, password)
        if isinstance(outcome, DomainError):
            return
        self._token = ""
        yield rx.redirect(f"{LOGIN}?reset=1")
