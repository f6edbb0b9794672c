"""Passwords: reset by an emailed single-use link, and change after re-checking the current one.

A reset link expires after an hour and is stored as a digest only; requesting one never tells
whether the email is registered. A new password signs the user out everywhere.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from backend import clock
from backend.audit import service as audit
from backend.identity.account_mail import kill_live_codes
from backend.identity.repository import AccountCodeRepository, UserRepository
from backend.identity.sessions import revoke_user_sessions
from backend.integrations.mail import MailBatch
from backend.kit.errors import InvalidCode, NotFoundError, ValidationFailed
from backend.kit.passwords import check_password_strength, hash_password, verify_password
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tokens import digest, new_token
from backend.mail import MailKind
from backend.mail.service import account_mail
from backend.models import AccountCode, AccountCodePurpose, User
from backend.settings import Settings
from backend.throttle import Throttle

RESET_TOKEN_LIFETIME = timedelta(hours=1)


def request_password_reset(
    session: Session,
    scope: TenantScope,
    settings: Settings,
    mail: MailBatch,
    *,
    email: str,
    throttle: Throttle | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> None:
    """Email a single-use reset link (valid one hour) when the address belongs to an account.

    Every request counts against the per-account and per-IP limits, so nobody floods a mailbox.
    """
    authorize(actor, scope, Action.RESET_PASSWORD)
    if throttle:
        limits = throttle.limits("reset", scope.tenant_id, account=email, ip=actor.ip_address)
        throttle.check(limits)
        throttle.hit(limits)
    user = UserRepository(session, scope).by_email(email)
    if user is None or user.id is None or user.locked:
        return
    kill_live_codes(session, scope, user.id, AccountCodePurpose.RESET_PASSWORD)
    token = new_token()
    AccountCodeRepository(session, scope).add(
        AccountCode(
            user_id=user.id,
            purpose=AccountCodePurpose.RESET_PASSWORD,
            code_hash=digest(token),
            expires_at=clock.now() + RESET_TOKEN_LIFETIME,
        )
    )
    audit.record(
        session, scope, actor, "auth.password_reset_requested", object_type="user", object_id=user.id
    )
    context = {"token": token, "link": f"/reset-password?token={token}"}
    account_mail(session, scope, mail, MailKind.PASSWORD_RESET, user.email, context)


def reset_password(
    session: Session,
    scope: TenantScope,
    *,
    token: str,
    new_password: str,
    throttle: Throttle | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> str:
    """Set a new password with a reset token (once); signs the user out everywhere. Returns the email.

    Reaching the inbox also proves the address, so an unconfirmed account becomes confirmed.
    """
    authorize(actor, scope, Action.RESET_PASSWORD)
    limits = throttle.limits("reset-token", scope.tenant_id, ip=actor.ip_address) if throttle else []
    if throttle:
        throttle.check(limits)
    now = clock.now()
    code = AccountCodeRepository(session, scope).by_code_hash(
        digest(token.strip()), AccountCodePurpose.RESET_PASSWORD
    )
    user = UserRepository(session, scope).get(code.user_id) if code else None
    if code is None or code.used_at is not None or code.expires_at <= now or user is None or user.locked:
        if throttle:
            throttle.hit(limits)
        raise InvalidCode("This reset link is wrong, used or expired. Please request a new one.")
    check_password_strength(new_password, email=user.email)
    code.used_at = now
    _set_password(session, scope, user, new_password)
    user.confirmed = True
    session.add_all([code, user])
    audit.record(
        session,
        scope,
        audit.Actor(user.id, actor.ip_address),
        "auth.password_reset",
        object_type="user",
        object_id=user.id,
    )
    return user.email


def _set_password(session: Session, scope: TenantScope, user: User, password: str) -> None:
    """New hash, and every session and API token of the user is revoked (token version bump)."""
    user.password_hash = hash_password(password)
    user.token_version += 1
    session.add(user)
    session.flush()
    revoke_user_sessions(session, scope, user.id or 0)


def change_password(
    session: Session,
    scope: TenantScope,
    user_id: int,
    *,
    current_password: str,
    new_password: str,
    throttle: Throttle | None = None,
    actor: audit.Actor,
) -> None:
    """Change the password after re-checking the current one; signs the user out everywhere.

    Wrong current passwords count like failed sign-ins, so a stolen session cannot guess it.
    Users change their own password only.
    """
    authorize(actor, scope, Action.CHANGE_PASSWORD, owner_user_id=user_id)
    user = UserRepository(session, scope).get(user_id)
    if user is None:
        raise NotFoundError("User not found.")
    limits = (
        throttle.limits("login", scope.tenant_id, account=user.email, ip=actor.ip_address) if throttle else []
    )
    if throttle:
        throttle.check(limits)
    if not verify_password(user.password_hash, current_password):
        if throttle:
            throttle.hit(limits)
        raise ValidationFailed("Your current password is wrong.")
    check_password_strength(new_password, email=user.email)
    if verify_password(user.password_hash, new_password):
        raise ValidationFailed("The new password must differ from the current one.")
    _set_password(session, scope, user, new_password)
    audit.record(session, scope, actor, "auth.password_changed", object_type="user", object_id=user.id)
