"""Accounts: sign-up with email confirmation, password reset and change, lock/unlock and roles.

Codes are single use, expire, and are stored as digests only. Answers never tell whether an email
is registered: sign-up and reset requests look the same either way, and the mailbox owner learns
what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html import escape
from urllib.parse import urlencode

from sqlmodel import Session

from backend import clock
from backend.audit import service as audit
from backend.customers.repository import (
    CustomerAccountRepository,
    CustomerMemberRepository,
    CustomerProfileRepository,
    next_customer_number,
)
from backend.identity.repository import AccountCodeRepository, UserRepository
from backend.identity.schemas import UserSummary
from backend.identity.sessions import revoke_user_sessions
from backend.integrations.mail import MailBatch, Message
from backend.kit.errors import InvalidCode, NotFoundError, ValidationFailed
from backend.kit.pagination import Page
from backend.kit.passwords import check_password_strength, hash_password, verify_password
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.kit.tokens import digest, new_numeric_code, new_token
from backend.models import (
    AccountCode,
    AccountCodePurpose,
    CustomerAccount,
    CustomerMember,
    CustomerProfile,
    CustomerType,
    MemberRole,
    Tenant,
    User,
    UserRole,
)
from backend.settings import Settings
from backend.tenancy.service import normalise_email
from backend.throttle import Throttle

CONFIRM_CODE_LIFETIME = timedelta(hours=24)
RESET_TOKEN_LIFETIME = timedelta(hours=1)
MAX_CODE_ATTEMPTS = 5  # wrong confirmation codes before the code is dead and a new one is needed


class SignupClosed(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("Sign-up is closed. Please ask the operator of this console for an account.")


@dataclass(frozen=True, slots=True)
class _Brand:
    name: str
    base_url: str


def _brand(session: Session, scope: TenantScope, settings: Settings) -> _Brand:
    tenant: Tenant | None = TenantDirectory(session).by_id(scope.tenant_id)
    name = tenant.name if tenant else "Billing Console"
    base_url = (tenant.frontend_url if tenant and tenant.frontend_url else settings.public_url).rstrip("/")
    return _Brand(name=name, base_url=base_url)


def _email(to: str, subject: str, brand: _Brand, paragraphs: list[str], link: str = "") -> Message:
    text = "\n\n".join([*paragraphs, *([link] if link else []), f"— {brand.name}"])
    html_parts = [f"<p>{escape(p)}</p>" for p in paragraphs]
    if link:
        html_parts.append(f'<p><a href="{escape(link)}">{escape(link)}</a></p>')
    html_parts.append(f"<p>— {escape(brand.name)}</p>")
    return Message(to=to, subject=f"{brand.name}: {subject}", text=text, html="\n".join(html_parts))


def _code_digest(user_id: int, code: str) -> str:
    """Short codes are hashed with their user, so equal codes of two users differ."""
    return digest(f"confirm:{user_id}:{code.strip()}")


def _kill_live_codes(session: Session, scope: TenantScope, user_id: int, purpose: AccountCodePurpose) -> None:
    now = clock.now()
    for code in AccountCodeRepository(session, scope).live_for_user(user_id, purpose, now):
        code.used_at = now
        session.add(code)


def _send_confirmation_code(
    session: Session, scope: TenantScope, settings: Settings, mail: MailBatch, user: User
) -> None:
    assert user.id is not None
    _kill_live_codes(session, scope, user.id, AccountCodePurpose.CONFIRM_EMAIL)
    code = new_numeric_code()
    AccountCodeRepository(session, scope).add(
        AccountCode(
            user_id=user.id,
            purpose=AccountCodePurpose.CONFIRM_EMAIL,
            code_hash=_code_digest(user.id, code),
            expires_at=clock.now() + CONFIRM_CODE_LIFETIME,
        )
    )
    brand = _brand(session, scope, settings)
    mail.queue(
        _email(
            user.email,
            "confirm your email address",
            brand,
            [
                f"Your confirmation code is {code}.",
                "Enter it on the confirmation page to activate your account. It is valid for 24 hours.",
                "If you did not sign up, ignore this email.",
            ],
            link=f"{brand.base_url}/confirm-email?{urlencode({'email': user.email})}",
        )
    )


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
            brand = _brand(session, scope, settings)
            mail.queue(
                _email(
                    existing.email,
                    "you already have an account",
                    brand,
                    [
                        "Someone (probably you) tried to sign up with this email address, "
                        "but you already have an account.",
                        "Sign in, or reset your password if you forgot it:",
                    ],
                    link=f"{brand.base_url}/forgot-password",
                )
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
    accounts = CustomerAccountRepository(session, scope)
    account = accounts.add(
        CustomerAccount(number=next_customer_number(accounts), name=name, customer_type=CustomerType.PRIVATE)
    )
    CustomerMemberRepository(session, scope).add(
        CustomerMember(customer_account_id=account.id, user_id=user.id, role=MemberRole.OWNER)
    )
    CustomerProfileRepository(session, scope).add(
        CustomerProfile(
            customer_account_id=account.id,
            name=name,
            customer_type=CustomerType.PRIVATE,
            # Until the customer completes the profile, the tenant's own country is the best guess.
            country=(tenant.issuer_country if tenant and tenant.issuer_country else "DE"),
            email=user.email,
            billing_day=min(clock.now().day, 28),
        )
    )


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
    _kill_live_codes(session, scope, user.id, AccountCodePurpose.RESET_PASSWORD)
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
    brand = _brand(session, scope, settings)
    mail.queue(
        _email(
            user.email,
            "reset your password",
            brand,
            [
                "Open this link within one hour to choose a new password. It works once.",
                f"If the page asks for a reset code, paste: {token}",
                "If you did not ask for this, ignore this email; your password stays as it is.",
            ],
            link=f"{brand.base_url}/reset-password?token={token}",
        )
    )


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
