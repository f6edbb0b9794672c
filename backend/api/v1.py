"""REST API v1 (personal access tokens): who am I, and the tenant's users and audit log for admins.

Routes authenticate the token (401) and leave "may this caller do it?" to the services, which ask
the policy (backend/kit/policy.py: role, ownership and token scope; a refusal is a 403).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from backend.api.params import Id, Limit, Page, StartingAfter
from backend.api.security import api_principal, request_context
from backend.audit import service as audit
from backend.audit.schemas import AuditEntryView
from backend.db import unit_of_work
from backend.identity import users as identity_users
from backend.identity.schemas import UserSummary
from backend.kit.policy import Action, authorize
from backend.kit.principals import ApiPrincipal
from backend.kit.repository import TenantScope

router = APIRouter(prefix="/api/v1", tags=["v1"])


class MeOut(BaseModel):
    id: int
    email: str
    display_name: str
    role: str
    tenant_id: int
    customer_account_id: int | None
    scopes: list[str]


class UserOut(BaseModel):
    id: int
    email: str
    display_name: str
    role: str
    confirmed: bool
    locked: bool


class RoleIn(BaseModel):
    role: str


class AuditEntryOut(BaseModel):
    id: int
    created_at: datetime
    actor_user_id: int | None
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip_address: str


def _user_out(user: UserSummary) -> UserOut:
    return UserOut(**{field: getattr(user, field) for field in UserOut.model_fields})


def _audit_entry_out(entry: AuditEntryView) -> AuditEntryOut:
    return AuditEntryOut(**{field: getattr(entry, field) for field in AuditEntryOut.model_fields})


def _actor(request: Request, principal: ApiPrincipal) -> audit.Actor:
    return audit.Actor.for_token(principal, request_context(request).ip_address)


@router.get("/me")
def me(request: Request, principal: ApiPrincipal = Depends(api_principal)) -> MeOut:  # noqa: B008
    """The caller: the user behind the token and the token's scopes."""
    user = principal.user
    authorize(_actor(request, principal), TenantScope(user.tenant_id), Action.READ_PROFILE)
    return MeOut(
        id=user.user_id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        tenant_id=user.tenant_id,
        customer_account_id=user.customer_account_id,
        scopes=sorted(principal.scopes),
    )


@router.get("/admin/users")
def list_users(
    request: Request,
    principal: ApiPrincipal = Depends(api_principal),  # noqa: B008
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[UserOut]:
    """The tenant's users, oldest first (by id)."""
    with unit_of_work() as session:
        users = identity_users.list_users(
            session, TenantScope(principal.user.tenant_id), _actor(request, principal),
            limit=limit, starting_after=starting_after,
        )  # fmt: skip
    return Page.of(users.map(_user_out))


@router.post("/admin/users/{user_id}/lock")
def lock_user(user_id: Id, request: Request, principal: ApiPrincipal = Depends(api_principal)) -> UserOut:  # noqa: B008
    """Lock a user: signed out everywhere, tokens dead, sign-in refused."""
    with unit_of_work() as session:
        user = identity_users.set_locked(
            session, TenantScope(principal.user.tenant_id), user_id, True, actor=_actor(request, principal)
        )
    return _user_out(user)


@router.post("/admin/users/{user_id}/unlock")
def unlock_user(user_id: Id, request: Request, principal: ApiPrincipal = Depends(api_principal)) -> UserOut:  # noqa: B008
    with unit_of_work() as session:
        user = identity_users.set_locked(
            session, TenantScope(principal.user.tenant_id), user_id, False, actor=_actor(request, principal)
        )
    return _user_out(user)


@router.put("/admin/users/{user_id}/role")
def change_role(
    user_id: Id,
    body: RoleIn,
    request: Request,
    principal: ApiPrincipal = Depends(api_principal),  # noqa: B008
) -> UserOut:
    with unit_of_work() as session:
        user = identity_users.set_role(
            session,
            TenantScope(principal.user.tenant_id),
            user_id,
            body.role,
            actor=_actor(request, principal),
        )
    return _user_out(user)


@router.get("/admin/audit-log")
def audit_log(
    request: Request,
    principal: ApiPrincipal = Depends(api_principal),  # noqa: B008
    limit: Limit = 50,
    starting_after: StartingAfter = None,
    object_type: Annotated[str, Query(max_length=50)] = "",
    object_id: Annotated[str, Query(max_length=100)] = "",
) -> Page[AuditEntryOut]:
    """The tenant's audit log, newest first: `starting_after` pages to older entries."""
    with unit_of_work() as session:
        entries = audit.list_entries(
            session,
            TenantScope(principal.user.tenant_id),
            _actor(request, principal),
            limit=limit,
            starting_after=starting_after,
            object_type=object_type,
            object_id=object_id,
        )
    return Page.of(
        entries.map(lambda e: AuditEntryOut(**{f: getattr(e, f) for f in AuditEntryOut.model_fields}))
    )
