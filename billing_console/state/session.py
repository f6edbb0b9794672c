"""Who is signed in, in this browser tab.

The Reflex state lives per browser tab, so this is a per-tab sign-in: the ids stay in backend-only
vars and every protected load re-reads the user from the database (locked or revoked users are
signed out). Cookie sessions with server-side revocation replace it later.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

import reflex as rx
from reflex.event import EventSpec

from backend import gateway
from backend.schemas.accounts import SignedInUser
from billing_console.routes import ADMIN_ROLE, DASHBOARD, LOGIN, home_for

StateT = TypeVar("StateT", bound=type[rx.State])

# Page states holding one user's data; signing out resets them so the next user sees none of it.
_PER_USER_STATES: list[type[rx.State]] = []


def cleared_on_sign_out(state_cls: StateT) -> StateT:
    """Class decorator for page states that hold data of the signed-in user."""
    _PER_USER_STATES.append(state_cls)
    return state_cls


class SessionState(rx.State):
    """The signed-in user of this tab; only the display fields are sent to the browser."""

    _user_id: int = 0
    _tenant_id: int = 0
    _token_version: int = 0

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
        self._user_id = user.user_id
        self._tenant_id = user.tenant_id
        self._token_version = user.token_version
        self.email = user.email
        self.display_name = user.display_name
        self.role = user.role
        self.signed_in = True

    async def _forget(self) -> None:
        self.reset()
        for state_cls in _PER_USER_STATES:
            (await self.get_state(state_cls)).reset()

    async def _reload_user(self) -> SignedInUser | None:
        """Re-read the user from the database; forget a user who is gone, locked or revoked."""
        user = None
        if self._user_id:
            user = await asyncio.to_thread(
                gateway.current_user, self._tenant_id, self._user_id, self._token_version
            )
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
        """Forget the user and everything the tab loaded for them."""
        await self._forget()
        return rx.redirect(LOGIN)


async def start_session(state: rx.State, user: SignedInUser) -> None:
    """Sign `user` in for `state`'s tab, dropping whatever the tab held for an earlier user."""
    session = await state.get_state(SessionState)
    await session._forget()
    session._remember(user)


async def signed_in_user(state: rx.State) -> SignedInUser | None:
    """The user of `state`'s tab, re-read from the database, or None when nobody is signed in."""
    session = await state.get_state(SessionState)
    return await session._reload_user()


async def user_or_redirect(state: rx.State) -> SignedInUser | EventSpec:
    """The signed-in user, or the redirect to the sign-in page."""
    user = await signed_in_user(state)
    return rx.redirect(LOGIN) if user is None else user


async def admin_or_redirect(state: rx.State) -> SignedInUser | EventSpec:
    """The signed-in admin, or the redirect for everyone else: to sign in, or to the customer dashboard.

    Every admin handler calls this first: hiding the navigation is not protection.
    """
    user = await user_or_redirect(state)
    if isinstance(user, SignedInUser) and not user.is_admin:
        return rx.redirect(DASHBOARD)
    return user
