"""Sign-up with email confirmation.

Codes are single use, expire, and are stored as digests only. Answers never tell whether an email
is registered: a sign-up looks the same either way, and the mailbox owner learns what happened.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from sqlmodel import Session

from backend import clock
from backend.audit import service as audit
from backend.customers.service import open_account_for_user
from backend.identity.account_mail import kill_live_codes
from backend.identity.repository import AccountCodeRepository, UserRepository
from backend.integrations.mail import MailBatch
from backend.kit.errors import InvalidCode, ValidationFailed
from backend.kit.passwords import check_password_strength, hash_password
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.kit.tokens import digest, new_numeric_code
from backend.mail import MailKind
from backend.mail.service import account_mail
from backend.models import (
    AccountCode,
    AccountCodePurpose,
    CustomerProfile,
    CustomerType,
    Tenant,
    User,
    UserRole,
)
from backend.settings import Settings
from backend.tenancy.service import normalise_email
from backend.throttle import Throttle

CONFIRM_CODE_LIFETIME = timedelta(hours=24)
MAX_CODE_ATTEMPTS = 5  # wrong confirmation codes before the code is dead and a new one is needed


class SignupClosed(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("Sign-up is closed. Please ask the operator of this console for an account.")


def _code_digest(user_id: int, code: str) -> str:
    """Short codes are hashed with their user, so equal codes of two users differ."""
    return digest(f"confirm:{user_id}:{code.strip()}")


def _send_confirmation_code(
    session: Session, scope: TenantScope, settings: Settings, mail: MailBatch, user: User
) -> None:
    assert user.id is not None
    kill_live_codes(session, scope, user.id, AccountCodePurpose.CONFIRM_EMAIL)
    code = new_numeric_code()
    AccountCodeRepository(session, scope).add(
        AccountCode(
            user_id=user.id,
            purpose=AccountCodePurpose.CONFIRM_EMAIL,
            code_hash=_code_digest(user.id, code),
            expires_at=clock.now() + CONFIRM_CODE_LIFETIME,
        )
    )
    link = f"/confirm-email?{urlencode({'email': user.email})}"
    account_mail(session, scope, mail, MailKind.CONFIRM_EMAIL, user.email, {"code": code, "link": link})


def register(
    session: Session,
    scope: TenantScope,
    settings: Settings,
    mail: MailBatch,
    *,
    email: str,
    password: str,
    name: str,
    throttle: Throttle | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> None:
    """Sign up: an unconfirmed user and a confirmation code by email.

    The tenant's first user becomes its admin; every other user gets a private customer account
    they own, with a minimal billing profile, so they can order right after confirming. An email
    that is already registered gets a notice instead (or a fresh code while still unconfirmed), and
    the caller cannot tell the difference.
    """
    authorize(actor, scope, Action.SIGN_UP)
    if not settings.signup_open:
        raise SignupClosed()
    if throttle:  # every sign-up sends an email: limit them like reset requests
        limits = throttle.limits("code", scope.tenant_id, account=email, ip=actor.ip_address)
        throttle.check(limits)
        throttle.hit(limits)
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise ValidationFailed("Please enter your name.")
    if len(name) > 200:
        raise ValidationFailed("Name must have at most 200 characters.")
    check_password_strength(password, email=email)
    tenant = TenantDirectory(session).lock(scope.tenant_id)
    users = UserRepository(session, scope)
    existing = users.by_email(email)
    if existing is not None:
        if existing.confirmed:
            account_mail(
                session, scope, mail, MailKind.ACCOUNT_EXISTS, existing.email, {"link": "/forgot-password"}
            )
        else:
            # Whoever proves the mailbox with the code gets the password chosen last.
            existing.password_hash = hash_password(password)
            existing.display_name = name
            session.add(existing)
            _send_confirmation_code(session, scope, settings, mail, existing)
        return
    first_user = users.count() == 0
    user = users.add(
        User(
            email=email,
            password_hash=hash_password(password),
            display_name=name,
            role=UserRole.ADMIN if first_user else UserRole.CUSTOMER,
            confirmed=False,
        )
    )
    if not first_user:
        _open_customer_account(session, scope, user, name, tenant)
    audit.record(
        session,
        scope,
        audit.Actor(user.id, actor.ip_address),
        "auth.registered",
        object_type="user",
        object_id=user.id,
        after={"email": email, "role": user.role.value},
    )
    _send_confirmation_code(session, scope, settings, mail, user)


def _open_customer_account(
    session: Session, scope: TenantScope, user: User, name: str, tenant: Tenant | None
) -> None:
    profile = CustomerProfile(
        name=name,
        customer_type=CustomerType.PRIVATE,
        # Until the customer completes the profile, the tenant's own country is the best guess.
        country=(tenant.issuer_country if tenant and tenant.issuer_country else "DE"),
        email=user.email,
        billing_day=min(clock.now().day, 28),
    )
    open_account_for_user(session, scope, user, profile)


def resend_confirmation(
    session: Session,
    scope: TenantScope,
    settings: Settings,
    mail: MailBatch,
    *,
    email: str,
    throttle: Throttle | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> None:
    """A new code for an unconfirmed user (limited like reset requests); silent for anyone else."""
    authorize(actor, scope, Action.CONFIRM_EMAIL)
    if throttle:
        limits = throttle.limits("code", scope.tenant_id, account=email, ip=actor.ip_address)
        throttle.check(limits)
        throttle.hit(limits)
    user = UserRepository(session, scope).by_email(email)
    if user is not None and not user.confirmed and not user.locked:
        _send_confirmation_code(session, scope, settings, mail, user)


def confirm_email(
    session: Session, scope: TenantScope, *, email: str, code: str, actor: audit.Actor = audit.SYSTEM
) -> None:
    """Confirm the address with the emailed code; a wrong code counts against it (5 tries, then dead).

    The caller commits even when this raises, so the failed attempt is counted.
    """
    authorize(actor, scope, Action.CONFIRM_EMAIL)
    user = UserRepository(session, scope).by_email(email)
    if user is None or user.id is None:
        raise InvalidCode()
    if user.confirmed:
        return
    now = clock.now()
    live = AccountCodeRepository(session, scope).live_for_user(user.id, AccountCodePurpose.CONFIRM_EMAIL, now)
    wanted = _code_digest(user.id, code)
    match = next((c for c in live if c.code_hash == wanted and c.failed_attempts < MAX_CODE_ATTEMPTS), None)
    if match is None:
        for candidate in live:
            candidate.failed_attempts += 1
            if candidate.failed_attempts >= MAX_CODE_ATTEMPTS:
                candidate.used_at = now
            session.add(candidate)
        session.flush()
        raise InvalidCode()
    match.used_at = now
    user.confirmed = True
    session.add_all([match, user])
    audit.record(
        session,
        scope,
        audit.Actor(user.id, actor.ip_address),
        "auth.email_confirmed",
        object_type="user",
        object_id=user.id,
        before={"confirmed": False},
        after={"confirmed": True},
    )
