"""The exports over HTTP: the token API and the console's cookie downloads, streamed; the file of an
export job for its tenant's admin only. Tenant A of the identity world holds the hand-built ledger
(tests/exports/ledger.py), tenant B its own rows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.api.app import create_api
from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.exports import repository, service
from backend.exports.tasks import EXPORTS
from backend.kit.repository import TenantScope
from backend.models import ExportKind
from backend.settings import get_settings
from tests.api.conftest import bearer, problem_of
from tests.conftest import IdentityWorld
from tests.exports.ledger import JANUARY, seed, utc
from tests.exports.test_export_csv import INVOICES

pytestmark = pytest.mark.redis

JANUARY_QUERY = "from=2026-01-01&to=2026-02-01"
V1 = f"/api/v1/admin/exports/invoices.csv?{JANUARY_QUERY}"
CONSOLE = f"/api/admin/exports/invoices.csv?{JANUARY_QUERY}"
CSV_TEXT = "text/csv; charset=utf-8"


@pytest.fixture
def world(
    identity_world: IdentityWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[IdentityWorld]:
    monkeypatch.setenv("EXPORT_STORAGE_PATH", str(tmp_path / "exports"))
    get_settings.cache_clear()
    a, b = TenantScope(identity_world.a_admin.tenant_id), TenantScope(identity_world.b_admin.tenant_id)
    with unit_of_work(identity_world.engine) as session:
        seed(session, a, b)
    yield identity_world
    get_settings.cache_clear()


def test_an_admin_token_streams_the_invoices_of_january(world: IdentityWorld) -> None:
    response = world.client(world.host_a).get(V1, headers=bearer(world.a_admin.token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CSV_TEXT
    assert response.headers["content-disposition"] == (
        'attachment; filename="invoices-2026-01-01-to-2026-02-01.csv"'
    )
    assert response.content == ("\ufeff" + INVOICES).encode()


def test_tenant_b_streams_its_own_rows_and_customers_are_refused(world: IdentityWorld) -> None:
    own = world.client(world.host_b).get(V1, headers=bearer(world.b_admin.token))
    assert own.status_code == 200
    assert "999.00" in own.text and "ACME" not in own.text  # B's one invoice of January, none of A's
    customer = world.client(world.host_a).get(V1, headers=bearer(world.a_customer.token))
    problem_of(customer, 403)
    foreign_token = world.client(world.host_a).get(V1, headers=bearer(world.b_admin.token))
    problem_of(foreign_token, 401)


def test_a_range_that_does_not_end_after_it_starts_is_a_problem(world: IdentityWorld) -> None:
    backwards = "/api/v1/admin/exports/invoices.csv?from=2026-02-01&to=2026-01-01"
    body = problem_of(world.client(world.host_a).get(backwards, headers=bearer(world.a_admin.token)), 422)
    assert "must end after it starts" in body["detail"]
    problem_of(world.client(world.host_a).get("/api/v1/admin/exports/orders.csv?" + JANUARY_QUERY,
                                               headers=bearer(world.a_admin.token)), 422)  # fmt: skip


def test_the_response_is_sent_in_one_body_message_per_batch_of_rows(
    world: IdentityWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the ASGI level: the header line, then each batch as its own message with more to come."""
    monkeypatch.setattr(repository, "BATCH_ROWS", 2)  # 4 invoices: 2 batches
    messages = asyncio.run(_asgi_get(world.host_a, V1, world.a_admin.token))
    assert messages[0]["type"] == "http.response.start" and messages[0]["status"] == 200
    bodies = [m for m in messages if m["type"] == "http.response.body"]
    chunks = [m["body"] for m in bodies if m["body"]]
    assert len(chunks) == 3  # header, rows 1-2, rows 3-4
    assert [m.get("more_body", False) for m in bodies][:3] == [True, True, True]
    assert b"".join(chunks) == ("\ufeff" + INVOICES).encode()
    assert chunks[1].decode().count("\r\n") == 2 and chunks[2].decode().count("\r\n") == 2


async def _asgi_get(host: str, target: str, token: str) -> list[dict[str, Any]]:
    path, _, query = target.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", host.encode()), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000), "server": (host, 80),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if requested:  # the client stays connected until the response is complete
            await asyncio.Event().wait()
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await create_api()(scope, receive, send)
    return sent


def test_the_console_download_takes_an_admins_session_cookie(world: IdentityWorld) -> None:
    client = world.client(world.host_a)
    problem_of(client.get(CONSOLE), 401)
    client.cookies.set("bc_session", world.session_cookie(world.a_admin, world.host_a))
    response = client.get(CONSOLE)
    assert response.status_code == 200 and response.headers["content-type"] == CSV_TEXT
    assert response.content == ("\ufeff" + INVOICES).encode()


def _finished_job(world: IdentityWorld) -> int:
    scope = TenantScope(world.a_admin.tenant_id)
    with unit_of_work(world.engine) as session:
        job = service.request_export(
            session, scope, Actor.admin(scope.tenant_id), ExportKind.INVOICES, *JANUARY, utc(2026, 3, 1)
        )
        job_id = job.id or 0
    with unit_of_work(world.engine) as session:
        assert EXPORTS.run_unit(session, scope, service.job_key(job_id), utc(2026, 3, 1)) == 4
    return job_id


def test_an_export_jobs_file_is_for_its_tenants_admins_only(world: IdentityWorld) -> None:
    job_id = _finished_job(world)
    path = f"/api/admin/exports/files/{job_id}.csv"
    admin = world.client(world.host_a)
    admin.cookies.set("bc_session", world.session_cookie(world.a_admin, world.host_a))
    response = admin.get(path)
    assert response.status_code == 200, response.text
    assert response.content == ("\ufeff" + INVOICES).encode()
    assert 'filename="invoices-2026-01-01-to-2026-02-01.csv"' in response.headers["content-disposition"]

    other = world.client(world.host_b)
    other.cookies.set("bc_session", world.session_cookie(world.b_admin, world.host_b))
    problem_of(other.get(path), 404)  # B's admin: no such export in B
    customer = world.client(world.host_a)
    customer.cookies.set("bc_session", world.session_cookie(world.a_customer, world.host_a))
    problem_of(customer.get(path), 403)
    problem_of(world.client(world.host_a).get(path), 401)
