"""Each service operation asks the policy, whatever calls it: the right actors succeed, everyone else
is refused with `PermissionDenied` and nothing of the tenant changes (no row, no audit entry).

Runs in tenant A of the isolation world (tests/isolation/world.py: billing in every state), one
savepoint per test. SQLite only: every refusal happens before the first query, and the successful
calls are the isolation tables' controls, which run on both databases.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from backend.audit.service import SYSTEM, Actor
from backend.kit.errors import PermissionDenied
from backend.subscriptions import tasks as subscription_tasks
from backend.subscriptions.service import Lifecycle
from tests.isolation.conftest import Pair
from tests.isolation.probes import is_nothing, rows_of_tenant
from tests.isolation.service_probes import unit
from tests.isolation.world import NOW, Side
from tests.policy.operations import KINDS, OPERATIONS, Op, actors

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


def _try(session: Session, operation: Op, a: Side, who: Actor) -> Any:
    savepoint = session.begin_nested()
    try:
        return operation.call(session, a, who)
    finally:
        savepoint.rollback()
        session.expire_all()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_only_the_allowed_actors_get_through(pair: Pair, operation: Op) -> None:
    session, a = pair.session, pair.a
    if operation.prepare is not None:
        operation.prepare(session, a)
    before = rows_of_tenant(session, a.tenant_id)
    for kind, who in actors(a, pair.b).items():
        if kind in operation.allowed:
            continue
        with pytest.raises(PermissionDenied):
            _try(session, operation, a, who)
        assert rows_of_tenant(session, a.tenant_id) == before, f"{kind}: refused, yet something changed"


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_the_allowed_actors_succeed(pair: Pair, operation: Op) -> None:
    """The control: the same call reaches A's objects for each allowed actor, so the refusals
    above come from the policy, not from ids that lead nowhere."""
    session, a = pair.session, pair.a
    assert operation.allowed <= set(KINDS)
    if operation.prepare is not None:
        operation.prepare(session, a)
    before = rows_of_tenant(session, a.tenant_id)
    for kind in sorted(operation.allowed):
        who = actors(a, pair.b)[kind]
        savepoint = session.begin_nested()
        try:
            result = operation.call(session, a, who)
            changed = rows_of_tenant(session, a.tenant_id) != before
            assert changed or not is_nothing(result), f"{kind}: the call reached nothing"
        finally:
            savepoint.rollback()
            session.expire_all()


def test_a_refused_customer_gets_a_message_naming_the_action(pair: Pair) -> None:
    session, a = pair.session, pair.a
    owner = actors(a, pair.b)["owner"]
    with pytest.raises(PermissionDenied, match=r"^Only admins may cancel subscriptions immediately\.$"):
        Lifecycle(session, a.scope, owner).cancel_immediately(a.active_sub, NOW)
    other = actors(a, pair.b)["other customer"]
    with pytest.raises(PermissionDenied, match="only for your own customer account"):
        Lifecycle(session, a.scope, other).cancel(a.active_sub, NOW)


def test_the_expiration_job_acts_as_the_system(pair: Pair) -> None:
    """The job's unit builds its Lifecycle with `SYSTEM`, which the table lets expire subscriptions."""
    session, a = pair.session, pair.a
    coordinator = subscription_tasks.EXPIRATION
    assert coordinator.run_unit(session, a.scope, unit(a.expiring_sub), NOW) == 1
    with pytest.raises(PermissionDenied):
        Lifecycle(session, a.scope, a.actor).expire(a.expiring_sub)  # not even an admin
    assert Lifecycle(session, a.scope, SYSTEM).expire(a.expiring_sub) is False  # done already


def test_a_customer_whose_session_has_no_customer_account_is_refused(pair: Pair) -> None:
    session, a = pair.session, pair.a
    no_account = Actor(user_id=a.user_id, role=actors(a, pair.b)["owner"].role, tenant_id=a.tenant_id)
    before = rows_of_tenant(session, a.tenant_id)
    with pytest.raises(PermissionDenied):
        Lifecycle(session, a.scope, no_account).cancel(a.active_sub, NOW + timedelta(hours=1))
    assert rows_of_tenant(session, a.tenant_id) == before
