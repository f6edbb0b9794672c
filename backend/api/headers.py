"""Security headers on every HTTP response: Content-Security-Policy per kind of page, framing, sniffing,
referrer, browser features, and HSTS when the console is served over https.

What each policy allows, and why Reflex needs it, is written down in docs/decisions.md
("Security headers and what the CSP needs").
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_PATHS = ("/api/docs", "/api/redoc")
QUEUES_PATH = "/admin/queues"

HSTS = "max-age=31536000"
COMMON_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: with it, browsers send `Origin: null` on same-origin POSTs, which the
    # same-origin checks of /admin/queues and /api/auth would then refuse.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
# Responses of the JSON API load nothing and are never framed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
_BASE = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "style-src": "'self' 'unsafe-inline'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Swagger UI and ReDoc from packaged files, started by script files (no inline script); ReDoc runs
# its search index in a worker made from a blob.
DOCS_POLICY = {**_BASE, "script-src": "'self'", "worker-src": "'self' blob:", "connect-src": "'self'"}
# rq-dashboard-fast's templates carry inline scripts and onclick attributes.
QUEUES_POLICY = {**_BASE, "script-src": "'self' 'unsafe-inline'", "connect-src": "'self'"}
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def serialize(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def served_over_https(scope: Scope, public_url: str) -> bool:
    """Whether browsers reach this deployment over https: the request came in over https, or
    PUBLIC_URL says https (TLS ended at a proxy). The place to add the forwarded protocol of
    trusted proxies."""
    return scope.get("scheme") in {"https", "wss"} or public_url.lower().startswith("https://")


class InlineScripts:
    """CSP hashes of the inline scripts in the frontend build's HTML files (React Router's hydration
    data and Reflex's colour-mode script): build output, never request data. Read again when the
    build directory changes (Reflex rebuilds it when the web process starts)."""

    def __init__(self, build_dir: Path | None) -> None:
        self.build_dir = build_dir
        self._stamp: int | None = None
        self._sources = ""

    def sources(self) -> str:
        if self.build_dir is None:
            return ""
        try:
            stamp = self.build_dir.stat().st_mtime_ns
        except OSError:  # no build (yet)
            return ""
        if stamp != self._stamp:
            scripts = {_sha256(script) for page in self.build_dir.rglob("*.html") for script in _inline(page)}
            self._sources = " ".join(f"'sha256-{digest}'" for digest in sorted(scripts))
            self._stamp = stamp
        return self._sources


def _inline(page: Path) -> list[bytes]:
    return _INLINE_SCRIPT.findall(page.read_bytes())


def _sha256(script: bytes) -> str:
    return base64.b64encode(hashlib.sha256(script).digest()).decode()


def console_policy(inline_scripts: str, host: str) -> str:
    """The console's pages: Reflex's own scripts and build-time inline scripts; `eval` for the scripts
    Reflex's `rx.call_script` runs (signing in and out); the websocket to the page's own host."""
    sockets = f" ws://{host} wss://{host}" if _HOST.match(host) else ""
    policy = {
        **_BASE,
        "script-src": " ".join(filter(None, ["'self'", "'unsafe-eval'", inline_scripts])),
        "connect-src": f"'self'{sockets}",
    }
    return serialize(policy)


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP response that does not set its own."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        public_url: str,
        frontend_build: Path | None = None,
        https: Callable[[Scope, str], bool] = served_over_https,
    ) -> None:
        self.app = app
        self.public_url = public_url
        self.inline_scripts = InlineScripts(frontend_build)
        self.https = https

    def policy_for(self, scope: Scope) -> str:
        path: str = scope.get("path", "")
        if path in DOCS_PATHS or path.startswith(tuple(f"{p}/" for p in DOCS_PATHS)):
            return serialize(DOCS_POLICY)
        if path == "/api" or path.startswith("/api/"):
            return API_POLICY
        if path == QUEUES_PATH or path.startswith(QUEUES_PATH + "/"):
            return serialize(QUEUES_POLICY)
        return console_policy(self.inline_scripts.sources(), Headers(scope=scope).get("host", ""))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = {**COMMON_HEADERS, "Content-Security-Policy": self.policy_for(scope)}
        if self.https(scope, self.public_url):
            extra["Strict-Transport-Security"] = HSTS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
