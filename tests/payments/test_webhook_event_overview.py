"""The overview's "Payment provider events" figures: the tenant's Stripe events of the last seven
days counted by result, and the newest failed ones (at most ten). Rows are made by hand as the
webhook stores them; events of another tenant and the deployment's (no tenant) never show."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from backend.kit.errors import PermissionDenied
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models import InboundWebhookEvent, PaymentProcessor, WebhookResult
from backend.payments.provider_events import events_overview
from backend.settings import load_settings
from backend.tenancy.service import create_tenant
from tests.billing.world import World

_ids = itertools.count(1)
R = WebhookResult


def _event(
    world: World, tenant_id: int | None, result: WebhookResult, age: timedelta, error: str = ""
) -> InboundWebhookEvent:
    at = world.now - age
    row = InboundWebhookEvent(
        tenant_id=tenant_id,
        processor=PaymentProcessor.STRIPE,
        event_id=f"evt_overview_{tenant_id}_{next(_ids)}_{at.timestamp():.0f}",
        event_type="payment_intent.succeeded",
        payload_sha256="0" * 64,
        result=result,
        error=error,
        received_at=at,
        processed_at=at,
    )
    world.session.add(row)
    world.session.flush()
    return row


def _other_tenant(world: World) -> int:
    other = create_tenant(
        world.session, slug=f"events-other-{next(_ids)}", name="Other", settings=load_settings()
    )
    assert other.id is not None
    return other.id


def test_events_of_the_last_seven_days_are_counted_by_result(world: World) -> None:
    mine = world.scope.tenant_id
    for result, hours in [
        (R.PROCESSED, 1),
        (R.PROCESSED, 50),
        (R.PROCESSED, 160),
        (R.IGNORED, 3),
        (R.FAILED, 4),
    ]:
        _event(world, mine, result, timedelta(hours=hours))
    _event(world, mine, R.PROCESSED, timedelta(days=8))  # before the window
    _event(world, mine, R.FAILED, timedelta(days=8), "too old")
    _event(world, mine, R.PENDING, timedelta(minutes=1))  # being handled: no result yet
    _event(world, None, R.FAILED, timedelta(hours=1), "the event names no tenant")  # the deployment's
    _event(world, _other_tenant(world), R.IGNORED, timedelta(hours=1))
    found = events_overview(world.session, world.scope, world.admin, world.now)
    assert (found.processed, found.ignored, found.failed) == (3, 1, 1)
    assert found.since == world.now - timedelta(days=7)


def test_only_failed_events_are_listed_newest_first_at_most_ten(world: World) -> None:
    mine = world.scope.tenant_id
    failed = [_event(world, mine, R.FAILED, timedelta(hours=h), f"KeyError: {h}") for h in range(1, 13)]
    _event(world, mine, R.PROCESSED, timedelta(minutes=5))
    _event(world, mine, R.IGNORED, timedelta(minutes=6), "no handler takes payment_intent.succeeded")
    _event(world, None, R.FAILED, timedelta(minutes=1), "the deployment's")
    _event(world, _other_tenant(world), R.FAILED, timedelta(minutes=2), "another tenant's")
    found = events_overview(world.session, world.scope, world.admin, world.now)
    assert found.failed == 12
    # the newest ten: 1 h to 10 h old, in that order; the 11 h and 12 h old ones are left off
    assert [e.event_id for e in found.latest_failed] == [e.event_id for e in failed[:10]]
    assert [e.error for e in found.latest_failed][:2] == ["KeyError: 1", "KeyError: 2"]
    assert {e.tenant_id for e in found.latest_failed} == {mine}


def test_a_failed_event_older_than_the_window_is_not_listed(world: World) -> None:
    _event(world, world.scope.tenant_id, R.FAILED, timedelta(days=7, minutes=1), "old")
    found = events_overview(world.session, world.scope, world.admin, world.now)
    assert (found.processed, found.ignored, found.failed, found.latest_failed) == (0, 0, 0, [])


def test_another_tenants_admin_sees_none_of_the_events(world: World) -> None:
    _event(world, world.scope.tenant_id, R.FAILED, timedelta(hours=1), "mine")
    other = _other_tenant(world)
    found = events_overview(world.session, TenantScope(other), Actor.admin(other), world.now)
    assert (found.processed, found.ignored, found.failed, found.latest_failed) == (0, 0, 0, [])
    with pytest.raises(PermissionDenied):
        events_overview(world.session, TenantScope(other), world.admin, world.now)  # A's admin in B
