"""Bill now on a real Redis, PostgreSQL and a real RQ worker process: the run asked for in a request
is queued once, the worker bills the customer and the run's summary is read back; queuing it again
or running it again changes nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import Engine, func, select

from backend import clock
from backend.audit.service import Actor
from backend.customers.service import open_customer_account
from backend.db import unit_of_work
from backend.invoicing import billing_runs
from backend.invoicing.tasks import BILL_NOW
from backend.kit.repository import TenantScope
from backend.models import Invoice, OpenPosition
from backend.settings import load_settings
from backend.tenancy.service import create_tenant
from jobs import dispatch, tasks
from tests.jobs.test_jobs import (  # noqa: F401 - the fixtures of the job tests
    Starter,
    connection,
    demo_pg,
    job_env,
    jobs_redis,
    processes,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _tenant_with_a_charge(engine: Engine) -> tuple[int, int]:
    """A tenant of its own with one customer (Germany) and a 40.00 net charge waiting."""
    slug = f"billnow-{uuid.uuid4().hex[:8]}"
    with unit_of_work(engine) as session:
        tenant = create_tenant(session, slug=slug, name="Bill Now Hosting", settings=load_settings())
        scope = TenantScope(tenant.id or 0)
        account = open_customer_account(
            session, scope, name="Kunde Eins", email="eins@example.test", country="DE"
        )
        session.add(
            OpenPosition(
                tenant_id=scope.tenant_id, customer_account_id=account.id, source_ref="billnow:1",
                description="Setup", unit_price=Decimal("40.00"), amount=Decimal("40.00"),
            )
        )  # fmt: skip
        return scope.tenant_id, account.id or 0


def _requested(engine: Engine, tenant_id: int) -> int:
    with unit_of_work(engine) as session:
        run = billing_runs.request_bill_now(
            session, TenantScope(tenant_id), Actor.admin(tenant_id), clock.now()
        )
        return run.id or 0


def _invoices(engine: Engine, tenant_id: int) -> list[tuple[str, Decimal]]:
    with unit_of_work(engine) as session:
        rows = session.execute(select(Invoice.number, Invoice.gross).where(Invoice.tenant_id == tenant_id))
        return [(str(number), Decimal(gross)) for number, gross in rows]


def test_a_worker_runs_the_bill_now_job_once_and_its_summary_is_read_back(
    job_env: dict[str, str],  # noqa: F811
    connection: Redis,  # noqa: F811
    demo_pg: Engine,  # noqa: F811
    processes: Starter,  # noqa: F811
) -> None:
    tenant_id, _ = _tenant_with_a_charge(demo_pg)
    run_id = _requested(demo_pg, tenant_id)
    assert dispatch.enqueue_unit(connection, BILL_NOW, tenant_id, f"run:{run_id}") is True
    assert dispatch.enqueue_unit(connection, BILL_NOW, tenant_id, f"run:{run_id}") is False  # pending once
    assert Queue("billing", connection=connection).count == 1

    assert processes(job_env, "worker", "--burst").wait(timeout=120) == 0

    with unit_of_work(demo_pg) as session:
        view = billing_runs.billing_run(session, TenantScope(tenant_id), Actor.admin(tenant_id), run_id)
    assert (view.status, view.done, view.total, view.issued, view.errors) == ("done", 1, 1, 1, 0)
    [(number, gross)] = _invoices(demo_pg, tenant_id)
    assert view.invoice_numbers == [number] and gross == Decimal("47.60")  # 40.00 + 19 % = 47.60

    assert tasks.run_unit(BILL_NOW.name, tenant_id, f"run:{run_id}") == 0  # a second execution
    assert len(_invoices(demo_pg, tenant_id)) == 1
    with unit_of_work(demo_pg) as session:
        waiting = session.scalar(
            select(func.count())
            .select_from(OpenPosition)
            .where(OpenPosition.tenant_id == tenant_id, OpenPosition.invoice_id.is_(None))
        )
    assert waiting == 0
