"""The sign-in form."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from backend import gateway
from backend.services.errors import DomainError
from billing_console.routes import home_for
from billing_console.state.session import signed_in_user, start_session


class LoginState(rx.State):
    """Error and progress of the sign-in form; the password is never stored in the state."""

    error: str = ""
    submitting: bool = False

    @rx.event
    async def load(self) -> AsyncIterator[EventSpec]:
        """A tab that is still signed in skips the form."""
        self.error = ""
        self.submitting = False
        user = await signed_in_user(self)
        if user is not None:
            yield rx.redirect(home_for(user.role))

    @rx.event
    async def sign_in(self, form_data: dict[str, str]) -> AsyncIterator[EventSpec | None]:
        """Check the credentials; customers go to their dashboard, admins to the overview."""
        email = str(form_data.get("email", "")).strip()
        password = str(form_data.get("password", ""))
        if not email or not password:
            self.error = "Enter your email address and password."
            return
        self.error = ""
        self.submitting = True
        yield
        try:
            user = await asyncio.to_thread(gateway.sign_in, email, password)
        except DomainError as exc:
            self.error = str(exc)
            return
        finally:
            self.submitting = False
        await start_session(self, user)
        yield rx.redirect(home_for(user.role))
