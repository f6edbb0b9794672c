"""Accounts, sessions, API tokens and the audit trail, on PostgreSQL and SQLite.

Each test runs in a fresh tenant inside a rolled-back transaction; the clock is frozen and moved.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from backend import clock
from backend.audit import service as audit
from backend.customers.repository import (
    CustomerAccountRepository,
    CustomerMemberRepository,
    CustomerProfileRepository,
)
from backend.identity import api_tokens, auth, passwords, registration, sessions, users
from backend.identity.repository import ApiTokenRepository, UserRepository, UserSessionRepository
from backend.integrations.mail import MailBatch, Message
from backend.kit.errors import (
    AccountLocked,
    EmailNotConfirmed,
    InvalidCode,
    InvalidCredentials,
    NotFoundError,
    PermissionDenied,
    ValidationFailed,
)
from backend.kit.passwords import check_password_strength
from backend.kit.principals import SignedInUser
from backend.kit.repository import TenantScope
from backend.models import AccountCode, ApiToken, CustomerAccount
from backend.settings import Settings, load_settings
from backend.tenancy.service import create_tenant

PASSWORD = "Correct-horse-42"
POLICY = sessions.SessionPolicy(idle=timedelta(minutes=120), absolute=timedelta(hours=168))
HERE = audit.Actor.visitor("198.51.100.7")


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def scope(session: Session, settings: Settings, frozen_clock: clock.FrozenClock) -> TenantScope:
    tenant = create_tenant(session, slug=f"t-{uuid.uuid4().hex[:8]}", name="Test Hosting", settings=settings)
    assert tenant.id is not None
    return TenantScope(tenant.id)


def auditor(scope: TenantScope) -> audit.Actor:
    """An admin of the tenant, reading its audit log."""
    return audit.Actor.admin(scope.tenant_id)


def code_in(message: Message) -> str:
    found = re.search(r"code is (\d{6})", message.text)
    assert found, message.text
    return found.group(1)


def reset_token_in(message: Message) -> str:
    found = re.search(r"reset-password\?token=(\S+)", message.text)
    assert found, message.text
    return found.group(1)


def register(
    session: Session, scope: TenantScope, settings: Settings, email: str, *, confirm: bool = True
) -> SignedInUser | MailBatch:
    mail = MailBatch()
    registration.register(
        session, scope, settings, mail, email=email, password=PASSWORD, name="Pat Doe", actor=HERE
    )
    if not confirm:
        return mail
    registration.confirm_email(session, scope, email=email, code=code_in(mail.messages[-1]), actor=HERE)
    return auth.authenticate(session, scope, email, PASSWORD, actor=HERE)


def signed_in(session: Session, scope: TenantScope, user: SignedInUser) -> str:
    """A cookie token for `user`, the way the browser gets one."""
    ticket = sessions.issue_ticket(session, scope, user, POLICY, ip_address="198.51.100.7")
    token, _ = sessions.exchange_ticket(session, scope, ticket)
    return token


# --- sign-up and confirmation ------------------------------------------------------------------


def test_first_user_becomes_admin_and_later_users_are_customers_with_an_account(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    admin = register(session, scope, settings, "first@example.com")
    customer = register(session, scope, settings, "second@example.com")
    assert isinstance(admin, SignedInUser) and isinstance(customer, SignedInUser)
    assert admin.role == "admin" and admin.customer_account_id is None
    assert customer.role == "customer" and customer.customer_account_id is not None
    account = CustomerAccountRepository(session, scope).get(customer.customer_account_id)
    assert isinstance(account, CustomerAccount) and account.number.startswith("C-")
    members = CustomerMemberRepository(session, scope).list()
    assert [(m.user_id, m.role.value) for m in members] == [(customer.user_id, "owner")]
    profile = CustomerProfileRepository(session, scope).for_account(account.id or 0)
    assert profile is not None and profile.email == "second@example.com" and profile.name == "Pat Doe"


def test_an_unconfirmed_user_cannot_sign_in(session: Session, scope: TenantScope, settings: Settings) -> None:
    register(session, scope, settings, "new@example.com", confirm=False)
    with pytest.raises(EmailNotConfirmed):
        auth.authenticate(session, scope, "new@example.com", PASSWORD)


def test_a_wrong_code_is_refused_and_five_kill_the_code(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    mail = register(session, scope, settings, "new@example.com", confirm=False)
    assert isinstance(mail, MailBatch)
    code = code_in(mail.messages[-1])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(registration.MAX_CODE_ATTEMPTS):
        with pytest.raises(InvalidCode):
            registration.confirm_email(session, scope, email="new@example.com", code=wrong)
    with pytest.raises(InvalidCode):
        registration.confirm_email(session, scope, email="new@example.com", code=code)
    registration.resend_confirmation(session, scope, settings, mail, email="new@example.com")
    registration.confirm_email(session, scope, email="new@example.com", code=code_in(mail.messages[-1]))
    assert auth.authenticate(session, scope, "new@example.com", PASSWORD).email == "new@example.com"


def test_a_confirmation_code_expires_after_a_day(
    session: Session, scope: TenantScope, settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    mail = register(session, scope, settings, "late@example.com", confirm=False)
    assert isinstance(mail, MailBatch)
    frozen_clock.advance(registration.CONFIRM_CODE_LIFETIME + timedelta(seconds=1))
    with pytest.raises(InvalidCode):
        registration.confirm_email(session, scope, email="late@example.com", code=code_in(mail.messages[-1]))


def test_signing_up_with_a_registered_email_reveals_nothing_and_changes_nothing(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    register(session, scope, settings, "taken@example.com")
    mail = MailBatch()
    registration.register(
        session, scope, settings, mail, email="Taken@Example.com", password="Other-pass-123", name="Mallory"
    )
    assert [m.subject for m in mail.messages] == ["Test Hosting: you already have an account"]
    assert UserRepository(session, scope).count() == 1
    assert auth.authenticate(session, scope, "taken@example.com", PASSWORD).display_name == "Pat Doe"


def test_sign_up_can_be_closed(session: Session, scope: TenantScope) -> None:
    closed = load_settings(signup_open=False)
    with pytest.raises(ValidationFailed, match="Sign-up is closed"):
        registration.register(
            session, scope, closed, MailBatch(), email="a@example.com", password=PASSWORD, name="A"
        )
    assert UserRepository(session, scope).count() == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-1", "at least 10 characters"),
        ("abcdefghijkl", "too simple"),
        ("1234567890", "too simple"),
        ("Password123", "too easy to guess"),
        ("aaaaaaaaaaaaaaaaaaaa", "too easy to guess"),
        ("x-pat@example.com", "email address"),
    ],
)
def test_weak_passwords_are_refused(password: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        check_password_strength(password, email="pat@example.com")


@pytest.mark.parametrize("password", ["Correct-horse-42", "correct horse battery staple", "demo-admin-pass"])
def test_reasonable_passwords_pass(password: str) -> None:
    check_password_strength(password, email="pat@example.com")


# --- sign-in -----------------------------------------------------------------------------------


def test_wrong_password_and_unknown_email_get_the_same_answer(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    register(session, scope, settings, "pat@example.com")
    with pytest.raises(InvalidCredentials) as wrong_password:
        auth.authenticate(session, scope, "pat@example.com", "Wrong-pass-123")
    with pytest.raises(InvalidCredentials) as unknown:
        auth.authenticate(session, scope, "nobody@example.com", PASSWORD)
    assert str(wrong_password.value) == str(unknown.value)


# --- sessions ----------------------------------------------------------------------------------


def test_a_ticket_buys_one_session_once_and_only_its_digest_is_stored(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    user = register(session, scope, settings, "pat@example.com")
    assert isinstance(user, SignedInUser)
    ticket = sessions.issue_ticket(session, scope, user, POLICY)
    token, expires_at = sessions.exchange_ticket(session, scope, ticket)
    assert expires_at == clock.now() + POLICY.absolute
    with pytest.raises(sessions.SignInExpired):
        sessions.exchange_ticket(session, scope, ticket)
    stored = UserSessionRepository(session, scope).list()
    assert len(stored) == 1 and stored[0].token_hash not in (None, token) and token not in repr(stored[0])
    assert sessions.resolve_session(session, scope, token, POLICY) == user


def test_a_ticket_expires_within_minutes(
    session: Session, scope: TenantScope, settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    user = register(session, scope, settings, "pat@example.com")
    assert isinstance(user, SignedInUser)
    ticket = sessions.issue_ticket(session, scope, user, POLICY)
    frozen_clock.advance(sessions.TICKET_LIFETIME + timedelta(seconds=1))
    with pytest.raises(sessions.SignInExpired):
        sessions.exchange_ticket(session, scope, ticket)


def test_an_idle_session_expires_and_use_keeps_it_alive(
    session: Session, scope: TenantScope, settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    user = register(session, scope, settings, "pat@example.com")
    assert isinstance(user, SignedInUser)
    token = signed_in(session, scope, user)
    for _ in range(3):  # 3 x 100 minutes of activity: longer than the idle limit, never idle that long
        frozen_clock.advance(timedelta(minutes=100))
        assert sessions.resolve_session(session, scope, token, POLICY) is not None
    frozen_clock.advance(POLICY.idle)
    assert sessions.resolve_session(session, scope, token, POLICY) is None


def test_a_session_ends_at_its_absolute_limit_however_busy(
    session: Session, scope: TenantScope, settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    user = register(session, scope, settings, "pat@example.com")
    assert isinstance(user, SignedInUser)
    token = signed_in(session, scope, user)
    steps = int(POLICY.absolute / timedelta(minutes=60))
    for _ in range(steps - 1):
        frozen_clock.advance(timedelta(minutes=60))
        assert sessions.resolve_session(session, scope, token, POLICY) is not None
    frozen_clock.advance(timedelta(minutes=60))
    assert sessions.resolve_session(session, scope, token, POLICY) is None


def test_a_signed_out_session_is_rejected(session: Session, scope: TenantScope, settings: Settings) -> None:
    user = register(session, scope, settings, "pat@example.com")
    assert isinstance(user, SignedInUser)
    token, other_device = signed_in(session, scope, user), signed_in(session, scope, user)
    assert sessions.end_session(session, scope, token) == user.user_id
    assert sessions.resolve_session(session, scope, token, POLICY) is None
    assert sessions.end_session(session, scope, token) is None
    assert sessions.resolve_session(session, scope, other_device, POLICY) is not None


def test_changing_the_password_revokes_every_session_and_token(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    user = register(session, scope, settings, "pat@example.com")
    assert isinstance(user, SignedInUser)
    token = signed_in(session, scope, user)
    api_token = api_tokens.create_token(
        session, scope, user, name="ci", scopes=["read"], actor=audit.Actor.for_user(user)
    ).token
    with pytest.raises(ValidationFailed, match="current password is wrong"):
        passwords.change_password(
            session,
            scope,
            user.user_id,
            current_password="Wrong-pass-1",
            new_password="Brand-new-pass-7",
            actor=audit.Actor.for_user(user),
        )
    assert sessions.resolve_session(session, scope, token, POLICY) is not None
    passwords.change_password(
        session,
        scope,
        user.user_id,
        current_password=PASSWORD,
        new_password="Brand-new-pass-7",
        actor=audit.Actor.for_user(user),
    )
    assert sessions.resolve_session(session, scope, token, POLICY) is None
    assert api_tokens.authenticate_token(session, scope, api_token) is None
    assert all(row.revoked_at is not None for row in UserSessionRepository(session, scope).list())
    assert auth.authenticate(session, scope, "pat@example.com", "Brand-new-pass-7").email == "pat@example.com"


def test_locking_revokes_sessions_and_refuses_sign_in_until_unlocked(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    admin = register(session, scope, settings, "admin@example.com")
    user = register(session, scope, settings, "pat@example.com")
    assert isinstance(admin, SignedInUser) and isinstance(user, SignedInUser)
    token = signed_in(session, scope, user)
    users.set_locked(session, scope, user.user_id, True, actor=audit.Actor.for_user(admin, "10.1.1.1"))
    assert sessions.resolve_session(session, scope, token, POLICY) is None
    with pytest.raises(AccountLocked):
        auth.authenticate(session, scope, "pat@example.com", PASSWORD)
    users.set_locked(session, scope, user.user_id, False, actor=audit.Actor.for_user(admin))
    assert sessions.resolve_session(session, scope, token, POLICY) is None  # unlocking revives nothing
    assert auth.authenticate(session, scope, "pat@example.com", PASSWORD).email == "pat@example.com"
    locked = [
        e for e in audit.list_entries(session, scope, auditor(scope)).items if e.action == "user.locked"
    ]
    assert locked[0].before == {"locked": False} and locked[0].after == {"locked": True}
    assert locked[0].actor_user_id == admin.user_id and locked[0].ip_address == "10.1.1.1"


def test_customers_cannot_lock_or_change_roles(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    admin = register(session, scope, settings, "admin@example.com")
    customer = register(session, scope, settings, "pat@example.com")
    assert isinstance(admin, SignedInUser) and isinstance(customer, SignedInUser)
    as_customer = audit.Actor.for_user(customer)
    with pytest.raises(PermissionDenied):
        users.set_locked(session, scope, admin.user_id, True, actor=as_customer)
    with pytest.raises(PermissionDenied):
        users.set_role(session, scope, customer.user_id, "admin", actor=as_customer)
    with pytest.raises(PermissionDenied):
        users.list_users(session, scope, as_customer)
    assert UserRepository(session, scope).get(admin.user_id).locked is False  # type: ignore[union-attr]


def test_role_change_is_audited_and_an_admin_cannot_demote_themselves(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    admin = register(session, scope, settings, "admin@example.com")
    user = register(session, scope, settings, "pat@example.com")
    assert isinstance(admin, SignedInUser) and isinstance(user, SignedInUser)
    with pytest.raises(ValidationFailed):
        users.set_role(session, scope, admin.user_id, "customer", actor=audit.Actor.for_user(admin))
    assert (
        users.set_role(session, scope, user.user_id, "admin", actor=audit.Actor.for_user(admin)).role
        == "admin"
    )
    entry = next(
        e for e in audit.list_entries(session, scope, auditor(scope)).items if e.action == "user.role_changed"
    )
    assert (entry.before, entry.after) == ({"role": "customer"}, {"role": "admin"})


# --- password reset ----------------------------------------------------------------------------


def test_password_reset_works_once_and_signs_out_everywhere(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    user = register(session, scope, settings, "pat@example.com")
    assert isinstance(user, SignedInUser)
    token = signed_in(session, scope, user)
    mail = MailBatch()
    passwords.request_password_reset(session, scope, settings, mail, email="pat@example.com", actor=HERE)
    reset_token = reset_token_in(mail.messages[-1])
    assert passwords.reset_password(session, scope, token=reset_token, new_password="Reset-pass-2026") == (
        "pat@example.com"
    )
    assert sessions.resolve_session(session, scope, token, POLICY) is None
    with pytest.raises(InvalidCode):
        passwords.reset_password(session, scope, token=reset_token, new_password="Again-pass-2026")
    assert auth.authenticate(session, scope, "pat@example.com", "Reset-pass-2026").user_id == user.user_id


def test_a_reset_link_expires_and_a_newer_one_replaces_it(
    session: Session, scope: TenantScope, settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    register(session, scope, settings, "pat@example.com")
    mail = MailBatch()
    passwords.request_password_reset(session, scope, settings, mail, email="pat@example.com")
    passwords.request_password_reset(session, scope, settings, mail, email="pat@example.com")
    first, second = (reset_token_in(m) for m in mail.messages)
    with pytest.raises(InvalidCode):
        passwords.reset_password(session, scope, token=first, new_password="Reset-pass-2026")
    frozen_clock.advance(passwords.RESET_TOKEN_LIFETIME + timedelta(seconds=1))
    with pytest.raises(InvalidCode):
        passwords.reset_password(session, scope, token=second, new_password="Reset-pass-2026")


def test_a_reset_for_an_unknown_email_sends_nothing(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    mail = MailBatch()
    passwords.request_password_reset(session, scope, settings, mail, email="ghost@example.com")
    assert mail.messages == []


# --- personal access tokens --------------------------------------------------------------------


def test_api_tokens_are_shown_once_stored_hashed_scoped_and_revocable(
    session: Session, scope: TenantScope, settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    admin = register(session, scope, settings, "admin@example.com")
    customer = register(session, scope, settings, "pat@example.com")
    assert isinstance(admin, SignedInUser) and isinstance(customer, SignedInUser)
    created = api_tokens.create_token(
        session,
        scope,
        customer,
        name="Monitoring",
        scopes=["read", "write"],
        actor=audit.Actor.for_user(customer),
    )
    stored = ApiTokenRepository(session, scope).get(created.summary.id)
    assert isinstance(stored, ApiToken) and created.token not in (stored.token_hash, stored.prefix)
    assert created.token.startswith(stored.prefix)
    assert all(not hasattr(s, "token") for s in api_tokens.list_tokens(session, scope, customer))

    principal = api_tokens.authenticate_token(session, scope, created.token)
    assert principal is not None and principal.user.user_id == customer.user_id
    assert principal.scopes == {"read", "write"}
    assert api_tokens.list_tokens(session, scope, customer)[0].last_used_at == clock.now()

    with pytest.raises(ValidationFailed, match="Only admins"):
        api_tokens.create_token(
            session, scope, customer, name="x", scopes=["admin"], actor=audit.Actor.for_user(customer)
        )
    with pytest.raises(ValidationFailed, match="Unknown scope"):
        api_tokens.create_token(
            session, scope, customer, name="x", scopes=["root"], actor=audit.Actor.for_user(customer)
        )
    with pytest.raises(NotFoundError):  # another user's token is not found
        api_tokens.revoke_token(session, scope, admin, created.summary.id, actor=audit.Actor.for_user(admin))
    assert api_tokens.revoke_token(
        session, scope, customer, created.summary.id, actor=audit.Actor.for_user(customer)
    ).revoked
    assert api_tokens.authenticate_token(session, scope, created.token) is None


# --- audit and secrecy -------------------------------------------------------------------------


def test_security_events_are_audited_with_actor_object_and_ip(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    user = register(session, scope, settings, "pat@example.com")
    assert isinstance(user, SignedInUser)
    with pytest.raises(InvalidCredentials):
        auth.authenticate(session, scope, "pat@example.com", "Wrong-pass-1", actor=HERE)
    signed_in_here = audit.Actor.for_user(user, HERE.ip_address)
    created = api_tokens.create_token(session, scope, user, name="ci", scopes=["read"], actor=signed_in_here)
    api_tokens.revoke_token(session, scope, user, created.summary.id, actor=signed_in_here)
    entries = audit.list_entries(session, scope, auditor(scope)).items
    actions = [e.action for e in entries]
    for action in (
        "auth.registered",
        "auth.email_confirmed",
        "auth.login",
        "auth.login_failed",
        "token.created",
        "token.revoked",
    ):
        assert action in actions
    failed = next(e for e in entries if e.action == "auth.login_failed")
    assert failed.ip_address == HERE.ip_address and failed.object_id == str(user.user_id)
    assert failed.after == {"email": "pat@example.com", "reason": "wrong_credentials"}
    login = next(e for e in entries if e.action == "auth.login")
    assert login.actor_user_id == user.user_id


def test_passwords_and_codes_are_never_logged_nor_stored_nor_returned(
    session: Session, scope: TenantScope, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    mail = register(session, scope, settings, "pat@example.com", confirm=False)
    assert isinstance(mail, MailBatch)
    code = code_in(mail.messages[-1])
    registration.confirm_email(session, scope, email="pat@example.com", code=code)
    user = auth.authenticate(session, scope, "pat@example.com", PASSWORD)
    with pytest.raises(InvalidCredentials):
        auth.authenticate(session, scope, "pat@example.com", "Guessed-pass-99")
    reset = MailBatch()
    passwords.request_password_reset(session, scope, settings, reset, email="pat@example.com")
    reset_token = reset_token_in(reset.messages[-1])
    passwords.reset_password(session, scope, token=reset_token, new_password="Reset-pass-2026")

    secrets = [PASSWORD, "Guessed-pass-99", "Reset-pass-2026", code, reset_token]
    assert not [s for s in secrets if s in caplog.text]
    assert not [s for s in secrets if s in repr(user)]
    stored = repr(
        [
            *UserRepository(session, scope).list(),
            *session.scalars(select(AccountCode)).all(),
            *audit.list_entries(session, scope, auditor(scope)).items,
        ]
    )
    assert not [s for s in secrets if s in stored]
    assert "argon2id" in stored and "auth.password_reset" in stored  # the dump did contain the rows


def test_a_session_row_of_a_deleted_user_goes_with_it(
    session: Session, scope: TenantScope, settings: Settings
) -> None:
    user = register(session, scope, settings, "pat@example.com")
    assert isinstance(user, SignedInUser)
    token = signed_in(session, scope, user)
    users = UserRepository(session, scope)
    users.delete(users.get_or_raise(user.user_id))
    assert sessions.resolve_session(session, scope, token, POLICY) is None
    assert UserSessionRepository(session, scope).count() == 0
