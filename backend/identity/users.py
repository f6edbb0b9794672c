"""Users of a tenant created by the operator or the demo: confirmed, with a strong password."""

from __future__ import annotations

from sqlmodel import Session

from backend.identity.repository import UserRepository
from backend.kit.errors import ValidationFailed
from backend.kit.passwords import check_password_strength, hash_password
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
