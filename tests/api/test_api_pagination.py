"""Cursor pagination: `limit`, `starting_after`, `{"data": [...], "has_more": bool}`."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from backend.audit import service as audit
from backend.db import unit_of_work
from backend.identity.users import create_user
from backend.kit.repository import TenantScope
from backend.models import AuditLogEntry, User, UserRole
from tests.api.conftest import bearer, client
from tests.conftest import IdentityWorld

pytestmark = pytest.mark.redis


def pages(api: TestClient, path: str, token: str, limit: int, **query: str) -> list[dict[str, Any]]:
    """Every page of a list, following `starting_after` from the last item of each page."""
    found: list[dict[str, Any]] = []
    cursor: int | None = None
    while True:
        params: dict[str, Any] = {"limit": limit, **query}
        if cursor is not None:
            params["starting_after"] = cursor
        response = api.get(path, params=params, headers=bearer(token))
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"data", "has_more"} and len(page["data"]) <= limit
        found.append(page)
        if not page["has_more"]:
            return found
        cursor = page["data"][-1]["id"]


def ids_in_database(world: IdentityWorld, model: Any, tenant_id: int, **where: str) -> list[int]:
    with Session(world.engine) as session:
        statement = select(model.id).where(model.tenant_id == tenant_id)
        for column, value in where.items():
            statement = statement.where(getattr(model, column) == value)
        return list(session.scalars(statement))


def test_users_are_paged_oldest_first_until_has_more_is_false(identity_world: IdentityWorld) -> None:
    world = identity_world
    scope = TenantScope(world.a_admin.tenant_id)
    with unit_of_work(world.engine) as session:
        for n in range(5):
            create_user(
                session, scope, email=f"paged-{n}@a.test", password="Paged-pass-2026", role=UserRole.CUSTOMER
            )
    expected = sorted(ids_in_database(world, User, scope.tenant_id))
    assert len(expected) == 7  # the admin, the customer and five more

    found = pages(client(world.host_a), "/api/v1/admin/users", world.a_admin.token, limit=3)
    assert [len(page["data"]) for page in found] == [3, 3, 1]
    assert [page["has_more"] for page in found] == [True, True, False]
    assert [user["id"] for page in found for user in page["data"]] == expected


def test_a_page_that_ends_exactly_at_the_last_item_says_there_is_no_more(
    identity_world: IdentityWorld,
) -> None:
    world = identity_world
    found = pages(client(world.host_a), "/api/v1/admin/users", world.a_admin.token, limit=2)
    assert [(len(page["data"]), page["has_more"]) for page in found] == [(2, False)]


def test_the_audit_log_pages_newest_first_and_starting_after_means_older(
    identity_world: IdentityWorld,
) -> None:
    world = identity_world
    api = client(world.host_a)
    customer = world.a_customer.user_id
    for action in ("lock", "unlock") * 3:
        assert api.post(
            f"/api/v1/admin/users/{customer}/{action}", headers=bearer(world.a_admin.token)
        ).is_success
    expected = sorted(ids_in_database(world, AuditLogEntry, world.a_admin.tenant_id), reverse=True)
    assert len(expected) >= 6

    found = pages(api, "/api/v1/admin/audit-log", world.a_admin.token, limit=4)
    assert [entry["id"] for page in found for entry in page["data"]] == expected
    assert all(page["has_more"] for page in found[:-1]) and not found[-1]["has_more"]

    older = api.get(
        "/api/v1/admin/audit-log",
        params={"starting_after": expected[1], "limit": 100},
        headers=bearer(world.a_admin.token),
    ).json()
    assert [entry["id"] for entry in older["data"]] == expected[2:]


def test_a_filtered_audit_log_pages_within_the_filter(identity_world: IdentityWorld) -> None:
    world = identity_world
    api = client(world.host_a)
    customer = world.a_customer.user_id
    for action in ("lock", "unlock", "lock"):
        api.post(f"/api/v1/admin/users/{customer}/{action}", headers=bearer(world.a_admin.token))
    query = {"object_type": "user", "object_id": str(customer)}
    expected = sorted(ids_in_database(world, AuditLogEntry, world.a_admin.tenant_id, **query), reverse=True)
    found = pages(api, "/api/v1/admin/audit-log", world.a_admin.token, limit=2, **query)
    assert [entry["id"] for page in found for entry in page["data"]] == expected
    assert [entry["action"] for page in found for entry in page["data"]][:3] == [
        "user.locked",
        "user.unlocked",
        "user.locked",
    ]


def test_entries_written_while_paging_neither_repeat_nor_shift_the_next_page(
    identity_world: IdentityWorld,
) -> None:
    """The reason for cursors over offsets: with `offset=2` the second page would repeat entries
    of the first once new ones arrive at the top."""
    world = identity_world
    api = client(world.host_a)
    scope = TenantScope(world.a_admin.tenant_id)
    headers = bearer(world.a_admin.token)
    with unit_of_work(world.engine) as session:
        for n in range(4):
            audit.record(session, scope, audit.SYSTEM, f"test.before.{n}")
    first = api.get("/api/v1/admin/audit-log", params={"limit": 2}, headers=headers).json()
    with unit_of_work(world.engine) as session:
        for n in range(3):
            audit.record(session, scope, audit.SYSTEM, f"test.during.{n}")
    second = api.get(
        "/api/v1/admin/audit-log",
        params={"limit": 2, "starting_after": first["data"][-1]["id"]},
        headers=headers,
    ).json()
    assert [e["action"] for e in first["data"]] == ["test.before.3", "test.before.2"]
    assert [e["action"] for e in second["data"]] == ["test.before.1", "test.before.0"]


def test_a_tenant_pages_only_through_its_own_rows(identity_world: IdentityWorld) -> None:
    world = identity_world
    api_b = client(world.host_b)
    users = pages(api_b, "/api/v1/admin/users", world.b_admin.token, limit=1)
    assert [u["email"] for page in users for u in page["data"]] == [
        world.b_admin.email,
        world.b_customer.email,
    ]
    # A cursor taken from tenant A's ids is only a position: B still sees only its own rows.
    after_a = api_b.get(
        "/api/v1/admin/users",
        params={"starting_after": world.a_admin.user_id},
        headers=bearer(world.b_admin.token),
    ).json()
    assert {u["email"] for u in after_a["data"]} <= {world.b_admin.email, world.b_customer.email}
