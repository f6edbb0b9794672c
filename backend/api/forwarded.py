"""ASGI middleware: a request that came through a trusted proxy looks like the browser's own request.

Wraps the whole backend (pages, websocket, API, job monitor). When the direct peer is one of
TRUSTED_PROXIES, `resolve_request_origin` turns X-Forwarded-Host/-Proto/-For into the scope's Host
header, scheme and client, and the consumed headers are removed. Everything built from the scope
then sees the browser's view: the absolute Location of a trailing-slash redirect
(https://tenant.example/register/, not http://...), Reflex's router data (host and client IP of the
websocket), `request.url`. `request_context` (API and pages) applies the same function again,
which changes nothing once this ran, and keeps handlers right where the middleware is absent.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from backend.request_origin import FORWARDED_HEADERS, is_trusted_proxy, resolve_request_origin
from backend.settings import get_settings

_CONSUMED = frozenset(name.encode() for name in ("host", *FORWARDED_HEADERS))


def forwarded_scope(scope: Scope) -> Scope:
    """The scope as the browser sent the request, when it came from a trusted proxy; else `scope`."""
    proxies = get_settings().trusted_proxy_networks
    client = scope.get("client")
    if scope["type"] not in {"http", "websocket"} or not client or not is_trusted_proxy(client[0], proxies):
        return scope
    raw: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
    joined = {
        name.decode(): ", ".join(value.decode("latin-1") for key, value in raw if key == name)
        for name in _CONSUMED
    }
    secure = scope.get("scheme") in {"https", "wss"}
    origin = resolve_request_origin(joined, client[0], proxies, default_scheme="https" if secure else "http")
    headers = [(key, value) for key, value in raw if key not in _CONSUMED]
    hosts = [origin.host.encode("latin-1")] if origin.host else [v for k, v in raw if k == b"host"]
    headers += [(b"host", host) for host in hosts]
    https = origin.scheme == "https"
    scheme = ("wss" if https else "ws") if scope["type"] == "websocket" else origin.scheme
    return {**scope, "scheme": scheme, "client": (origin.client_ip, 0), "headers": headers}


class ForwardedHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(forwarded_scope(scope), receive, send)
