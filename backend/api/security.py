"""Who is calling: the browser session cookie, or a personal access token for /api/v1.

The tenant always comes from the request's host; a cookie or token of another tenant is unknown
there. `admin_for_request` lets any ASGI wrapper (e.g. the queue dashboard) require an admin session.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from backend.api.problems import ApiProblem
from backend.db import unit_of_work
from backend.identity import api_tokens, sessions
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, Actor, allows
from backend.kit.principals import ApiPrincipal, RequestContext, SignedInUser
from backend.kit.repository import TenantScope
from backend.request_origin import FORWARDED_HEADERS, resolve_request_origin
from backend.settings import get_settings
from backend.tenancy.service import scope_for_host

SESSION_COOKIE = sessions.SESSION_COOKIE


def request_context(connection: HTTPConnection) -> RequestContext:
    """Host, scheme and client IP of the request (proxy headers only from TRUSTED_PROXIES)."""
    headers = {name: ", ".join(connection.headers.getlist(name)) for name in ("host", *FORWARDED_HEADERS)}
    origin = resolve_request_origin(
        headers,
        connection.client.host if connection.client else "",
        get_settings().trusted_proxy_networks,
        default_scheme="https" if connection.url.scheme in {"https", "wss"} else "http",
    )
    return RequestContext(
        host=origin.host,
        ip_address=origin.client_ip,
        user_agent=connection.headers.get("user-agent", "")[:300],
        scheme=origin.scheme,
    )


def session_user(context: RequestContext, token: str) -> SignedInUser | None:
    """The user of a session cookie in the tenant of the request's host (None when the session ended)."""
    if not token:
        return None
    settings = get_settings()
    with unit_of_work() as session:
        try:
            scope = scope_for_host(session, context.host, settings)
        except NotFoundError:
            return None
        return sessions.resolve_session(session, scope, token, sessions.SessionPolicy.from_settings(settings))


async def user_for_request(connection: HTTPConnection) -> SignedInUser | None:
    """The signed-in user of a browser request (cookie session), or None."""
    token = connection.cookies.get(SESSION_COOKIE, "")
    return await asyncio.to_thread(session_user, request_context(connection), token)


async def admin_for_request(connection: HTTPConnection) -> SignedInUser | None:
    """The signed-in user of a browser request who may monitor jobs (an admin), or None."""
    user = await user_for_request(connection)
    if user is None:
        return None
    return user if allows(Actor.for_user(user), TenantScope(user.tenant_id), Action.MONITOR_JOBS) else None


def _bearer(connection: HTTPConnection) -> str:
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _authenticate(context: RequestContext, secret: str) -> ApiPrincipal | None:
    with unit_of_work() as session:
        try:
            scope = scope_for_host(session, context.host, get_settings())
        except NotFoundError:
            return None
        return api_tokens.authenticate_token(session, scope, secret)


def has_bearer(connection: HTTPConnection) -> bool:
    return bool(_bearer(connection))


_PRINCIPAL = "api_principal"  # the request state's cache of the bearer token's caller


def bearer_principal(connection: HTTPConnection) -> ApiPrincipal | None:
    """The caller of `Authorization: Bearer <token>` (None without a valid token), looked up once
    per request: the rate limit, idempotency and the route's dependency share it."""
    state = connection.scope.setdefault("state", {})
    if _PRINCIPAL not in state:
        secret = _bearer(connection)
        state[_PRINCIPAL] = _authenticate(request_context(connection), secret) if secret else None
    principal: ApiPrincipal | None = state[_PRINCIPAL]
    return principal


def api_principal(request: Request) -> ApiPrincipal:
    """FastAPI dependency: the caller of `Authorization: Bearer <token>`, else 401."""
    principal = bearer_principal(request)
    if principal is None:
        raise ApiProblem(
            401,
            "Unauthorized",
            "Send a valid personal access token: Authorization: Bearer bc_...",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    return principal


def token_actor(request: Request, principal: ApiPrincipal) -> Actor:
    """The token's user acting from the request's address (what the policy and audit log see)."""
    return Actor.for_token(principal, request_context(request).ip_address)


def token_scope(principal: ApiPrincipal) -> TenantScope:
    """The tenant a token acts in: its user's."""
    return TenantScope(principal.user.tenant_id)


# A route parameter: the principal of the request's bearer token (401 without a valid one).
TokenPrincipal = Annotated[ApiPrincipal, Depends(api_principal)]
