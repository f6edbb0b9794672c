"""The admin overview shows the tenant's document alarms (and only its own), with the file to restore."""

from __future__ import annotations

from backend.db import unit_of_work
from backend.models import DocumentAlarm, DocumentKind
from billing_console.state.admin import AdminOverviewState
from tests.conftest import IdentityWorld
from tests.console.test_identity_states import redirects, run, state_for


def test_the_overview_lists_the_tenants_own_document_alarms(identity_world: IdentityWorld) -> None:
    world = identity_world
    with unit_of_work(world.engine) as session:
        session.add(
            DocumentAlarm(
                tenant_id=world.a_admin.tenant_id,
                document_kind=DocumentKind.CREDIT_NOTE,
                document_number="INV-2027-00007-CN1",
                expected_sha256="a" * 64,
                actual_sha256="b" * 64,
            )
        )
    admin_a = state_for(AdminOverviewState, world.host_a, world.session_cookie(world.a_admin, world.host_a))
    assert redirects(run(AdminOverviewState.load.fn, admin_a)) == []
    [alarm] = admin_a.document_alarms
    assert (alarm.kind, alarm.number) == ("Credit note", "INV-2027-00007-CN1")
    assert alarm.storage_key == f"tenant-{world.a_admin.tenant_id}/credit-notes/INV-2027-00007-CN1.pdf"

    admin_b = state_for(AdminOverviewState, world.host_b, world.session_cookie(world.b_admin, world.host_b))
    assert redirects(run(AdminOverviewState.load.fn, admin_b)) == []
    assert admin_b.document_alarms == []
