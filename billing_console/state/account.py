"""Account settings: change the password, create and revoke personal access tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import account as account_gateway
from backend.identity.api_tokens import SCOPES
from backend.identity.schemas import ApiTokenSummary
from backend.kit.errors import DomainError
from backend.kit.principals import SignedInUser
from billing_console.routes import LOGIN
from billing_console.state.arguments import record_id
from billing_console.state.guards import signed_in, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, close_session_script, request_context


@dataclass(frozen=True)
class TokenRow:
    """One token as the table shows it."""

    id: int
    name: str
    prefix: str
    scopes: str
    created: str
    last_used: str
    revoked: bool


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def token_row(token: ApiTokenSummary) -> TokenRow:
    return TokenRow(
        id=token.id,
        name=token.name,
        prefix=f"{token.prefix}…",
        scopes=", ".join(token.scopes),
        created=_when(token.created_at),
        last_used=_when(token.last_used_at),
        revoked=token.revoked,
    )


@cleared_on_sign_out
class AccountState(rx.State):
    loading: bool = True
    tokens: list[TokenRow] = []
    # Shown once, right after creation; any other load of the page forgets it.
    new_token: str = ""
    token_error: str = ""
    creating: bool = False
    password_error: str = ""
    changing_password: bool = False

    @rx.var
    def has_tokens(self) -> bool:
        return len(self.tokens) > 0

    @rx.event
    @starts_from_defaults
    @signed_in
    async def load(self, user: SignedInUser) -> None:
        self.tokens = [token_row(t) for t in await asyncio.to_thread(account_gateway.api_token_list, user)]
        self.loading = False

    @rx.event
    @signed_in
    async def change_password(
        self, user: SignedInUser, form_data: dict[str, str]
    ) -> AsyncIterator[EventSpec | None]:
        """A new password signs out every session, this one too."""
        current = str(form_data.get("current_password", ""))
        new = str(form_data.get("new_password", ""))
        if not current or not new:
            self.password_error = "Enter your current password and a new one."
            return
        if new != str(form_data.get("new_password_confirm", "")):
            self.password_error = "The two new passwords differ. Please type the same password twice."
            return
        self.password_error = ""
        self.changing_password = True
        yield
        try:
            await asyncio.to_thread(
                account_gateway.change_password, request_context(self), user, current, new
            )
        except DomainError as exc:
            self.password_error = str(exc)
            self.changing_password = False
            return
        yield rx.call_script(close_session_script(f"{LOGIN}?changed=1"))

    @rx.event
    @signed_in
    async def create_token(
        self, user: SignedInUser, form_data: dict[str, str]
    ) -> AsyncIterator[EventSpec | None]:
        scopes = [scope for scope in SCOPES if form_data.get(f"scope_{scope}") in {"on", "true", True}]
        self.token_error = ""
        self.new_token = ""
        self.creating = True
        yield
        try:
            created = await asyncio.to_thread(
                account_gateway.create_api_token,
                request_context(self),
                user,
                str(form_data.get("name", "")),
                scopes,
            )
        except DomainError as exc:
            self.token_error = str(exc)
        else:
            self.new_token = created.token
            self.tokens = [
                token_row(t) for t in await asyncio.to_thread(account_gateway.api_token_list, user)
            ]
        finally:
            self.creating = False

    @rx.event
    @signed_in
    async def revoke_token(self, user: SignedInUser, token_id: int) -> AsyncIterator[EventSpec | None]:
        token = record_id(token_id)
        if token is None:
            self.token_error = "That token id is not valid. Reload the page and try again."
            return
        try:
            await asyncio.to_thread(account_gateway.revoke_api_token, request_context(self), user, token)
        except DomainError as exc:
            self.token_error = str(exc)
            return
        self.tokens = [token_row(t) for t in await asyncio.to_thread(account_gateway.api_token_list, user)]

    @rx.event
    def dismiss_new_token(self) -> None:
        self.new_token = ""
