"""Sign-in: checks credentials and tells the caller who the user is."""

from __future__ import annotations

from sqlmodel import Session

from backend import clock
from backend.audit import service as audit
from backend.customers.service import membership_of_user
from backend.identity.repository import UserRepository
from backend.kit.errors import AccountLocked, EmailNotConfirmed, InvalidCredentials, TooManyAttempts
from backend.kit.passwords import hash_password, needs_rehash, verify_password
from backend.kit.policy import Action, authorize
from backend.kit.principals import SignedInUser
from backend.kit.repository import TenantScope
from backend.models import User
from backend.throttle import Throttle


def authenticate(
    session: Session,
    scope: TenantScope,
    email: str,
    password: str,
    *,
    throttle: Throttle | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> SignedInUser:
    """Return the user for valid credentials of this tenant.

    Refused: wrong credentials (one message whether or not the email exists), a locked or an
    unconfirmed account, and anyone past the failed-attempt limit per account or IP address. Every
    outcome is audited; the caller commits the audit entry of a refusal before passing the error on.
    """
    authorize(actor, scope, Action.SIGN_IN)
    limits = throttle.limits("login", scope.tenant_id, account=email, ip=actor.ip_address) if throttle else []
    if throttle:
        try:
            throttle.check(limits)
        except TooManyAttempts:
            _audit_failure(session, scope, actor, email, None, "throttled")
            raise
    user = UserRepository(session, scope).by_email(email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        if throttle:
            throttle.hit(limits)
        _audit_failure(session, scope, actor, email, user, "wrong_credentials")
        raise InvalidCredentials()
    if user.locked:
        _audit_failure(session, scope, actor, email, user, "locked")
        raise AccountLocked()
    if not user.confirmed:
        _audit_failure(session, scope, actor, email, user, "unconfirmed")
        raise EmailNotConfirmed()
    if throttle and limits:
        throttle.clear(limits[0])
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = clock.now()
    session.add(user)
    audit.record(
        session,
        scope,
        audit.Actor(user.id, actor.ip_address),
        "auth.login",
        object_type="user",
        object_id=user.id,
    )
    return signed_in_user(session, scope, user)


def _audit_failure(
    session: Session, scope: TenantScope, actor: audit.Actor, email: str, user: User | None, reason: str
) -> None:
    audit.record(
        session,
        scope,
        actor,
        "auth.login_failed",
        object_type="user",
        object_id=user.id if user else "",
        after={"email": email.strip().lower()[:254], "reason": reason},
    )


def load_signed_in_user(
    session: Session, scope: TenantScope, user_id: int, token_version: int
) -> SignedInUser | None:
    """The user behind a session, or None when it was deleted, locked or its sessions were revoked."""
    user = UserRepository(session, scope).get(user_id)
    if user is None or user.locked or user.token_version != token_version:
        return None
    return signed_in_user(session, scope, user)


def signed_in_user(session: Session, scope: TenantScope, user: User) -> SignedInUser:
    membership = membership_of_user(session, scope, user.id or 0)
    return SignedInUser(
        user_id=user.id or 0,
        tenant_id=scope.tenant_id,
        email=user.email,
        display_name=user.display_name or user.email,
        role=user.role.value,
        token_version=user.token_version,
        customer_account_id=membership[0] if membership else None,
        member_role=membership[1].value if membership else None,
    )
