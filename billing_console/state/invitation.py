"""`/invitations/{token}`: what an emailed invitation offers, and accepting it.

Anyone with the link sees which account invites them (the token is the secret); accepting needs
the invited user signed in with the invited address, and the service decides. A visitor signs in
or signs up from here and comes back (`?next=`, only ever an invitation's own path).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import profile as gateway
from backend.kit.errors import DomainError
from backend.kit.principals import SignedInUser
from billing_console.routes import LOGIN, PROFILE, REGISTER, invitation_path
from billing_console.state.guards import signed_in
from billing_console.state.session import request_context, signed_in_user


class InvitationState(rx.State):
    loading: bool = True
    unusable: str = ""  # why the link cannot be used (expired, withdrawn, used, not valid)
    account_name: str = ""
    email: str = ""
    role_label: str = ""
    role_hint: str = ""
    expires: str = ""
    signed_in_as: str = ""
    error: str = ""
    accepting: bool = False
    _token: str = ""

    @rx.var
    def sign_in_href(self) -> str:
        return f"{LOGIN}?{urlencode({'next': invitation_path(self._token)})}" if self._token else LOGIN

    @rx.var
    def sign_up_href(self) -> str:
        if not self._token:
            return REGISTER
        return f"{REGISTER}?{urlencode({'next': invitation_path(self._token), 'email': self.email})}"

    @rx.event
    async def load(self) -> None:
        self.reset()
        self._token = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:100]
        try:
            page = await asyncio.to_thread(gateway.invitation_page, request_context(self), self._token)
        except DomainError as exc:
            self.unusable = str(exc)
        else:
            self.account_name, self.email = page.account_name, page.email
            self.role_label, self.role_hint, self.expires = page.role_label, page.role_hint, page.expires
        user = await signed_in_user(self)
        self.signed_in_as = user.email if user else ""
        self.loading = False

    @rx.event
    @signed_in
    async def accept(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self.error, self.accepting = "", True
        yield
        try:
            accepted = await asyncio.to_thread(
                gateway.accept_invitation, request_context(self), user, self._token
            )
        except DomainError as exc:
            self.error, self.accepting = str(exc), False
            return
        self.accepting = False
        yield rx.redirect(PROFILE)
        yield rx.toast.success(f"You are now a member of {accepted.account_name}.")
