"""`Idempotency-Key` on POST under /api/v1: replayed, refused when reused or in flight, 24 h."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock
from backend.api.app import create_api
from backend.api.security import api_principal
from backend.db import unit_of_work
from backend.idempotency import service as idempotency
from backend.identity.repository import ApiTokenRepository
from backend.kit.repository import TenantScope
from backend.kit.tokens import digest
from backend.models import AuditLogEntry, IdempotencyKey, User
from tests.api.conftest import bearer, client, problem_of
from tests.conftest import IdentityWorld

pytestmark = pytest.mark.redis
T = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)


class Note(BaseModel):
    text: str


class Probe:
    """Routes under /api/v1 that count their calls: one echoes, one fails, one waits for a gate."""

    def __init__(self) -> None:
        self.calls = 0
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.router = APIRouter(prefix="/api/v1/probe", dependencies=[Depends(api_principal)])
        self.router.add_api_route("/echo", self.echo, methods=["POST"])
        self.router.add_api_route("/fail", self.fail, methods=["POST"])
        self.router.add_api_route("/slow", self.slow, methods=["POST"])

    def echo(self, note: Note) -> JSONResponse:
        self.calls += 1
        body = {"text": note.text, "call": self.calls}
        return JSONResponse(body, status_code=201, media_type="application/vnd.probe+json")

    def fail(self) -> None:
        self.calls += 1
        raise RuntimeError("the probe failed")

    def slow(self) -> dict[str, int]:
        self.entered.set()
        assert self.gate.wait(10)
        self.calls += 1
        return {"call": self.calls}

    def app(self) -> FastAPI:
        api = create_api()
        api.include_router(self.router)
        api.router.routes.insert(0, api.router.routes.pop())  # before the /api catch-all
        return api


@pytest.fixture
def probe() -> Iterator[Probe]:
    found = Probe()
    yield found
    found.gate.set()


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def stored_keys(world: IdentityWorld) -> int:
    """Keys stored in the world's two tenants (the database is shared with other tests)."""
    tenants = (world.a_admin.tenant_id, world.b_admin.tenant_id)
    with Session(world.engine) as session:
        statement = (
            select(func.count()).select_from(IdempotencyKey).where(IdempotencyKey.tenant_id.in_(tenants))
        )  # type: ignore[attr-defined]
        return int(session.scalar(statement) or 0)


def test_the_same_key_and_body_replay_the_stored_response_without_doing_it_again(
    identity_world: IdentityWorld,
) -> None:
    world = identity_world
    api = client(world.host_a)
    admin = bearer(world.a_admin.token)
    lock = f"/api/v1/admin/users/{world.a_customer.user_id}/lock"
    first = api.post(lock, headers=admin | key("lock-1"))
    assert first.status_code == 200 and first.json()["locked"] is True
    assert "idempotent-replayed" not in first.headers
    assert api.post(f"/api/v1/admin/users/{world.a_customer.user_id}/unlock", headers=admin).is_success

    replay = api.post(lock, headers=admin | key("lock-1"))
    assert (replay.status_code, replay.content) == (first.status_code, first.content)
    assert replay.headers["content-type"] == first.headers["content-type"]
    assert replay.headers["idempotent-replayed"] == "true"
    with Session(world.engine) as session:
        assert session.get(User, world.a_customer.user_id).locked is False  # type: ignore[union-attr]
        actions = session.scalars(
            select(AuditLogEntry.action).where(
                AuditLogEntry.object_type == "user", AuditLogEntry.object_id == str(world.a_customer.user_id)
            )
        ).all()
    assert sorted(actions) == ["user.locked", "user.unlocked"]  # locked once, not again


def test_status_content_type_and_body_are_replayed_as_stored(
    identity_world: IdentityWorld, probe: Probe
) -> None:
    world = identity_world
    api = client(world.host_a, probe.app())
    headers = bearer(world.a_admin.token) | key('"8e03978e-40d5-43e8-bc93-6894a57f9324"')  # IETF draft form
    first = api.post("/api/v1/probe/echo", json={"text": "hello"}, headers=headers)
    again = api.post(
        "/api/v1/probe/echo",
        json={"text": "hello"},
        headers=bearer(world.a_admin.token) | key("8e03978e-40d5-43e8-bc93-6894a57f9324"),  # Stripe's form
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["content-type"] == "application/vnd.probe+json"
    assert again.json() == first.json() == {"text": "hello", "call": 1}
    assert probe.calls == 1


def test_a_refusal_is_replayed_too(identity_world: IdentityWorld) -> None:
    world = identity_world
    api = client(world.host_a)
    lock = f"/api/v1/admin/users/{world.a_admin.user_id}/lock"
    headers = bearer(world.a_customer.token) | key("forbidden-1")
    first = api.post(lock, headers=headers)
    again = api.post(lock, headers=headers)
    assert first.status_code == again.status_code == 403
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()


def test_the_same_key_with_another_body_or_path_is_refused(
    identity_world: IdentityWorld, probe: Probe
) -> None:
    world = identity_world
    api = client(world.host_a, probe.app())
    headers = bearer(world.a_admin.token) | key("reused-1")
    assert api.post("/api/v1/probe/echo", json={"text": "one"}, headers=headers).status_code == 201
    other_body = api.post("/api/v1/probe/echo", json={"text": "two"}, headers=headers)
    other_path = api.post(f"/api/v1/admin/users/{world.a_customer.user_id}/lock", headers=headers)
    other_query = api.post("/api/v1/probe/echo?x=1", json={"text": "one"}, headers=headers)
    for refused in (other_body, other_path, other_query):
        assert problem_of(refused, 422)["type"] == "/api/problems/idempotency-key-reused"
    assert probe.calls == 1
    with Session(world.engine) as session:
        assert session.get(User, world.a_customer.user_id).locked is False  # type: ignore[union-attr]


def test_a_request_while_the_first_with_its_key_runs_is_a_409(
    identity_world: IdentityWorld, probe: Probe
) -> None:
    world = identity_world
    app = probe.app()
    headers = bearer(world.a_admin.token) | key("slow-1")
    answers: list[Any] = []
    first = threading.Thread(
        target=lambda: answers.append(client(world.host_a, app).post("/api/v1/probe/slow", headers=headers))
    )
    first.start()
    assert probe.entered.wait(10)
    in_flight = client(world.host_a, app).post("/api/v1/probe/slow", headers=headers)
    probe.gate.set()
    first.join(10)
    body = problem_of(in_flight, 409)
    assert body["type"] == "/api/problems/idempotency-key-in-use"
    assert answers[0].json() == {"call": 1}
    after = client(world.host_a, app).post("/api/v1/probe/slow", headers=headers)
    assert after.json() == {"call": 1} and after.headers["idempotent-replayed"] == "true"
    assert probe.calls == 1


def test_an_abandoned_request_is_taken_over_after_five_minutes(
    identity_world: IdentityWorld, probe: Probe
) -> None:
    """Its process died after reserving the key: the reservation stays, unanswered."""
    world = identity_world
    api = client(world.host_a, probe.app())
    headers = bearer(world.a_admin.token) | key("abandoned-1")
    scope = TenantScope(world.a_admin.tenant_id)
    with clock.frozen(T) as frozen:
        response = api.post("/api/v1/probe/echo", json={"text": "x"}, headers=headers)
        assert response.status_code == 201
        with unit_of_work(world.engine) as session:
            token = ApiTokenRepository(session, scope).by_token_hash(digest(world.a_admin.token))
            assert token is not None
            fingerprint = session.scalars(
                select(IdempotencyKey.fingerprint).where(
                    IdempotencyKey.tenant_id == scope.tenant_id, IdempotencyKey.key == "abandoned-1"
                )
            ).one()
            idempotency.begin(session, scope, token.id or 0, "abandoned-2", fingerprint, T)
        frozen.advance(timedelta(minutes=4, seconds=59))
        still_running = api.post(
            "/api/v1/probe/echo", json={"text": "x"}, headers=bearer(world.a_admin.token) | key("abandoned-2")
        )
        assert problem_of(still_running, 409)
        frozen.advance(timedelta(seconds=2))
        taken_over = api.post(
            "/api/v1/probe/echo", json={"text": "x"}, headers=bearer(world.a_admin.token) | key("abandoned-2")
        )
    assert taken_over.status_code == 201 and taken_over.json()["call"] == 2


def test_a_server_error_is_not_stored_so_a_retry_runs_again(
    identity_world: IdentityWorld, probe: Probe
) -> None:
    world = identity_world
    api = client(world.host_a, probe.app(), raise_server_exceptions=False)
    headers = bearer(world.a_admin.token) | key("fails-1")
    first, retry = (api.post("/api/v1/probe/fail", headers=headers) for _ in range(2))
    assert problem_of(first, 500) and problem_of(retry, 500)
    assert "idempotent-replayed" not in retry.headers
    assert probe.calls == 2
    assert stored_keys(world) == 0


def test_keys_live_24_hours_then_the_request_runs_again_and_old_keys_are_purged(
    identity_world: IdentityWorld, probe: Probe
) -> None:
    world = identity_world
    api = client(world.host_a, probe.app())
    headers = bearer(world.a_admin.token)
    with clock.frozen(T) as frozen:
        api.post("/api/v1/probe/echo", json={"text": "a"}, headers=headers | key("day-1"))
        api.post("/api/v1/probe/echo", json={"text": "b"}, headers=headers | key("day-2"))
        frozen.advance(timedelta(hours=23, minutes=59))
        assert (
            api.post("/api/v1/probe/echo", json={"text": "a"}, headers=headers | key("day-1")).json()["call"]
            == 1
        )
        frozen.advance(timedelta(minutes=2))
        assert (
            api.post("/api/v1/probe/echo", json={"text": "a"}, headers=headers | key("day-1")).json()["call"]
            == 3
        )
    with Session(world.engine) as session:
        kept = select(IdempotencyKey.key).where(IdempotencyKey.tenant_id == world.a_admin.tenant_id)
        assert session.scalars(kept).all() == ["day-1"]  # day-2 purged, day-1 stored anew


def test_keys_belong_to_one_token(identity_world: IdentityWorld, probe: Probe) -> None:
    world = identity_world
    app = probe.app()
    body = {"text": "same"}
    answers = [
        client(world.host_a, app).post(
            "/api/v1/probe/echo", json=body, headers=bearer(world.a_admin.token) | key("k")
        ),
        client(world.host_a, app).post(
            "/api/v1/probe/echo", json=body, headers=bearer(world.a_customer.token) | key("k")
        ),
        client(world.host_b, app).post(
            "/api/v1/probe/echo", json=body, headers=bearer(world.b_admin.token) | key("k")
        ),
    ]
    assert [a.json()["call"] for a in answers] == [1, 2, 3]
    assert not any("idempotent-replayed" in a.headers for a in answers)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 256, "with space", "umlaut-ä", '"', 'a"b'])
def test_a_bad_key_is_a_422_naming_the_header(identity_world: IdentityWorld, probe: Probe, bad: str) -> None:
    world = identity_world
    api = client(world.host_a, probe.app())
    headers = bearer(world.a_admin.token) | {"Idempotency-Key": bad.encode()}
    response = api.post("/api/v1/probe/echo", json={"text": "x"}, headers=headers)
    errors = problem_of(response, 422)["errors"]
    assert [(e["location"], e["field"]) for e in errors] == [("header", "Idempotency-Key")]
    assert probe.calls == 0 and stored_keys(world) == 0


def test_the_longest_key_is_accepted(identity_world: IdentityWorld, probe: Probe) -> None:
    world = identity_world
    api = client(world.host_a, probe.app())
    headers = bearer(world.a_admin.token) | key("k" * 255)
    assert [
        api.post("/api/v1/probe/echo", json={"text": "x"}, headers=headers).json()["call"] for _ in range(2)
    ] == [1, 1]


def test_requests_without_a_key_or_a_valid_token_are_not_remembered(
    identity_world: IdentityWorld, probe: Probe
) -> None:
    world = identity_world
    api = client(world.host_a, probe.app())
    admin = bearer(world.a_admin.token)
    assert [
        api.post("/api/v1/probe/echo", json={"text": "x"}, headers=admin).json()["call"] for _ in range(2)
    ] == [1, 2]
    unauthorized = api.post(
        "/api/v1/probe/echo", json={"text": "x"}, headers=bearer("bc_forged") | key("k-401")
    )
    assert problem_of(unauthorized, 401)
    read = api.get("/api/v1/me", headers=admin | key("k-get"))
    assert read.status_code == 200 and "idempotent-replayed" not in read.headers
    assert stored_keys(world) == 0


def test_the_openapi_document_offers_the_key_on_every_post_of_the_token_api_and_nowhere_else() -> None:
    from backend.api.app import create_api

    with_key, posts = set(), set()
    for path, operations in create_api().openapi()["paths"].items():
        for method, operation in operations.items():
            route = f"{method.upper()} {path}"
            if method == "post" and path.startswith("/api/v1/"):
                posts.add(route)
            if any(
                p["name"] == "Idempotency-Key" and p["in"] == "header"
                for p in operation.get("parameters", [])
            ):
                with_key.add(route)
    assert "POST /api/v1/subscriptions" in posts
    assert with_key == posts
