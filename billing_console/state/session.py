"""Who is signed in: resolved on the server from the HttpOnly session cookie, on every protected use.

The cookie reaches the backend with the websocket handshake (`router.headers.cookie`; Reflex never
sends it to the browser). Signing in trades a one-time ticket for the cookie at
`POST /api/auth/session` and reloads the page, so the new websocket carries it. Every protected
load and event re-reads the session, so a revoked, expired or locked-out session is out at once.
"""

from __future__ import annotations

import asyncio
import json
from http.cookies import CookieError, SimpleCookie
from typing import TypeVar

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import identity as identity_gateway
from backend.identity.sessions import SESSION_COOKIE
from backend.kit.principals import RequestContext, SignedInUser
from backend.request_origin import FORWARDED_HEADERS, resolve_request_origin
from backend.settings import get_settings
from billing_console.routes import ADMIN_ROLE, LOGIN, home_for

StateT = TypeVar("StateT", bound=type[rx.State])

# Page states holding one user's data; signing out resets them so the next user sees none of it.
_PER_USER_STATES: list[type[rx.State]] = []


def cleared_on_sign_out(state_cls: StateT) -> StateT:
    """Class decorator for page states that hold data of the signed-in user."""
    _PER_USER_STATES.append(state_cls)
    return state_cls


def request_context(state: rx.State) -> RequestContext:
    """Host (picks the tenant), client IP and browser of the websocket this event came through.

    The websocket is opened on the page's own host (rxconfig.py), so its Host header is the page's;
    behind a trusted proxy the forwarded headers say where the browser really was.
    """
    router = state.router
    headers = {name: router.headers.raw_headers.get(name, "") for name in FORWARDED_HEADERS}
    origin = resolve_request_origin(
        {**headers, "host": router.headers.host},
        router.session.client_ip,  # the direct peer: Reflex's own trusted_proxy_hops stays 0
        get_settings().trusted_proxy_networks,
    )
    return RequestContext(
        host=origin.host,
        ip_address=origin.client_ip,
        user_agent=router.headers.user_agent[:300],
        scheme=origin.scheme,
    )


def session_token(state: rx.State) -> str:
    """The session cookie sent with the websocket handshake ("" when there is none)."""
    cookie = SimpleCookie()
    try:
        cookie.load(state.router.headers.cookie or "")
    except CookieError:
        return ""
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel else ""


def open_session_script(ticket: str, destination: str) -> str:
    """Browser side of signing in: trade the ticket for the cookie, then load `destination` afresh."""
    expired = json.dumps(f"{LOGIN}?expired=1")
    return (
        'fetch("/api/auth/session", {method: "POST", credentials: "same-origin", '
        'headers: {"Content-Type": "application/json"}, '
        f"body: JSON.stringify({{ticket: {json.dumps(ticket)}}})}})"
        f".then((r) => window.location.assign(r.ok ? {json.dumps(destination)} : {expired}))"
        f".catch(() => window.location.assign({expired}))"
    )


def close_session_script(destination: str) -> str:
    """Browser side of signing out: drop the cookie, then load `destination` afresh."""
    return (
        'fetch("/api/auth/logout", {method: "POST", credentials: "same-origin"})'
        f".finally(() => window.location.assign({json.dumps(destination)}))"
    )


class SessionState(rx.State):
    """The signed-in user; only display fields reach the browser, never the cookie or ids."""

    email: str = ""
    display_name: str = ""
    role: str = ""
    signed_in: bool = False

    @rx.var
    def is_admin(self) -> bool:
        """Decides what the navigation shows; handlers check the role on the server themselves."""
        return self.role == ADMIN_ROLE

    @rx.var
    def initials(self) -> str:
        """Up to two letters for the avatar."""
        words = (self.display_name or self.email).replace("@", " ").split()
        return "".join(word[0] for word in words[:2]).upper()

    def _remember(self, user: SignedInUser) -> None:
        self.email = user.email
        self.display_name = user.display_name
        self.role = user.role
        self.signed_in = True

    async def _forget(self) -> None:
        self.reset()
        for state_cls in _PER_USER_STATES:
            (await self.get_state(state_cls)).reset()

    async def _reload_user(self) -> SignedInUser | None:
        """Resolve the cookie's session on the server; forget a user whose session ended."""
        token = session_token(self)
        user = None
        if token:
            user = await asyncio.to_thread(identity_gateway.current_user, request_context(self), token)
        if user is None:
            if self.signed_in:
                await self._forget()
            return None
        self._remember(user)
        return user

    @rx.event
    async def open_home(self) -> EventSpec:
        """`/`: signed-in users go to their start page, everyone else to the sign-in form."""
        user = await self._reload_user()
        return rx.redirect(LOGIN if user is None else home_for(user.role))

    @rx.event
    async def sign_out(self) -> EventSpec:
        """Revoke the session on the server, forget everything the tab loaded, drop the cookie."""
        token = session_token(self)
        if token:
            await asyncio.to_thread(identity_gateway.sign_out, request_context(self), token)
        await self._forget()
        return rx.call_script(close_session_script(LOGIN))


async def forget_signed_in_user(state: rx.State) -> None:
    """Drop whatever the tab holds for an earlier user (before a new sign-in)."""
    await (await state.get_state(SessionState))._forget()


async def signed_in_user(state: rx.State) -> SignedInUser | None:
    """The user of the request's session cookie, checked on the server, or None."""
    session = await state.get_state(SessionState)
    return await session._reload_user()
