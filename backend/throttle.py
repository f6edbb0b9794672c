"""Abuse limits in Redis: fixed-window counters per account and per IP address.

A key counts failures (or requests) within a window that starts with its first hit; when any key is
at its limit the action is refused with the minutes left. Redis keys carry the tenant, so one
tenant's attacker never locks out another tenant's user with the same email.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

from backend.kit.errors import TooManyAttempts
from backend.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limit:
    key: str
    max_hits: int


class Throttle:
    """Without a Redis client (no REDIS_URL, e.g. a one-off script) nothing is limited."""

    def __init__(
        self,
        redis: Redis | None,
        *,
        window_seconds: int,
        per_account: int,
        per_ip: int,
        prefix: str = "throttle",
    ) -> None:
        self.redis = redis
        self.window_seconds = window_seconds
        self.per_account = per_account
        self.per_ip = per_ip
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings, redis: Redis | None) -> Throttle:
        return cls(
            redis,
            window_seconds=settings.throttle_window_minutes * 60,
            per_account=settings.throttle_account_attempts,
            per_ip=settings.throttle_ip_attempts,
        )

    def limits(self, action: str, tenant_id: int, *, account: str = "", ip: str = "") -> list[Limit]:
        """The account key first (email, hashed so Redis holds no addresses), then the IP key when known."""
        found = []
        if account:
            subject = hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]
            found.append(Limit(f"{self.prefix}:{action}:{tenant_id}:account:{subject}", self.per_account))
        if ip:
            found.append(Limit(f"{self.prefix}:{action}:{tenant_id}:ip:{ip}", self.per_ip))
        return found

    def check(self, limits: list[Limit]) -> None:
        """Raise TooManyAttempts when any limit is used up."""
        if self.redis is None:
            return
        try:
            pipe = self.redis.pipeline()
            for limit in limits:
                pipe.get(limit.key)
                pipe.ttl(limit.key)
            answers = pipe.execute()
        except RedisError as exc:
            # Availability of sign-in wins over the throttle while Redis is briefly away; Argon2
            # still makes each guess slow.
            log.warning("throttle skipped, Redis unavailable: %s", type(exc).__name__)
            return
        for index, limit in enumerate(limits):
            hits, ttl = answers[2 * index], answers[2 * index + 1]
            if hits is not None and int(hits) >= limit.max_hits:
                seconds = ttl if ttl and ttl > 0 else self.window_seconds
                raise TooManyAttempts(max(1, math.ceil(seconds / 60)))

    def hit(self, limits: list[Limit]) -> None:
        """Count one failure (or request) against every limit."""
        if self.redis is None:
            return
        try:
            count_hits(self.redis, [limit.key for limit in limits], self.window_seconds)
        except RedisError as exc:
            log.warning("throttle not counted, Redis unavailable: %s", type(exc).__name__)

    def clear(self, limit: Limit) -> None:
        """Forget the failures of one key (an account that just signed in)."""
        if self.redis is None:
            return
        try:
            self.redis.delete(limit.key)
        except RedisError as exc:
            log.warning("throttle not cleared, Redis unavailable: %s", type(exc).__name__)


def count_hits(redis: Redis, keys: list[str], window_seconds: int) -> list[tuple[int, int]]:
    """Count one hit on each key; returns (hits in the window, seconds until it ends) per key.

    The window starts with a key's first hit. A key left without an expiry (a process died between
    the two commands) gets one at its next hit (EXPIRE NX needs Redis 7; the embedded one is 6.2).
    """
    pipe = redis.pipeline()
    for key in keys:
        pipe.incr(key)
        pipe.ttl(key)
    answers = pipe.execute()
    counted = []
    for index, key in enumerate(keys):
        hits, ttl = int(answers[2 * index]), int(answers[2 * index + 1])
        if ttl < 0:
            redis.expire(key, window_seconds)
            ttl = window_seconds
        counted.append((hits, ttl))
    return counted


@dataclass(frozen=True, slots=True)
class RateVerdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the window ends: Retry-After when refused


class RateLimiter:
    """Requests per key in a fixed window (the REST API's per-token limit). Every request counts,
    refused ones too. Without Redis, or while it is away, every request is allowed (None)."""

    # After a Redis failure, requests go unlimited (and unslowed by connect timeouts) this long.
    PAUSE_AFTER_FAILURE_SECONDS = 30.0

    def __init__(self, redis: Redis | None, *, window_seconds: int = 60, prefix: str = "ratelimit") -> None:
        self.redis = redis
        self.window_seconds = window_seconds
        self.prefix = prefix
        self._paused_until = 0.0

    def hit(self, key: str, limit: int) -> RateVerdict | None:
        if self.redis is None or time.monotonic() < self._paused_until:
            return None
        try:
            [(hits, ttl)] = count_hits(self.redis, [f"{self.prefix}:{key}"], self.window_seconds)
        except RedisError as exc:
            log.warning("rate limit paused, Redis unavailable: %s", type(exc).__name__)
            self._paused_until = time.monotonic() + self.PAUSE_AFTER_FAILURE_SECONDS
            return None
        return RateVerdict(hits <= limit, limit, max(limit - hits, 0), max(ttl, 1))
