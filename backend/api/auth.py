"""Browser sessions: trade the one-time sign-in ticket for the HttpOnly cookie, and sign out.

The sign-in page checks the password over the websocket and receives a ticket; its script posts the
ticket here (same origin) and reloads, so the new websocket carries the cookie. JavaScript never
sees the session token itself.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from backend import clock
from backend.api.problems import ApiProblem
from backend.api.security import SESSION_COOKIE, request_context
from backend.audit import service as audit
from backend.db import unit_of_work
from backend.identity import sessions
from backend.kit.errors import NotFoundError
from backend.kit.principals import RequestContext
from backend.settings import get_settings
from backend.tenancy.service import scope_for_host

router = APIRouter(prefix="/api/auth", include_in_schema=False)


class TicketIn(BaseModel):
    ticket: str = Field(max_length=100)  # tickets are 43 characters: a longer one is no ticket


@router.post("/session", status_code=204)
def open_session(body: TicketIn, request: Request) -> Response:
    settings = get_settings()
    context = request_context(request)
    try:
        with unit_of_work() as session:
            scope = scope_for_host(session, context.host, settings)
            token, expires_at = sessions.exchange_ticket(session, scope, body.ticket)
    except (sessions.SignInExpired, NotFoundError) as exc:
        raise ApiProblem(400, "Sign-in expired", str(exc)) from None
    response = Response(status_code=204)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max(int((expires_at - clock.now()).total_seconds()), 0),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(context),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/logout", status_code=204)
def close_session(request: Request) -> Response:
    """Revoke the cookie's session on the server and delete the cookie."""
    context = request_context(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        with unit_of_work() as session:
            try:
                scope = scope_for_host(session, context.host, get_settings())
            except NotFoundError:
                scope = None
            user_id = sessions.end_session(session, scope, token) if scope else None
            if scope and user_id is not None:
                audit.record(
                    session, scope, audit.Actor(user_id, context.ip_address), "auth.logout",
                    object_type="user", object_id=user_id,
                )  # fmt: skip
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(context))
    return response


def _secure(context: RequestContext) -> bool:
    """Secure cookies when PUBLIC_URL is https or the browser used https (e.g. behind a TLS proxy)."""
    return get_settings().secure_cookies or context.scheme == "https"
