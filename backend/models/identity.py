"""Sign-in sessions, personal access tokens and one-time account codes (all stored as hashes only)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from backend.models.base import created_at, fk, id_field, tenant_fk, timestamp
from backend.models.types import enum_type


class AccountCodePurpose(StrEnum):
    CONFIRM_EMAIL = "confirm_email"
    RESET_PASSWORD = "reset_password"


def _digest_column(*, nullable: bool) -> Column[str]:
    """A SHA-256 hex digest; the secret itself is never stored."""
    return Column(String(64), nullable=nullable, unique=True)


class UserSession(SQLModel, table=True):
    """A browser sign-in: a one-time ticket first, then the cookie token it was exchanged for."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index(None, "tenant_id", "user_id"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    user_id: int = fk("users.id", ondelete="CASCADE")
    token_hash: str | None = Field(default=None, sa_column=_digest_column(nullable=True))
    ticket_hash: str | None = Field(default=None, sa_column=_digest_column(nullable=True))
    ticket_expires_at: datetime | None = timestamp()
    # The user's token version when signing in; a bump revokes the session.
    token_version: int = 0
    ip_address: str = Field(default="", max_length=45)
    user_agent: str = Field(default="", max_length=300)
    created_at: datetime = created_at()
    last_seen_at: datetime = timestamp(nullable=False)
    expires_at: datetime = timestamp(nullable=False)
    revoked_at: datetime | None = timestamp()


class ApiToken(SQLModel, table=True):
    """A personal access token for the REST API: shown once, stored hashed, revocable."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index(None, "tenant_id", "user_id"),)

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    user_id: int = fk("users.id", ondelete="CASCADE")
    name: str = Field(max_length=100)
    # The first characters of the token, so its owner can recognise it in a list.
    prefix: str = Field(max_length=16)
    token_hash: str = Field(sa_column=_digest_column(nullable=False))
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    token_version: int = 0
    created_at: datetime = created_at()
    last_used_at: datetime | None = timestamp()
    revoked_at: datetime | None = timestamp()


class AccountCode(SQLModel, table=True):
    """A single-use, expiring code sent by email: confirm the address or reset the password."""

    __tablename__ = "account_codes"
    __table_args__ = (Index(None, "tenant_id", "user_id", "purpose"), Index(None, "code_hash"))

    id: int | None = id_field()
    tenant_id: int = tenant_fk()
    user_id: int = fk("users.id", ondelete="CASCADE")
    purpose: AccountCodePurpose = Field(sa_type=enum_type(AccountCodePurpose))
    # Short codes are hashed with the user id, so two users' equal codes differ; not unique over time.
    code_hash: str = Field(sa_column=Column(String(64), nullable=False))
    failed_attempts: int = 0
    created_at: datetime = created_at()
    expires_at: datetime = timestamp(nullable=False)
    used_at: datetime | None = timestamp()
