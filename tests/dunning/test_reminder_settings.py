"""The reminder steps as a tenant setting: the rules, nothing changed by bad input, the audit entry,
who may read and change them, and the REST routes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backend.audit.service import Actor
from backend.dunning.settings import dunning_settings, update_dunning_settings
from backend.kit.errors import FieldErrors, PermissionDenied
from backend.models import AuditLogEntry, Tenant
from tests.billing.world import World
from tests.conftest import IdentityWorld


def update(world: World, offsets: Any, suspend: bool = True, actor: Actor | None = None) -> Any:
    return update_dunning_settings(
        world.session,
        world.scope,
        actor or world.admin,
        reminder_offsets_days=offsets,
        suspend_service=suspend,
    )


def stored(world: World) -> Any:
    tenant = world.session.get(Tenant, world.scope.tenant_id)
    assert tenant is not None
    world.session.refresh(tenant)
    return tenant.settings.get("dunning")


def test_a_new_tenant_sends_no_reminders_and_is_offered_three_steps(world: World) -> None:
    view = dunning_settings(world.session, world.scope, world.admin)
    assert (view.reminder_offsets_days, view.enabled, view.suspend_service) == ([], False, True)
    assert view.suggested_offsets_days == [3, 10, 17]


def test_steps_are_saved_with_the_other_settings_and_audited(world: World) -> None:
    world.tenant.settings = {"billing": {"minimum_invoice_amount": "5.00"}}
    world.session.flush()
    view = update(world, [3, 10, 17], suspend=False)
    assert (view.reminder_offsets_days, view.suspend_service, view.enabled) == ([3, 10, 17], False, True)
    assert stored(world) == {"reminder_offsets_days": [3, 10, 17], "suspend_service": False}
    tenant = world.session.get(Tenant, world.scope.tenant_id)
    assert tenant is not None and tenant.settings["billing"] == {"minimum_invoice_amount": "5.00"}
    [entry] = world.session.scalars(
        select(AuditLogEntry).where(
            AuditLogEntry.tenant_id == world.scope.tenant_id,
            AuditLogEntry.action == "tenant.dunning_settings",
        )
    ).all()
    assert entry.before == {"reminder_offsets_days": [], "suspend_service": True}
    assert entry.after == {"reminder_offsets_days": [3, 10, 17], "suspend_service": False}
    assert update(world, []).enabled is False  # switched off again


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ([0, 10], "Each reminder is 1 to 365 days after the due date; got 0."),
        ([-3], "Each reminder is 1 to 365 days after the due date; got -3."),
        ([3, 400], "Each reminder is 1 to 365 days after the due date; got 400."),
        ([10, 3], "Each reminder comes after the one before it: 3 is not after 10."),
        ([3, 3], "Each reminder comes after the one before it: 3 is not after 3."),
        ([1, 2, 3, 4, 5, 6], "At most 5 reminders; got 6."),
        (["3"], "Reminder days are whole numbers of days, such as 3, 10, 17."),
        ([3.5], "Reminder days are whole numbers of days, such as 3, 10, 17."),
        ([True], "Reminder days are whole numbers of days, such as 3, 10, 17."),
        ("3, 10", "Reminder days are whole numbers of days, such as 3, 10, 17."),
    ],
)
def test_bad_steps_are_refused_and_change_nothing(world: World, offsets: Any, message: str) -> None:
    update(world, [3, 10])
    with pytest.raises(FieldErrors) as refused:
        update(world, offsets, suspend=False)
    assert refused.value.fields == {"reminder_offsets_days": message}
    assert stored(world) == {"reminder_offsets_days": [3, 10], "suspend_service": True}


def test_five_steps_are_allowed(world: World) -> None:
    assert update(world, [1, 2, 30, 60, 365]).reminder_offsets_days == [1, 2, 30, 60, 365]


def test_customers_may_neither_read_nor_change_the_steps(world: World) -> None:
    customer = world.customer()
    actor = Actor.customer(world.scope.tenant_id, customer.id or 0)
    with pytest.raises(PermissionDenied):
        dunning_settings(world.session, world.scope, actor)
    with pytest.raises(PermissionDenied):
        update(world, [3], actor=actor)
    assert stored(world) is None


def test_a_hand_edited_broken_setting_counts_as_no_reminders(world: World) -> None:
    world.tenant.settings = {"dunning": {"reminder_offsets_days": [10, 3]}}
    world.session.flush()
    assert dunning_settings(world.session, world.scope, world.admin).reminder_offsets_days == []


def test_the_api_reads_and_replaces_the_steps(identity_world: IdentityWorld) -> None:
    api = identity_world.client(identity_world.host_a)
    admin = {"Authorization": f"Bearer {identity_world.a_admin.token}"}
    assert api.get("/api/v1/admin/settings/dunning", headers=admin).json()["reminder_offsets_days"] == []
    body = {"reminder_offsets_days": [3, 10, 17], "suspend_service": False}
    answer = api.put("/api/v1/admin/settings/dunning", json=body, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "reminder_offsets_days": [3, 10, 17],
        "suspend_service": False,
        "enabled": True,
        "suggested_offsets_days": [3, 10, 17],
    }
    refused = api.put(
        "/api/v1/admin/settings/dunning", json={"reminder_offsets_days": [10, 3]}, headers=admin
    )
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    [error] = refused.json()["errors"]
    assert error == {
        "location": "body",
        "field": "reminder_offsets_days",
        "message": "Each reminder comes after the one before it: 3 is not after 10.",
        "pointer": "#/reminder_offsets_days",
    }
    assert api.get("/api/v1/admin/settings/dunning", headers=admin).json()["reminder_offsets_days"] == [
        3,
        10,
        17,
    ]
    # the other tenant's admin sees their own (unset) steps on their own host
    other = identity_world.client(identity_world.host_b)
    b_admin = {"Authorization": f"Bearer {identity_world.b_admin.token}"}
    assert other.get("/api/v1/admin/settings/dunning", headers=b_admin).json()["reminder_offsets_days"] == []
    customer = {"Authorization": f"Bearer {identity_world.a_customer.token}"}
    assert api.get("/api/v1/admin/settings/dunning", headers=customer).status_code == 403
