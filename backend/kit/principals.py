"""What pages receive about the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SignedInUser:
    user_id: int
    tenant_id: int
    email: str
    display_name: str
    role: str  # "customer" or "admin"
    token_version: int
    customer_account_id: int | None  # the customer account the user acts for (None for pure admins)
    # The user's member role on that account ("owner", "billing" or "viewer"); None without an account.
    member_role: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class ApiPrincipal:
    """The caller of an /api/v1 route: the token's user and the scopes the token grants."""

    user: SignedInUser
    scopes: frozenset[str]
    token_id: int


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
