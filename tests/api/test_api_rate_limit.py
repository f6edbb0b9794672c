"""Per-token request limits in Redis: 429 problem+json with Retry-After beyond them."""

from __future__ import annotations

import time
from typing import Any

import pytest
from redis import Redis

from backend.audit import service as audit
from backend.db import unit_of_work
from backend.identity import api_tokens, auth
from backend.identity.repository import UserRepository
from backend.kit.repository import TenantScope
from tests.api.conftest import bearer, client, problem_of
from tests.conftest import IdentityWorld

pytestmark = pytest.mark.redis


@pytest.fixture
def limits(identity_world: IdentityWorld, settings_env: Any, redis_url: str) -> IdentityWorld:
    """3 requests per minute per token, 2 per IP address without a valid token, all counts at 0
    (the PostgreSQL and SQLite runs share Redis, and their tenant and token ids can coincide)."""
    settings_env(API_RATE_LIMIT_PER_MINUTE="3", API_ANONYMOUS_RATE_LIMIT_PER_MINUTE="2")
    redis = Redis.from_url(redis_url)
    for key in redis.scan_iter("ratelimit:api:*"):
        redis.delete(key)
    return identity_world


def second_token(world: IdentityWorld) -> str:
    scope = TenantScope(world.a_admin.tenant_id)
    with unit_of_work(world.engine) as session:
        user = UserRepository(session, scope).get_or_raise(world.a_admin.user_id)
        owner = auth.signed_in_user(session, scope, user)
        return api_tokens.create_token(
            session, scope, owner, name="second", scopes=["read"], actor=audit.Actor.for_user(owner)
        ).token


def test_a_token_gets_429_with_retry_after_once_its_minute_is_used_up(limits: IdentityWorld) -> None:
    world = limits
    api = client(world.host_a)
    answers = [api.get("/api/v1/me", headers=bearer(world.a_customer.token)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a.headers["ratelimit-limit"] for a in answers} == {"3"}
    refused = answers[-1]
    body = problem_of(refused, 429)
    assert body["type"] == "/api/problems/rate-limited"
    retry_after = int(refused.headers["retry-after"])
    assert 0 < retry_after <= 60 and refused.headers["ratelimit-reset"] == str(retry_after)


def test_the_limit_counts_per_token_and_tenant(limits: IdentityWorld) -> None:
    world = limits
    api_a, api_b = client(world.host_a), client(world.host_b)
    for _ in range(3):
        api_a.get("/api/v1/me", headers=bearer(world.a_admin.token))
    assert api_a.get("/api/v1/me", headers=bearer(world.a_admin.token)).status_code == 429
    assert api_a.get("/api/v1/me", headers=bearer(second_token(world))).status_code == 200  # same user
    assert api_a.get("/api/v1/me", headers=bearer(world.a_customer.token)).status_code == 200
    assert api_b.get("/api/v1/me", headers=bearer(world.b_admin.token)).status_code == 200


def test_every_request_counts_even_refused_and_unknown_ones(limits: IdentityWorld) -> None:
    world = limits
    api = client(world.host_a)
    headers = bearer(world.a_customer.token)
    statuses = [
        api.get("/api/v1/admin/users", headers=headers).status_code,  # 403
        api.get("/api/v1/no-such-route", headers=headers).status_code,  # 404
        api.post("/api/v1/me", headers=headers).status_code,  # 405
        api.get("/api/v1/me", headers=headers).status_code,
    ]
    assert statuses == [403, 404, 405, 429]


def test_calls_without_a_valid_token_count_per_client_address(limits: IdentityWorld) -> None:
    world = limits
    api, other_address = client(world.host_a), client(world.host_a)
    statuses = [
        api.get("/api/v1/me").status_code,
        api.get("/api/v1/me", headers=bearer("bc_forged")).status_code,
        api.post("/api/auth/session", json={"ticket": "forged"}).status_code,
    ]
    assert statuses == [401, 401, 429]
    assert other_address.get("/api/v1/me").status_code == 401
    assert (
        api.get("/api/v1/me", headers=bearer(world.a_admin.token)).status_code == 200
    )  # a token counts apart


def test_health_checks_are_not_limited(limits: IdentityWorld) -> None:
    api = client(limits.host_a)
    assert {api.get("/api/health").status_code for _ in range(5)} == {200}
    assert "ratelimit-limit" not in api.get("/api/health").headers


def test_a_new_minute_starts_when_the_window_ends(limits: IdentityWorld, redis_url: str) -> None:
    world = limits
    api = client(world.host_a)
    for _ in range(4):
        api.get("/api/v1/me", headers=bearer(world.a_customer.token))
    redis = Redis.from_url(redis_url)
    [key] = redis.keys(f"ratelimit:api:{world.a_customer.tenant_id}:token:*")
    assert 0 < redis.ttl(key) <= 60  # the window ends by itself: here it is ended now
    redis.expire(key, 0)
    assert api.get("/api/v1/me", headers=bearer(world.a_customer.token)).headers["ratelimit-remaining"] == "2"


@pytest.mark.parametrize("redis_setting", ["", "redis://127.0.0.1:1/0"], ids=["no Redis", "Redis down"])
def test_without_redis_nothing_is_limited(
    limits: IdentityWorld, settings_env: Any, redis_setting: str
) -> None:
    world = limits
    settings_env(REDIS_URL=redis_setting)
    api = client(world.host_a)
    started = time.monotonic()
    statuses = {api.get("/api/v1/me", headers=bearer(world.a_customer.token)).status_code for _ in range(6)}
    assert statuses == {200}
    assert time.monotonic() - started < 5  # a dead Redis is not asked again on every request
