"""Identity's REST routes (personal access tokens): who am I, and the tenant's users for admins.

Routes authenticate the token (401) and leave "may this caller do it?" to the services, which ask
the policy (backend/kit/policy.py: role, ownership and token scope; a refusal is a 403). Responses
are the service's own DTOs.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from pydantic import BaseModel

from backend.api.params import Id, Limit, Page, StartingAfter
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.db import unit_of_work
from backend.identity import users
from backend.identity.schemas import UserSummary
from backend.kit.policy import Action, authorize

router = APIRouter(prefix="/api/v1", tags=["v1"])


@dataclass(frozen=True, slots=True)
class Me:
    id: int
    email: str
    display_name: str
    role: str
    tenant_id: int
    customer_account_id: int | None
    member_role: str | None  # owner, billing or viewer of that account: what the token may do there
    scopes: list[str]


class RoleIn(BaseModel):
    role: str


@router.get("/me")
def me(request: Request, principal: TokenPrincipal) -> Me:
    """The caller: the user behind the token and the token's scopes."""
    user = principal.user
    authorize(token_actor(request, principal), token_scope(principal), Action.READ_PROFILE)
    return Me(
        id=user.user_id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        tenant_id=user.tenant_id,
        customer_account_id=user.customer_account_id,
        member_role=user.member_role,
        scopes=sorted(principal.scopes),
    )


@router.get("/admin/users")
def list_users(
    request: Request,
    principal: TokenPrincipal,
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[UserSummary]:
    """The tenant's users, oldest first (by id)."""
    with unit_of_work() as session:
        found = users.list_users(
            session, token_scope(principal), token_actor(request, principal),
            limit=limit, starting_after=starting_after,
        )  # fmt: skip
    return Page.of(found)


@router.post("/admin/users/{user_id}/lock")
def lock_user(user_id: Id, request: Request, principal: TokenPrincipal) -> UserSummary:
    """Lock a user: signed out everywhere, tokens dead, sign-in refused."""
    with unit_of_work() as session:
        return users.set_locked(
            session, token_scope(principal), user_id, True, actor=token_actor(request, principal)
        )


@router.post("/admin/users/{user_id}/unlock")
def unlock_user(user_id: Id, request: Request, principal: TokenPrincipal) -> UserSummary:
    with unit_of_work() as session:
        return users.set_locked(
            session, token_scope(principal), user_id, False, actor=token_actor(request, principal)
        )


@router.put("/admin/users/{user_id}/role")
def change_role(
    user_id: Id,
    body: RoleIn,
    request: Request,
    principal: TokenPrincipal,
) -> UserSummary:
    with unit_of_work() as session:
        return users.set_role(
            session, token_scope(principal), user_id, body.role, actor=token_actor(request, principal)
        )
