"""Who may call the console from another web origin: nobody with cookies, allow-listed pages on /api/v1.

Pages, `/api/auth`, the websocket and `/admin/queues` work with the session cookie, so they answer
their own origin only. `/api/v1` takes bearer tokens, never cookies: a page on an origin named in
CORS_ALLOWED_ORIGINS may call it with a token (`Access-Control-Allow-Origin`, never
`-Allow-Credentials`). See docs/decisions.md, "CORS and the websocket origin".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.settings import get_settings

API_PREFIX = "/api/v1"
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key")
_EXPOSED_HEADERS = (
    "Retry-After",
    "Location",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Idempotent-Replayed",
)
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


def _authority(scheme: str, netloc: str) -> str:
    """`host:port` in lower case, with the scheme's default port written out."""
    netloc = netloc.lower()
    host, _, port = netloc.rpartition(":") if not netloc.endswith("]") else (netloc, "", "")
    if not host or not port.isdigit():
        host, port = netloc, _DEFAULT_PORTS.get(scheme, "")
    return f"{host}:{port}"


def same_origin(origin: str | None, host: str | None, scheme: str = "http") -> bool:
    """Whether the page origin `origin` (an Origin header) is the site the request went to (`host`).

    Compares host and port; http and https of the same host count as one site (a proxy may end TLS),
    so `scheme` only supplies the default port of a Host header without one.
    """
    if not origin or not host or origin == "null":
        return False
    parts = urlsplit(origin)
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        return False
    host_scheme = "https" if parts.scheme in {"https", "wss"} else scheme
    return _authority(parts.scheme, parts.netloc) == _authority(host_scheme, host)


def websocket_origin_check(origin: str | None, environ: Mapping[str, object]) -> bool:
    """python-engineio's `cors_allowed_origins` callable: a browser may open the websocket only from a
    page of the host it connects to, whatever tenant host that is (requests without Origin come from
    no browser and are not asked)."""
    host = environ.get("HTTP_HOST")
    if same_origin(origin, host if isinstance(host, str) else None):
        return True
    # `billing-console run --dev` serves the pages (PUBLIC_URL) and the backend on two ports of one
    # host: a page of PUBLIC_URL may open the websocket on another port of PUBLIC_URL's own host.
    public_url = get_settings().public_url
    return (
        isinstance(host, str)
        and _origin_of(origin) == _origin_of(public_url)
        and urlsplit(f"//{host}").hostname == urlsplit(public_url).hostname
    )


def _origin_of(url: str | None) -> str:
    parts = urlsplit(url or "")
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        return ""
    return f"{parts.scheme}://{_authority(parts.scheme, parts.netloc)}"


class ApiCors:
    """CORS for /api/v1 only, for the allow-listed origins, without credentials. Every other request,
    including one from an origin not on the list, passes untouched: no CORS header at all."""

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str]) -> None:
        self.app = app
        self.allowed_origins = frozenset(allowed_origins)
        self.cors = CORSMiddleware(
            app,
            allow_origins=tuple(self.allowed_origins),
            allow_methods=_METHODS,
            allow_headers=_REQUEST_HEADERS,
            expose_headers=_EXPOSED_HEADERS,
            allow_credentials=False,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and (path == API_PREFIX or path.startswith(API_PREFIX + "/"))
            and Headers(scope=scope).get("origin") in self.allowed_origins
        ):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
