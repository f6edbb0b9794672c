"""Browser sessions: a one-time ticket becomes an HttpOnly cookie token; every use is checked here.

The database keeps only digests. A session ends when it is revoked (sign-out, password change,
lock), when the user's token version moved on, after SESSION_IDLE_MINUTES without use, or
SESSION_MAX_HOURS after sign-in, whichever comes first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from backend import clock
from backend.identity.auth import load_signed_in_user
from backend.identity.repository import UserSessionRepository
from backend.kit.errors import DomainError
from backend.kit.principals import SignedInUser
from backend.kit.repository import TenantScope
from backend.kit.tokens import digest, new_token
from backend.models import UserSession
from backend.settings import Settings

SESSION_COOKIE = "bc_session"
TICKET_LIFETIME = timedelta(minutes=2)
# last_seen_at is written at most this often, so a busy page does not write on every event.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class SignInExpired(DomainError):
    def __init__(self) -> None:
        super().__init__("Your sign-in expired before it completed. Please sign in again.")


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_max_hours),
        )


def issue_ticket(
    session: Session,
    scope: TenantScope,
    user: SignedInUser,
    policy: SessionPolicy,
    *,
    ip_address: str = "",
    user_agent: str = "",
) -> str:
    """Start a session for a user who just proved who they are; returns the one-time ticket."""
    now = clock.now()
    ticket = new_token()
    UserSessionRepository(session, scope).add(
        UserSession(
            user_id=user.user_id,
            ticket_hash=digest(ticket),
            ticket_expires_at=now + TICKET_LIFETIME,
            token_version=user.token_version,
            ip_address=ip_address[:45],
            user_agent=user_agent[:300],
            last_seen_at=now,
            expires_at=now + policy.absolute,
        )
    )
    return ticket


def exchange_ticket(session: Session, scope: TenantScope, ticket: str) -> tuple[str, datetime]:
    """Trade a fresh ticket (once) for the cookie token; returns the token and the session's end."""
    repository = UserSessionRepository(session, scope)
    row = repository.by_ticket_hash(digest(ticket)) if ticket else None
    now = clock.now()
    if (
        row is None
        or row.revoked_at is not None
        or row.token_hash is not None
        or row.ticket_expires_at is None
        or row.ticket_expires_at <= now
    ):
        raise SignInExpired()
    token = new_token()
    row.token_hash = digest(token)
    row.ticket_hash = None
    row.ticket_expires_at = None
    row.last_seen_at = now
    session.add(row)
    session.flush()
    return token, row.expires_at


def resolve_session(
    session: Session, scope: TenantScope, token: str, policy: SessionPolicy
) -> SignedInUser | None:
    """The user behind a cookie token, or None when the session is unknown, ended or revoked."""
    row = UserSessionRepository(session, scope).by_token_hash(digest(token)) if token else None
    if row is None or row.revoked_at is not None:
        return None
    now = clock.now()
    if now >= row.expires_at or now >= row.last_seen_at + policy.idle:
        return None
    user = load_signed_in_user(session, scope, row.user_id, row.token_version)
    if user is None:
        return None
    if now - row.last_seen_at >= LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
        session.add(row)
        session.flush()
    return user


def end_session(session: Session, scope: TenantScope, token: str) -> int | None:
    """Revoke the session of this cookie token; returns its user id when it was still live."""
    row = UserSessionRepository(session, scope).by_token_hash(digest(token)) if token else None
    if row is None or row.revoked_at is not None:
        return None
    row.revoked_at = clock.now()
    session.add(row)
    session.flush()
    return row.user_id


def revoke_user_sessions(session: Session, scope: TenantScope, user_id: int) -> int:
    """Revoke every session of the user (with a token version bump this also covers API tokens)."""
    return UserSessionRepository(session, scope).revoke_all_for_user(user_id, clock.now())
