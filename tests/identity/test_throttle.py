"""Sign-in and password-reset abuse limits, counted in a real Redis per account and per IP address."""

from __future__ import annotations

import uuid

import pytest
from redis import Redis
from sqlmodel import Session

from backend.audit import service as audit
from backend.identity import auth, passwords, registration
from backend.identity.users import create_user
from backend.integrations.mail import MailBatch
from backend.kit.errors import InvalidCredentials, TooManyAttempts
from backend.kit.repository import TenantScope
from backend.settings import load_settings
from backend.tenancy.service import create_tenant
from backend.throttle import Throttle

pytestmark = pytest.mark.redis
PASSWORD = "Correct-horse-42"


@pytest.fixture
def throttle(redis_url: str) -> Throttle:
    """Limits of 3 per account and 5 per IP in a 15-minute window, under a prefix of this test only."""
    return Throttle(
        Redis.from_url(redis_url),
        window_seconds=15 * 60,
        per_account=3,
        per_ip=5,
        prefix=f"test-throttle-{uuid.uuid4().hex[:8]}",
    )


@pytest.fixture
def scope(session: Session) -> TenantScope:
    tenant = create_tenant(session, slug=f"t-{uuid.uuid4().hex[:8]}", name="T", settings=load_settings())
    scope = TenantScope(tenant.id or 0)
    for name in ("pat", "sam", "kim", "lee", "max", "ada"):
        create_user(session, scope, email=f"{name}@example.com", password=PASSWORD, role="customer")  # type: ignore[arg-type]
    return scope


def attempt(
    session: Session, scope: TenantScope, throttle: Throttle, email: str, password: str, ip: str
) -> str:
    try:
        auth.authenticate(session, scope, email, password, throttle=throttle, actor=audit.Actor.visitor(ip))
    except (InvalidCredentials, TooManyAttempts) as exc:
        return type(exc).__name__
    return "ok"


def test_an_account_is_throttled_after_repeated_failures_even_with_the_right_password(
    session: Session, scope: TenantScope, throttle: Throttle
) -> None:
    outcomes = [
        attempt(session, scope, throttle, "pat@example.com", "Wrong-pass-1", f"10.0.0.{n}") for n in range(4)
    ]
    assert outcomes == ["InvalidCredentials"] * 3 + ["TooManyAttempts"]
    with pytest.raises(TooManyAttempts, match=r"Too many attempts, try again in 15 minutes\."):
        auth.authenticate(session, scope, "pat@example.com", PASSWORD, throttle=throttle)
    assert (
        attempt(session, scope, throttle, "sam@example.com", PASSWORD, "10.0.0.9") == "ok"
    )  # others unaffected
    throttled = [
        e
        for e in audit.list_entries(session, scope, audit.Actor.admin(scope.tenant_id)).items
        if e.after and e.after.get("reason") == "throttled"
    ]
    assert len(throttled) == 2


def test_one_address_is_throttled_across_accounts(
    session: Session, scope: TenantScope, throttle: Throttle
) -> None:
    emails = ["pat", "sam", "kim", "lee", "max"]
    outcomes = [
        attempt(session, scope, throttle, f"{e}@example.com", "Wrong-pass-1", "203.0.113.5") for e in emails
    ]
    assert outcomes == ["InvalidCredentials"] * 5
    assert attempt(session, scope, throttle, "ada@example.com", PASSWORD, "203.0.113.5") == "TooManyAttempts"
    assert attempt(session, scope, throttle, "ada@example.com", PASSWORD, "203.0.113.6") == "ok"


def test_a_successful_sign_in_clears_the_account_counter(
    session: Session, scope: TenantScope, throttle: Throttle
) -> None:
    for _ in range(2):
        assert (
            attempt(session, scope, throttle, "pat@example.com", "Wrong-pass-1", "") == "InvalidCredentials"
        )
    assert attempt(session, scope, throttle, "pat@example.com", PASSWORD, "") == "ok"
    for _ in range(2):
        assert (
            attempt(session, scope, throttle, "pat@example.com", "Wrong-pass-1", "") == "InvalidCredentials"
        )
    assert attempt(session, scope, throttle, "pat@example.com", PASSWORD, "") == "ok"


def test_the_window_expires_in_redis(session: Session, scope: TenantScope, throttle: Throttle) -> None:
    for _ in range(3):
        attempt(session, scope, throttle, "pat@example.com", "Wrong-pass-1", "")
    limit = throttle.limits("login", scope.tenant_id, account="pat@example.com")[0]
    assert throttle.redis is not None
    assert 0 < int(throttle.redis.ttl(limit.key)) <= 15 * 60
    throttle.redis.delete(limit.key)  # what the expiry does after 15 minutes
    assert attempt(session, scope, throttle, "pat@example.com", PASSWORD, "") == "ok"


def test_password_reset_requests_are_limited(
    session: Session, scope: TenantScope, throttle: Throttle
) -> None:
    settings = load_settings()
    mail = MailBatch()
    for _ in range(3):
        passwords.request_password_reset(
            session, scope, settings, mail, email="pat@example.com", throttle=throttle
        )
    with pytest.raises(TooManyAttempts):
        passwords.request_password_reset(
            session, scope, settings, mail, email="pat@example.com", throttle=throttle
        )
    assert len(mail.messages) == 3


def test_without_redis_nothing_is_limited(session: Session, scope: TenantScope) -> None:
    open_door = Throttle(None, window_seconds=60, per_account=1, per_ip=1)
    for _ in range(3):
        assert (
            attempt(session, scope, open_door, "pat@example.com", "Wrong-pass-1", "1.2.3.4")
            == "InvalidCredentials"
        )


def test_a_dead_redis_does_not_lock_everyone_out(session: Session, scope: TenantScope) -> None:
    dead = Throttle(
        Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2),
        window_seconds=60,
        per_account=1,
        per_ip=1,
    )
    assert attempt(session, scope, dead, "pat@example.com", PASSWORD, "1.2.3.4") == "ok"


def test_sign_ups_and_new_codes_for_one_address_are_limited(
    session: Session, scope: TenantScope, throttle: Throttle
) -> None:
    settings = load_settings()
    mail = MailBatch()
    registration.register(
        session,
        scope,
        settings,
        mail,
        email="new@example.com",
        password=PASSWORD,
        name="N",
        throttle=throttle,
    )
    for _ in range(2):
        registration.resend_confirmation(
            session, scope, settings, mail, email="new@example.com", throttle=throttle
        )
    with pytest.raises(TooManyAttempts):
        registration.resend_confirmation(
            session, scope, settings, mail, email="new@example.com", throttle=throttle
        )
    assert len(mail.messages) == 3
