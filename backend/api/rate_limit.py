"""Per-token request limits for the REST API: 429 with `Retry-After` beyond them (docs/api.md).

Requests under /api count per personal access token (tenant and token id) when they carry a valid
one for /api/v1, else per client IP address; `/api/health` is left to load balancers and
`/api/webhooks/` to the processors (signed events, in bursts). Every answer
within the limit carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds).
Counting is in Redis (a fixed one-minute window); without Redis nothing is limited, as with the
sign-in throttle.
"""

from __future__ import annotations

import asyncio

from redis import Redis
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.api.problems import problem_response
from backend.api.security import bearer_principal, has_bearer, request_context
from backend.redis_connection import connect
from backend.settings import get_settings
from backend.throttle import RateLimiter, RateVerdict

UNLIMITED_PATHS = frozenset({"/api/health"})
# Stripe sends bursts of signed events from a few addresses; the signature is their gate.
UNLIMITED_PREFIXES = ("/api/webhooks/",)


def is_limited(path: str) -> bool:
    return (
        (path == "/api" or path.startswith("/api/"))
        and path not in UNLIMITED_PATHS
        and not path.startswith(UNLIMITED_PREFIXES)
    )


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._limiter: RateLimiter | None = None
        self._redis_url: str | None = None

    def limiter(self) -> RateLimiter:
        """Connects on first use (Reflex forks its workers after import), again if REDIS_URL changed."""
        url = get_settings().redis_url
        if self._limiter is None or url != self._redis_url:
            redis: Redis | None = connect(url) if url else None
            self._limiter, self._redis_url = RateLimiter(redis, prefix="ratelimit:api"), url
        return self._limiter

    def count(self, connection: HTTPConnection) -> RateVerdict | None:
        settings = get_settings()
        principal = None
        if connection.url.path.startswith("/api/v1/") and has_bearer(connection):
            principal = bearer_principal(connection)
        if principal is not None:
            key = f"{principal.user.tenant_id}:token:{principal.token_id}"
            return self.limiter().hit(key, settings.api_rate_limit_per_minute)
        ip = request_context(connection).ip_address or "unknown"
        return self.limiter().hit(f"ip:{ip}", settings.api_anonymous_rate_limit_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_limited(scope["path"]):
            await self.app(scope, receive, send)
            return
        verdict = await asyncio.to_thread(self.count, HTTPConnection(scope))
        if verdict is None:
            await self.app(scope, receive, send)
            return
        headers = {
            "RateLimit-Limit": str(verdict.limit),
            "RateLimit-Remaining": str(verdict.remaining),
            "RateLimit-Reset": str(verdict.reset_seconds),
        }
        if not verdict.allowed:
            detail = f"{verdict.limit} requests per minute at most; retry in {verdict.reset_seconds} seconds."
            headers["Retry-After"] = str(verdict.reset_seconds)
            await problem_response(429, detail, slug="rate-limited", headers=headers)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)
