"""The auto-billing retry schedule as a tenant setting: the default, the rules, nothing changed by bad
input, the audit entry, who may read and change it, and the REST routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from backend.audit.service import Actor
from backend.kit.errors import FieldErrors, PermissionDenied
from backend.models import AuditLogEntry, Tenant
from backend.payments.retry_schedule import RetrySchedule, retry_schedule, update_retry_schedule
from tests.billing.world import World
from tests.conftest import IdentityWorld


def update(world: World, hours: Any, actor: Actor | None = None) -> Any:
    return update_retry_schedule(world.session, world.scope, actor or world.admin, retry_schedule_hours=hours)


def stored(world: World) -> Any:
    tenant = world.session.get(Tenant, world.scope.tenant_id)
    assert tenant is not None
    world.session.refresh(tenant)
    return (tenant.settings or {}).get("payments")


def test_a_new_tenant_retries_now_then_after_one_three_and_seven_days(world: World) -> None:
    view = retry_schedule(world.session, world.scope, world.admin)
    assert (view.retry_schedule_hours, view.attempts) == ([0, 24, 72, 168], 4)
    first = datetime(2027, 2, 1, 9, tzinfo=UTC)
    schedule = RetrySchedule()
    assert [schedule.next_attempt_at(first, failed) for failed in range(5)] == [
        first,
        datetime(2027, 2, 2, 9, tzinfo=UTC),
        datetime(2027, 2, 4, 9, tzinfo=UTC),
        datetime(2027, 2, 8, 9, tzinfo=UTC),
        None,
    ]


def test_a_schedule_is_saved_beside_the_other_payment_settings_and_audited(world: World) -> None:
    world.tenant.settings = {**(world.tenant.settings or {}), "payments": {"bank_note": "kept"}}
    world.session.flush()
    assert update(world, [0, 6, 48]).retry_schedule_hours == [0, 6, 48]
    assert stored(world) == {"bank_note": "kept", "retry_schedule_hours": [0, 6, 48]}
    [entry] = world.session.scalars(
        select(AuditLogEntry).where(
            AuditLogEntry.tenant_id == world.scope.tenant_id,
            AuditLogEntry.action == "tenant.payment_retry_schedule",
        )
    ).all()
    assert (entry.before, entry.after) == (
        {"retry_schedule_hours": [0, 24, 72, 168]},
        {"retry_schedule_hours": [0, 6, 48]},
    )


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ([24, 72], "The first attempt is at hour 0 (when the invoice is issued); got 24."),
        ([0, 24, 24], "Each attempt comes after the one before: 24 is not after 24."),
        ([0, 72, 24], "Each attempt comes after the one before: 24 is not after 72."),
        ([0, 1441], "The last attempt is at most 1440 hours after the first; got 1441."),
        ([], "Between 1 and 8 attempts; got 0."),
        (list(range(9)), "Between 1 and 8 attempts; got 9."),
        (["0"], "Attempts are whole numbers of hours, such as 0, 24, 72, 168."),
        ([0, 1.5], "Attempts are whole numbers of hours, such as 0, 24, 72, 168."),
        ([False], "Attempts are whole numbers of hours, such as 0, 24, 72, 168."),
        ("0, 24", "Attempts are whole numbers of hours, such as 0, 24, 72, 168."),
    ],
)
def test_bad_schedules_are_refused_and_change_nothing(world: World, hours: Any, message: str) -> None:
    update(world, [0, 12])
    with pytest.raises(FieldErrors) as refused:
        update(world, hours)
    assert refused.value.fields == {"retry_schedule_hours": message}
    assert stored(world) == {"retry_schedule_hours": [0, 12]}


def test_one_attempt_only_is_allowed(world: World) -> None:
    assert update(world, [0]).attempts == 1


def test_customers_may_neither_read_nor_change_the_schedule(world: World) -> None:
    customer = world.customer()
    actor = Actor.customer(world.scope.tenant_id, customer.id or 0)
    with pytest.raises(PermissionDenied):
        retry_schedule(world.session, world.scope, actor)
    with pytest.raises(PermissionDenied):
        update(world, [0, 24], actor=actor)
    assert stored(world) is None


def test_a_hand_edited_broken_schedule_counts_as_the_default(world: World) -> None:
    world.tenant.settings = {"payments": {"retry_schedule_hours": [72, 24]}}
    world.session.flush()
    assert retry_schedule(world.session, world.scope, world.admin).retry_schedule_hours == [0, 24, 72, 168]


def test_the_api_reads_and_replaces_the_schedule(identity_world: IdentityWorld) -> None:
    api = identity_world.client(identity_world.host_a)
    admin = {"Authorization": f"Bearer {identity_world.a_admin.token}"}
    route = "/api/v1/admin/settings/payments"
    assert api.get(route, headers=admin).json() == {
        "retry_schedule_hours": [0, 24, 72, 168],
        "attempts": 4,
        "default_retry_schedule_hours": [0, 24, 72, 168],
    }
    answer = api.put(route, json={"retry_schedule_hours": [0, 48]}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["retry_schedule_hours"] == [0, 48]
    refused = api.put(route, json={"retry_schedule_hours": [0, 48, 24]}, headers=admin)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    [error] = refused.json()["errors"]
    assert (error["field"], error["message"]) == (
        "retry_schedule_hours",
        "Each attempt comes after the one before: 24 is not after 48.",
    )
    assert api.get(route, headers=admin).json()["retry_schedule_hours"] == [0, 48]
    other = identity_world.client(identity_world.host_b)
    b_admin = {"Authorization": f"Bearer {identity_world.b_admin.token}"}
    assert other.get(route, headers=b_admin).json()["retry_schedule_hours"] == [0, 24, 72, 168]
    customer = {"Authorization": f"Bearer {identity_world.a_customer.token}"}
    assert api.get(route, headers=customer).status_code == 403
