"""Account settings of the signed-in user: the password, personal access tokens, the audit log."""

from __future__ import annotations

from backend.audit import service as audit
from backend.audit.schemas import AuditEntryView
from backend.db import unit_of_work
from backend.gateway.units import actor, throttle, user_scope
from backend.identity import api_tokens, passwords
from backend.identity.schemas import ApiTokenSummary, CreatedApiToken
from backend.kit.pagination import Page
from backend.kit.principals import RequestContext, SignedInUser


def change_password(request: RequestContext, user: SignedInUser, current: str, new: str) -> None:
    """Signs the user out everywhere, this browser included."""
    with unit_of_work() as session:
        passwords.change_password(
            session,
            user_scope(user),
            user.user_id,
            current_password=current,
            new_password=new,
            throttle=throttle(),
            actor=actor(request, user),
        )


def api_token_list(user: SignedInUser) -> list[ApiTokenSummary]:
    with unit_of_work() as session:
        return api_tokens.list_tokens(session, user_scope(user), user)


def create_api_token(
    request: RequestContext, user: SignedInUser, name: str, scopes: list[str]
) -> CreatedApiToken:
    with unit_of_work() as session:
        return api_tokens.create_token(
            session, user_scope(user), user, name=name, scopes=scopes, actor=actor(request, user)
        )


def revoke_api_token(request: RequestContext, user: SignedInUser, token_id: int) -> ApiTokenSummary:
    with unit_of_work() as session:
        return api_tokens.revoke_token(session, user_scope(user), user, token_id, actor=actor(request, user))


def audit_log(
    user: SignedInUser, *, limit: int = 50, starting_after: int | None = None
) -> Page[AuditEntryView]:
    with unit_of_work() as session:
        return audit.list_entries(
            session, user_scope(user), actor(None, user), limit=limit, starting_after=starting_after
        )
