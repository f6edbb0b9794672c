"""What pages and the API receive about sessions, API tokens, users and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.schemas.accounts import SignedInUser


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
class ApiPrincipal:
    """The caller of an /api/v1 route: the token's user and the scopes the token grants."""

    user: SignedInUser
    scopes: frozenset[str]
    token_id: int


@dataclass(frozen=True, slots=True)
class UserSummary:
    id: int
    email: str
    display_name: str
    role: str
    confirmed: bool
    locked: bool


@dataclass(frozen=True, slots=True)
class AuditEntryView:
    id: int
    created_at: datetime
    actor_user_id: int | None
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip_address: str


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Where a page event or API request came from: the host picks the tenant, the IP is audited.

    Built from the request by `backend.request_origin.resolve_request_origin` (proxy headers are
    believed only from TRUSTED_PROXIES).
    """

    host: str
    ip_address: str = ""
    user_agent: str = ""
    scheme: str = "http"
