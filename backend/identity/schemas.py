"""What pages and the API receive about sessions, API tokens, users and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.kit.principals import SignedInUser


@dataclass(frozen=True, slots=True)
class LoginTicket:
    """Exchanged once by the browser for the session cookie (POST /api/auth/session)."""

    ticket: str
    home: str  # "admin" or "customer": where the user lands
    user: SignedInUser


@dataclass(frozen=True, slots=True)
class ApiTokenSummary:
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@dataclass(frozen=True, slots=True)
class CreatedApiToken:
    """The only time the token itself is returned."""

    token: str
    summary: ApiTokenSummary


@dataclass(frozen=True, slots=True)
class UserSummary:
    id: int
    email: str
    display_name: str
    role: str
    confirmed: bool
    locked: bool
