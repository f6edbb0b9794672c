"""What /api answers outside its routes: 404 and 405 as problems, and the problem types' pages.

Reflex mounts its app inside ours at "" (`rx.App(api_transformer=...)`), so without the catch-all
an unknown /api path, or a known one with another method, would get Reflex's HTML page.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.responses import JSONResponse
from starlette.routing import Match, Mount, Route
from starlette.types import Receive, Scope, Send

from backend.api.problems import PROBLEM_PATH, PROBLEM_TYPES, problem_response, problem_type_uri

router = APIRouter(include_in_schema=False)
CATCH_ALL_PATHS = ("/api/{path:path}", "/api")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@router.get(PROBLEM_PATH + "/{slug}")
def problem_type(slug: str) -> JSONResponse:
    """What a problem `type` of this API means (its URI is this page's)."""
    known = PROBLEM_TYPES.get(slug)
    if known is None:
        return problem_response(404, f"No problem type {slug!r}.")
    body = {"type": problem_type_uri(slug), "title": known.title, "status": known.status}
    return JSONResponse(body | {"description": known.description})


class _NotFoundOrNotAllowed:
    """An ASGI endpoint, so its route takes every method: 405 with Allow when another route has
    the path, else 404."""

    def __init__(self, api: FastAPI) -> None:
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = sorted(_allowed_methods(self.api, scope))
        if allowed:
            listed = ", ".join(allowed)
            response = problem_response(405, f"Allowed: {listed}.", headers={"Allow": listed})
        else:
            response = problem_response(404, f"No API route {scope['path']}.")
        await response(scope, receive, send)


def add_api_fallback(api: FastAPI) -> None:
    """Add the catch-all for every method under /api; call after every /api route is added."""
    endpoint = _NotFoundOrNotAllowed(api)
    for path in CATCH_ALL_PATHS:
        api.router.routes.append(Route(path, endpoint, include_in_schema=False))


def _allowed_methods(api: FastAPI, scope: Scope) -> set[str]:
    """The methods some route takes at this path (routers nest in FastAPI: each method is tried
    on the route table rather than read off the routes)."""
    routes = [
        route
        for route in api.router.routes
        if not isinstance(route, Mount) and getattr(route, "path", None) not in CATCH_ALL_PATHS
    ]
    allowed = set()
    for method in HTTP_METHODS:
        probe = {**scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in routes):
            allowed.add(method)
    return allowed
