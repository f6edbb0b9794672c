"""The audit log page's state as the browser drives it, against tenant A of the identity world:
filters from the address and the form, a refused date range, paging older and back, the CSV
address of the filters, and customers sent away before anything is read.

A's log: 24 sign-in-like entries ("auth.login", one a minute) then Ada voiding INV-A-1; B's log has
a void of its own, which A's page never shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock
from backend.audit import service as audit
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models import AuditLogEntry
from billing_console.state.admin_audit import AdminAuditState
from tests.conftest import IdentityWorld
from tests.console.test_admin_pages import page_state
from tests.console.test_identity_states import redirects, run

pytestmark = pytest.mark.redis

START = datetime(2027, 5, 10, 8, tzinfo=UTC)


@pytest.fixture
def world(identity_world: IdentityWorld) -> IdentityWorld:
    w = identity_world
    a, b = TenantScope(w.a_admin.tenant_id), TenantScope(w.b_admin.tenant_id)
    with Session(w.engine) as session, clock.frozen(START) as frozen:
        for _ in range(24):
            audit.record(session, a, Actor(user_id=w.a_customer.user_id), "auth.login")
            frozen.advance(timedelta(minutes=1))
        audit.record(
            session, a, Actor.admin(a.tenant_id, user_id=w.a_admin.user_id), "invoice.void",
            object_type="invoice", object_id="INV-A-1", before={"status": "issued"}, after={"status": "void"},
        )  # fmt: skip
        audit.record(
            session, b, Actor.admin(b.tenant_id), "invoice.void", object_type="invoice", object_id="INV-B-1"
        )
        session.commit()
    return w


def _entries_of(world: IdentityWorld, tenant_id: int) -> int:
    with Session(world.engine) as session:
        statement = (
            select(func.count()).select_from(AuditLogEntry).where(AuditLogEntry.tenant_id == tenant_id)
        )
        return int(session.scalar(statement) or 0)


def test_the_page_reads_its_filters_from_the_address_and_offers_the_csv_of_them(world: IdentityWorld) -> None:
    state = page_state(
        AdminAuditState, world, world.a_admin, "/admin/audit?object_type=invoice&object_id=INV-A-1"
    )
    run(AdminAuditState.load.fn, state)
    assert [(r.action_words, r.object_id, r.actor) for r in state.rows] == [
        ("Invoice voided", "INV-A-1", world.a_admin.email)
    ]
    assert [(c.name, c.old, c.new) for c in state.rows[0].changes] == [("status", "issued", "void")]
    assert state.total == 1 and not state.loading
    assert state.csv_address == "/api/admin/audit.csv?object_type=invoice&object_id=INV-A-1"
    assert {c.value for c in state.actions} >= {"auth.login", "invoice.void"}


def test_paging_goes_older_and_back_and_a_refused_range_keeps_the_page(world: IdentityWorld) -> None:
    state = page_state(AdminAuditState, world, world.a_admin, "/admin/audit")
    run(AdminAuditState.load.fn, state)
    run(AdminAuditState.filter_action.fn, state, "auth.login")
    first = [r.id for r in state.rows]
    assert state.total == 24 and len(first) == 20 and state.has_older and not state.has_newer
    run(AdminAuditState.older.fn, state)
    assert len(state.rows) == 4 and not state.has_older and state.has_newer
    assert max(r.id for r in state.rows) < min(first)
    run(AdminAuditState.newer.fn, state)
    assert [r.id for r in state.rows] == first

    run(AdminAuditState.search.fn, state, {"who": "", "since": "2027-05-11", "until": "2027-05-10"})
    assert state.search_error == "Until: choose a date on or after the start date."
    assert [r.id for r in state.rows] == first
    run(AdminAuditState.clear.fn, state)
    assert state.search_error == "" and state.csv_address == "/api/admin/audit.csv"
    assert state.total == _entries_of(world, world.a_admin.tenant_id)  # the 25 above and the world's own


def test_a_customer_is_sent_to_the_dashboard_before_anything_is_read(world: IdentityWorld) -> None:
    state = page_state(AdminAuditState, world, world.a_customer, "/admin/audit")
    assert redirects(run(AdminAuditState.load.fn, state)) == ["/dashboard"]
    assert state.rows == [] and state.actions == []
