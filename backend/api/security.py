"""Who is calling: the browser session cookie, or a personal access token for /api/v1.

The tenant always comes from the request's host; a cookie or token of another tenant is unknown
there. `admin_for_request` lets any ASGI wrapper (e.g. the queue dashboard) require an admin session.
"""

from __future__ import annotations

import asyncio

from fastapi import Request
from starlette.requests import HTTPConnection

from backend.api.problems import ApiProblem
from backend.db import unit_of_work
from backend.repositories.base import TenantScope
from backend.schemas.accounts import SignedInUser
from backend.schemas.identity import ApiPrincipal, RequestContext
from backend.services import api_tokens, sessions
from backend.services.errors import NotFoundError
from backend.services.policy import Action, Actor, allows
from backend.services.tenants import scope_for_host
from backend.settings import get_settings

SESSION_COOKIE = sessions.SESSION_COOKIE


def request_context(connection: HTTPConnection) -> RequestContext:
    return RequestContext(
        host=connection.headers.get("host", ""),
        ip_address=connection.client.host if connection.client else "",
        user_agent=connection.headers.get("user-agent", "")[:300],
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


def _bearer(request: Request) -> str:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _authenticate(context: RequestContext, secret: str) -> ApiPrincipal | None:
    with unit_of_work() as session:
        try:
            scope = scope_for_host(session, context.host, get_settings())
        except NotFoundError:
            return None
        return api_tokens.authenticate_token(session, scope, secret)


def api_principal(request: Request) -> ApiPrincipal:
    """FastAPI dependency: the caller of `Authorization: Bearer <token>`, else 401."""
    secret = _bearer(request)
    principal = _authenticate(request_context(request), secret) if secret else None
    if principal is None:
        raise ApiProblem(
            401,
            "Unauthorized",
            "Send a valid personal access token: Authorization: Bearer bc_...",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    return principal
