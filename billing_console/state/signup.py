"""Sign-up and email confirmation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import identity as identity_gateway
from backend.kit.errors import DomainError
from billing_console.routes import CONFIRM_EMAIL, LOGIN, return_path
from billing_console.state.auth_form import AuthFormState
from billing_console.state.session import request_context


class RegisterState(AuthFormState, rx.State):
    next_path: str = ""  # an invitation to come back to after confirming (`?next=`)

    @rx.event
    def load(self) -> None:
        self._clear_form()
        self.next_path = return_path(self.router.url.query_parameters.get("next", ""))

    @rx.event
    async def register(self, form_data: dict[str, str]) -> AsyncIterator[EventSpec | None]:
        """Create the account and email a confirmation code; then ask for the code."""
        name = str(form_data.get("name", "")).strip()
        email = str(form_data.get("email", "")).strip()
        password = str(form_data.get("password", ""))
        if not name or not email or not password:
            self.error = "Please fill in your name, email address and a password."
            return
        if password != str(form_data.get("password_confirm", "")):
            self.error = "The two passwords differ. Please type the same password twice."
            return
        self._begin_submit()
        yield
        outcome = await self._submit(
            identity_gateway.register, request_context(self), email=email, password=password, name=name
        )
        if isinstance(outcome, DomainError):
            return
        back = {"next": self.next_path} if self.next_path else {}
        yield rx.redirect(f"{CONFIRM_EMAIL}?{urlencode({'email': email, 'sent': '1', **back})}")


class ConfirmEmailState(AuthFormState, rx.State):
    email: str = ""
    next_path: str = ""

    @rx.event
    def load(self) -> None:
        query = self.router.url.query_parameters
        self.email = query.get("email", "")
        self.next_path = return_path(query.get("next", ""))
        self._clear_form()
        self.notice = (
            "We sent a 6-digit code to your email address. It is valid for 24 hours."
            if query.get("sent")
            else ""
        )

    @rx.event
    async def confirm(self, form_data: dict[str, str]) -> AsyncIterator[EventSpec | None]:
        email = str(form_data.get("email", "")).strip()
        code = str(form_data.get("code", "")).strip().replace(" ", "")
        if not email or not code:
            self.error = "Enter your email address and the code from the email."
            return
        self.email = email
        self._begin_submit()
        yield
        outcome = await self._submit(identity_gateway.confirm_email, request_context(self), email, code)
        if isinstance(outcome, DomainError):
            return
        back = {"next": self.next_path} if self.next_path else {}
        yield rx.redirect(f"{LOGIN}?{urlencode({'confirmed': '1', **back})}")

    @rx.event
    async def resend(self) -> AsyncIterator[None]:
        if not self.email.strip():
            self.error = "Enter your email address first."
            return
        self._begin_submit()
        yield
        outcome = await self._submit(identity_gateway.resend_confirmation, request_context(self), self.email)
        if not isinstance(outcome, DomainError):
            self.notice = "If this address still needs confirming, a new code is on its way."

    @rx.event
    def set_email(self, value: str) -> None:
        self.email = value
