"""The console's audit log download (`/api/admin/audit.csv`) with the browser's session cookie:
admins of the host's tenant only, their own tenant's entries only, with the page's filters, and the
export itself audited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import Session

from backend import clock
from backend.audit import service as audit
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models import AuditLogEntry
from tests.api.conftest import problem_of
from tests.conftest import IdentityWorld

pytestmark = pytest.mark.redis

PATH = "/api/admin/audit.csv"


def _exports(world: IdentityWorld) -> list[tuple[int, int | None, object]]:
    """The export entries of this world's tenants (the database is shared with other tests)."""
    tenants = (world.a_admin.tenant_id, world.b_admin.tenant_id)
    with Session(world.engine) as session:
        found = session.scalars(
            select(AuditLogEntry).where(
                AuditLogEntry.action == "audit.export", AuditLogEntry.tenant_id.in_(tenants)
            )
        ).all()
    return sorted((e.tenant_id, e.actor_user_id, e.after) for e in found)


def _rows(response: object) -> list[list[str]]:
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))  # type: ignore[attr-defined]


@pytest.fixture
def world(identity_world: IdentityWorld) -> IdentityWorld:
    w = identity_world
    with Session(w.engine) as session, clock.frozen(datetime(2027, 5, 10, 8, tzinfo=UTC)):
        a, b = TenantScope(w.a_admin.tenant_id), TenantScope(w.b_admin.tenant_id)
        a_admin = Actor.admin(a.tenant_id, user_id=w.a_admin.user_id)
        audit.record(session, a, a_admin, "invoice.void", object_type="invoice", object_id="INV-A-1",
                     before={"status": "issued"}, after={"status": "void"})  # fmt: skip
        audit.record(session, a, a_admin, "plan.updated", object_type="plan", object_id="A-PLAN")
        audit.record(session, b, Actor.admin(b.tenant_id, user_id=w.b_admin.user_id), "invoice.void",
                     object_type="invoice", object_id="INV-B-1")  # fmt: skip
        session.commit()
    return w


def test_only_admins_signed_in_on_their_tenants_host_download_the_log(world: IdentityWorld) -> None:
    problem_of(world.client(world.host_a).get(PATH), 401)
    customer = world.session_cookie(world.a_customer, world.host_a)
    problem_of(world.client(world.host_a).get(PATH, cookies={"bc_session": customer}), 403)
    # B's admin session is unknown on A's host
    b_admin = world.session_cookie(world.b_admin, world.host_b)
    problem_of(world.client(world.host_a).get(PATH, cookies={"bc_session": b_admin}), 401)


def test_an_admin_gets_the_filtered_entries_of_their_own_tenant_and_the_export_is_audited(
    world: IdentityWorld,
) -> None:
    a_admin = world.session_cookie(world.a_admin, world.host_a)
    response = world.client(world.host_a).get(
        PATH, params={"object_type": "invoice"}, cookies={"bc_session": a_admin}
    )
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="audit-log.csv"'
    rows = _rows(response)
    assert [(row[3], row[5], row[6]) for row in rows[1:]] == [
        ("invoice.void", "INV-A-1", "Status: issued -> void")
    ]
    b_admin = world.session_cookie(world.b_admin, world.host_b)
    b_rows = _rows(world.client(world.host_b).get(PATH, cookies={"bc_session": b_admin}))
    objects = {row[5] for row in b_rows[1:]}
    assert "INV-B-1" in objects and not objects & {"INV-A-1", "A-PLAN"}, objects
    assert _exports(world) == sorted(
        [
            (world.a_admin.tenant_id, world.a_admin.user_id, {"filters": {"object_type": "invoice"}}),
            (world.b_admin.tenant_id, world.b_admin.user_id, {"filters": {}}),
        ]
    )


def test_a_malformed_date_is_refused_and_nothing_is_exported(world: IdentityWorld) -> None:
    a_admin = world.session_cookie(world.a_admin, world.host_a)
    refused = problem_of(
        world.client(world.host_a).get(PATH, params={"since": "yesterday"}, cookies={"bc_session": a_admin}),
        422,
    )
    assert [e["field"] for e in refused["errors"]] == ["since"]
    assert _exports(world) == []
