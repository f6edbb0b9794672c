"""Job monitoring: rq-dashboard-fast under /admin/queues/, for admins only, and for this site only.

The dashboard has no access control worth using (without its token config it grants everyone
admin rights, including requeue and delete), so it sits behind `AdminOnly`, an ASGI wrapper that
asks an `authorize(request)` callable first. The composition root decides what "admin" means, and
which page a refused browser sees (the console's own 403 page when the frontend is built).
Its pages get the console's bar (templates/header.html) with the way back to the console.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from rq_dashboard_fast import RedisQueueDashboard
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.api.cors import same_origin

DASHBOARD_PATH = "/admin/queues"
TEMPLATES = Path(__file__).parent / "templates"
Authorize = Callable[[Request], Awaitable[bool]]
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_REFUSED = (
    "<!doctype html><title>Admins only</title><p>Job monitoring is for administrators. "
    '<a href="/login">Sign in</a> with an admin account.</p>'
)


class AdminOnly:
    """Passes a request to `app` only when it comes from this site and `authorize` allows it.

    Refused browsers get `refused_page` (an HTML file) with status 403 when given, else a short page.
    """

    def __init__(self, app: ASGIApp, authorize: Authorize, refused_page: Path | None = None) -> None:
        self.app = app
        self.authorize = authorize
        self.refused_page = refused_page

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
        # The dashboard's requeue and delete buttons are plain fetches: refuse them cross-site, and
        # refuse other sites' reads of its JSON as well.
        if _from_another_site(request) or (request.method not in _SAFE_METHODS and not _same_origin(request)):
            return PlainTextResponse("Cross-site request refused", status_code=403)
        if await self.authorize(request):
            return None
        if self.refused_page is not None and self.refused_page.exists() and _wants_html(request):
            return FileResponse(self.refused_page, status_code=403, media_type="text/html")
        return HTMLResponse(_REFUSED, status_code=403)


def _same_origin(request: Request) -> bool:
    """The request names this site as its origin (Origin, or the Referer's origin)."""
    origin = request.headers.get("origin")
    if origin is None and (referer := request.headers.get("referer")):
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    return same_origin(origin, request.headers.get("host"), request.url.scheme)


def _from_another_site(request: Request) -> bool:
    """Sent by another origin's page: an Origin that is not ours, or a fetch, script or image load
    (anything but following a link) that the browser marks as coming from another origin."""
    origin = request.headers.get("origin")
    if origin is not None and not same_origin(origin, request.headers.get("host"), request.url.scheme):
        return True
    site = request.headers.get("sec-fetch-site")
    return site in {"cross-site", "same-site"} and request.headers.get("sec-fetch-mode") != "navigate"


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


async def refuse_everyone(_request: Request) -> bool:
    """The binding while no admin check exists: the dashboard stays closed."""
    return False


def with_console_bar(dashboard: RedisQueueDashboard) -> RedisQueueDashboard:
    """Serve our header.html in place of the package's, which it includes as `rq/header.html`."""
    env = dashboard.templates.env
    package = env.loader
    assert package is not None
    env.loader = ChoiceLoader([FileSystemLoader(TEMPLATES), package, PrefixLoader({"rq": package})])
    return dashboard


def _to_dashboard() -> RedirectResponse:
    return RedirectResponse(DASHBOARD_PATH + "/")


def mount_queue_dashboard(
    api: FastAPI, redis_url: str | None, authorize: Authorize, refused_page: Path | None = None
) -> None:
    """Mount the dashboard at /admin/queues/ behind `authorize` (503 while no Redis is configured)."""
    dashboard: ASGIApp
    if redis_url:
        dashboard = with_console_bar(
            RedisQueueDashboard(redis_url, prefix=DASHBOARD_PATH, title="Billing Console jobs")
        )
    else:
        dashboard = PlainTextResponse("Job monitoring needs REDIS_URL", status_code=503)
    # Without the slash the path would reach the pages' router, which knows no such page.
    api.add_api_route(DASHBOARD_PATH, _to_dashboard, methods=["GET"], include_in_schema=False)
    api.mount(DASHBOARD_PATH, AdminOnly(dashboard, authorize, refused_page))
