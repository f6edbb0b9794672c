"""Users of a tenant: created by the operator or the demo (confirmed, with a strong password),
listed, locked and given roles by the tenant's admins (never by themselves)."""

from __future__ import annotations

from sqlmodel import Session

from backend.audit import service as audit
from backend.identity.repository import UserRepository
from backend.identity.schemas import UserSummary
from backend.identity.sessions import revoke_user_sessions
from backend.kit.errors import NotFoundError, ValidationFailed
from backend.kit.pagination import Page
from backend.kit.passwords import check_password_strength, hash_password
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import User, UserRole
from backend.tenancy.profile import normalise_email


def create_user(
    session: Session, scope: TenantScope, *, email: str, password: str, role: UserRole, display_name: str = ""
) -> User:
    """A confirmed user of the tenant; emails are unique per tenant (case-insensitive)."""
    email = normalise_email(email)
    check_password_strength(password, email=email)
    users = UserRepository(session, scope)
    if users.by_email(email) is not None:
        raise ValidationFailed(f"A user with email {email} already exists in this tenant.")
    return users.add(
        User(
            email=email,
            password_hash=hash_password(password),
            role=role,
            display_name=display_name,
            confirmed=True,
        )
    )


def _other_user(session: Session, scope: TenantScope, actor: audit.Actor, user_id: int) -> User:
    user = UserRepository(session, scope).get(user_id)
    if user is None:
        raise NotFoundError(f"User {user_id} not found.")
    if user.id == actor.user_id:
        raise ValidationFailed("You cannot change your own access; ask another admin.")
    return user


def set_locked(
    session: Session, scope: TenantScope, user_id: int, locked: bool, *, actor: audit.Actor
) -> UserSummary:
    """Admins lock (sign out everywhere, refuse sign-in) or unlock another user of their tenant."""
    authorize(actor, scope, Action.LOCK_USER)
    user = _other_user(session, scope, actor, user_id)
    before = user.locked
    user.locked = locked
    if locked and not before:
        user.token_version += 1
        session.add(user)
        session.flush()
        revoke_user_sessions(session, scope, user.id or 0)
    session.add(user)
    if before != locked:
        audit.record(
            session,
            scope,
            actor,
            "user.locked" if locked else "user.unlocked",
            object_type="user",
            object_id=user.id,
            before={"locked": before},
            after={"locked": locked},
        )
    return user_summary(user)


def set_role(
    session: Session, scope: TenantScope, user_id: int, role: str, *, actor: audit.Actor
) -> UserSummary:
    """Admins make another user of their tenant an admin or a customer."""
    authorize(actor, scope, Action.SET_USER_ROLE)
    try:
        new_role = UserRole(role)
    except ValueError:
        raise ValidationFailed(f"Role must be one of: {', '.join(r.value for r in UserRole)}.") from None
    user = _other_user(session, scope, actor, user_id)
    before = user.role
    if before != new_role:
        user.role = new_role
        # Signed-in pages pick the new role up on their next load; revoke API tokens minted for the old role.
        user.token_version += 1
        session.add(user)
        session.flush()
        revoke_user_sessions(session, scope, user.id or 0)
        audit.record(
            session,
            scope,
            actor,
            "user.role_changed",
            object_type="user",
            object_id=user.id,
            before={"role": before.value},
            after={"role": new_role.value},
        )
    return user_summary(user)


def list_users(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    *,
    limit: int = 100,
    starting_after: int | None = None,
) -> Page[UserSummary]:
    """The tenant's users in id order, after the user `starting_after` (admins only)."""
    authorize(actor, scope, Action.LIST_USERS)
    return UserRepository(session, scope).page(limit=limit, starting_after=starting_after).map(user_summary)


def user_summary(user: User) -> UserSummary:
    return UserSummary(
        id=user.id or 0,
        email=user.email,
        display_name=user.display_name,
        role=user.role.value,
        confirmed=user.confirmed,
        locked=user.locked,
    )


def user_exists(session: Session, scope: TenantScope, user_id: int) -> bool:
    """Whether `user_id` is one of this tenant's users (locked ones too)."""
    return UserRepository(session, scope).get(user_id) is not None
