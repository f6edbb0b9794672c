"""Sign-in: checks credentials and tells the caller who the user is."""

from __future__ import annotations

from sqlmodel import Session

from backend import clock
from backend.models import User
from backend.repositories.base import TenantScope
from backend.repositories.tenancy import CustomerAccountRepository, UserRepository
from backend.schemas.accounts import SignedInUser
from backend.services.errors import AccountLocked, InvalidCredentials
from backend.services.passwords import verify_password


def authenticate(session: Session, scope: TenantScope, email: str, password: str) -> SignedInUser:
    """Return the user for valid credentials of this tenant; a locked account is refused."""
    user = UserRepository(session, scope).by_email(email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise InvalidCredentials()
    if user.locked:
        raise AccountLocked()
    user.last_login_at = clock.now()
    session.add(user)
    return signed_in_user(session, scope, user)


def load_signed_in_user(
    session: Session, scope: TenantScope, user_id: int, token_version: int
) -> SignedInUser | None:
    """The user behind a session, or None when it was deleted, locked or its sessions were revoked."""
    user = UserRepository(session, scope).get(user_id)
    if user is None or user.locked or user.token_version != token_version:
        return None
    return signed_in_user(session, scope, user)


def signed_in_user(session: Session, scope: TenantScope, user: User) -> SignedInUser:
    accounts = CustomerAccountRepository(session, scope).for_user(user.id or 0)
    return SignedInUser(
        user_id=user.id or 0,
        tenant_id=scope.tenant_id,
        email=user.email,
        display_name=user.display_name or user.email,
        role=user.role.value,
        token_version=user.token_version,
        customer_account_id=accounts[0].id if accounts else None,
    )
