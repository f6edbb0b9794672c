"""Job monitoring: rq-dashboard-fast under /admin/queues/, for admins only.

The dashboard has no access control worth using (without its token config it grants everyone
admin rights, including requeue and delete), so it sits behind `AdminOnly`, an ASGI wrapper that
asks an `authorize(request)` callable first. The composition root decides what "admin" means.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import FastAPI
from rq_dashboard_fast import RedisQueueDashboard
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

DASHBOARD_PATH = "/admin/queues"
Authorize = Callable[[Request], Awaitable[bool]]
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_REFUSED = (
    "<!doctype html><title>Admins only</title><p>Job monitoring is for administrators. "
    '<a href="/login">Sign in</a> with an admin account.</p>'
)


class AdminOnly:
    """Passes a request to `app` only when `authorize` allows it; everyone else gets 403."""

    def __init__(self, app: ASGIApp, authorize: Authorize) -> None:
        self.app = app
        self.authorize = authorize

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        request = Request(scope, receive)
        response = await self._refusal(request)
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    async def _refusal(self, request: Request) -> Response | None:
        # The dashboard's requeue and delete buttons are plain fetches: refuse them cross-site.
        if request.method not in _SAFE_METHODS and not _same_origin(request):
            return PlainTextResponse("Cross-site request refused", status_code=403)
        if await self.authorize(request):
            return None
        return HTMLResponse(_REFUSED, status_code=403)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return False
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def refuse_everyone(_request: Request) -> bool:
    """The binding while no admin check exists: the dashboard stays closed."""
    return False


def mount_queue_dashboard(api: FastAPI, redis_url: str | None, authorize: Authorize) -> None:
    """Mount the dashboard at /admin/queues/ behind `authorize` (503 while no Redis is configured)."""
    dashboard: ASGIApp
    if redis_url:
        dashboard = RedisQueueDashboard(redis_url, prefix=DASHBOARD_PATH, title="Billing Console jobs")
    else:
        dashboard = PlainTextResponse("Job monitoring needs REDIS_URL", status_code=503)
    api.mount(DASHBOARD_PATH, AdminOnly(dashboard, authorize))
