"""The sign-in form."""

from __future__ import annotations

from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import identity as identity_gateway
from backend.kit.errors import DomainError, EmailNotConfirmed
from billing_console.routes import home_for, safe_next
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
    next_path: str = ""  # an invitation to come back to (`?next=`), instead of the home page

    @rx.event
    async def load(self) -> AsyncIterator[EventSpec | None]:
        """A browser that is still signed in skips the form."""
        self._clear_form()
        self.unconfirmed_email = ""
        query = self.router.url.query_parameters
        self.notice = next((text for key, text in _NOTICES.items() if key in query), "")
        self.next_path = safe_next(query.get("next", ""))
        user = await signed_in_user(self)
        if user is not None:
            yield rx.redirect(self.next_path or home_for(user.role))

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
        yield rx.call_script(open_session_script(login.ticket, self.next_path or home_for(login.home)))
