"""Two runs at once, and a run that dies half-way, on real PostgreSQL transactions."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from backend.audit.service import Actor
from backend.billing import charging
from backend.billing import tasks as billing_tasks
from backend.db import make_engine, unit_of_work
from backend.invoicing import tasks as invoicing_tasks
from backend.kit.repository import TenantScope
from backend.models import CustomerAccount, CustomerProfile, Invoice, OpenPosition, Plan
from backend.settings import load_settings
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from backend.tenancy.service import create_tenant
from tests.billing.world import utc

_slugs = itertools.count(1)
CUSTOMERS = 40
ORDERED = utc(2027, 1, 10, 9)


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


def seeded_tenant(engine: Engine) -> TenantScope:
    """A committed tenant whose customers (billing day 1) each ordered a monthly plan."""
    with unit_of_work(engine) as session:
        tenant = create_tenant(
            session, slug=f"concurrent-{next(_slugs)}", name="Concurrent", settings=load_settings()
        )
        scope = TenantScope(tenant.id)  # type: ignore[arg-type]
        plan = Plan(tenant_id=scope.tenant_id, key="web", name="Web", base_price=Decimal("10.00"))
        session.add(plan)
        session.flush()
        for number in range(CUSTOMERS):
            account = CustomerAccount(tenant_id=scope.tenant_id, number=f"C-{number}", name=f"C {number}")
            session.add(account)
            session.flush()
            session.add(
                CustomerProfile(
                    tenant_id=scope.tenant_id,
                    customer_account_id=account.id,
                    name=account.name,
                    country="DE",
                    email=f"c{number}@example.test",
                )
            )
            session.flush()
            admin = Actor.admin(scope.tenant_id)
            Lifecycle(session, scope, admin).order(OrderRequest(account.id, plan.id), ORDERED)  # type: ignore[arg-type]
    return scope


def run_concurrently(
    engine: Engine, work: Callable[..., int], scope: TenantScope, now: datetime
) -> list[int]:
    """Run every unit `work` finds in two threads at the same time, each in its own transaction."""
    coordinator = {
        billing_tasks.run_billing_unit: billing_tasks.find_billing_units,
        invoicing_tasks.run_invoice_run_unit: invoicing_tasks.find_invoice_run_units,
    }[work]
    with unit_of_work(engine) as session:
        keys = coordinator(session, scope, now)
    assert keys, "the scenario must have due work"
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            barrier.wait()
            for key in keys:
                with unit_of_work(engine) as session:
                    results.append(work(session, scope, key, now))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def count(engine: Engine, model: type, scope: TenantScope) -> int:
    with unit_of_work(engine) as session:
        return int(
            session.scalar(select(func.count()).select_from(model).where(model.tenant_id == scope.tenant_id))
        )


def test_two_billing_runs_at_once_charge_each_period_once(pg_engine: Engine) -> None:
    scope = seeded_tenant(pg_engine)
    assert count(pg_engine, OpenPosition, scope) == CUSTOMERS
    later = ORDERED + timedelta(days=70)  # two more monthly periods each
    results = run_concurrently(pg_engine, billing_tasks.run_billing_unit, scope, later)
    assert sum(results) == 2 * CUSTOMERS
    assert count(pg_engine, OpenPosition, scope) == 3 * CUSTOMERS


def test_two_invoice_runs_at_once_issue_gapless_numbers_once(pg_engine: Engine) -> None:
    scope = seeded_tenant(pg_engine)
    billing_day = utc(2027, 2, 1, 6)
    results = run_concurrently(pg_engine, invoicing_tasks.run_invoice_run_unit, scope, billing_day)
    assert sum(results) == CUSTOMERS
    with unit_of_work(pg_engine) as session:
        numbers = sorted(session.scalars(select(Invoice.number).where(Invoice.tenant_id == scope.tenant_id)))
    assert numbers == [f"INV-2027-{n:05d}" for n in range(1, CUSTOMERS + 1)]


def test_a_billing_run_that_dies_half_way_leaves_nothing_and_the_rerun_charges_once(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    scope = seeded_tenant(pg_engine)
    later = ORDERED + timedelta(days=35)
    real_bill = charging.Charger.bill
    calls = {"n": 0}

    def dying_bill(self: charging.Charger, subscriptions: list, now: datetime) -> int:
        real_bill(self, subscriptions, now)
        calls["n"] += 1
        raise RuntimeError("worker killed after inserting charges")

    monkeypatch.setattr(charging.Charger, "bill", dying_bill)
    with unit_of_work(pg_engine) as session:
        [key] = billing_tasks.find_billing_units(session, scope, later)
    with pytest.raises(RuntimeError), unit_of_work(pg_engine) as session:
        billing_tasks.run_billing_unit(session, scope, key, later)
    assert calls["n"] == 1 and count(pg_engine, OpenPosition, scope) == CUSTOMERS
    monkeypatch.setattr(charging.Charger, "bill", real_bill)
    for _ in range(2):
        with unit_of_work(pg_engine) as session:
            billing_tasks.run_billing_unit(session, scope, key, later)
    assert count(pg_engine, OpenPosition, scope) == 2 * CUSTOMERS
