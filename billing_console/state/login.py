"""The sign-in form."""

from __future__ import annotations

from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import identity as identity_gateway
from backend.kit.errors import DomainError, EmailNotConfirmed
from billing_console.routes import ADMIN_ROLE, home_for, return_path
from billing_console.state.auth_form import AuthFormState
from billing_console.state.session import (
    forget_signed_in_user,
    open_session_script,
    request_context,
    signed_in_user,
)

# Why the form was opened: set by the page that sent the user here (`/login?confirmed=1`, ...).
_NOTICES = {
    "confirmed": "Your email address is confirmed. Sign in to continue.",
    "reset": "Your password was changed. Sign in with the new one.",
    "changed": "Your password was changed and every session signed out. Sign in again.",
    "expired": "Your sign-in did not complete in time. Please sign in again.",
}


class LoginState(AuthFormState, rx.State):
    """The sign-in form; the password is never stored in the state."""

    unconfirmed_email: str = ""  # set when the account still needs its confirmation code
    _return_to: str = ""  # where a page that needed a sign-in sent the user from (`?next=/order/...`)

    @rx.event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        """A browser that is still signed in skips the form."""
        self._clear_form()
        self.unconfirmed_email = ""
        query = self.router.url.query_parameters
        self.notice = next((text for key, text in _NOTICES.items() if key in query), "")
        self._return_to = return_path(str(query.get("next", "")))
        user = await signed_in_user(self)
        if user is not None:
            yield rx.redirect(self._return_to or home_for(user.role))

    @rx.event
    async def sign_in(self, form_data: dict[str, str]) -> AsyncIterator[EventSpec | None]:
        """Check the credentials on the server; the browser then trades the ticket for the cookie."""
        email = str(form_data.get("email", "")).strip()
        password = str(form_data.get("password", ""))
        if not email or not password:
            self.error = "Enter your email address and password."
            return
        self.notice = ""
        self.unconfirmed_email = ""
        self._begin_submit()
        yield
        login = await self._submit(identity_gateway.sign_in, request_context(self), email, password)
        if isinstance(login, DomainError):
            if isinstance(login, EmailNotConfirmed):
                self.unconfirmed_email = email
            return
        await forget_signed_in_user(self)
        # Stays "submitting" while the page reloads with the cookie.
        self.submitting = True
        # An admin has no customer account to order for: the admin home, whatever the page asked.
        destination = (
            self._return_to if login.home != ADMIN_ROLE and self._return_to else home_for(login.home)
        )
        yield rx.call_script(open_session_script(login.ticket, destination))
