"""The functions RQ workers run. Thin: open a unit of work, call the coordinator, commit.

`coordinate` finds the due units of every tenant (or one) and enqueues them; `run_unit` does one
unit. The callbacks record the last successful run and count failures for the admin dashboard.
"""

from __future__ import annotations

import logging
from typing import Any

from redis import Redis
from rq import get_current_job
from rq.job import Job

from backend import clock
from backend.db import unit_of_work
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.redis_connection import connect
from backend.scheduling import coordinators as coordination
from jobs import dispatch, monitoring

log = logging.getLogger(__name__)


def coordinate(name: str, tenant_id: int | None = None) -> int:
    """Enqueue the due units of coordinator `name` for one tenant or all; returns how many were queued."""
    job = get_current_job()
    return enqueue_due_units(job.connection if job else connect(), name, tenant_id)


def enqueue_due_units(connection: Redis, name: str, tenant_id: int | None = None) -> int:
    coordinator = coordination.get(name)
    with unit_of_work() as session:
        tenant_ids = (
            [tenant_id] if tenant_id is not None else [t.id for t in TenantDirectory(session).all() if t.id]
        )
    queued = 0
    for tenant in tenant_ids:
        # One short read transaction per tenant: finding units never holds locks while enqueueing.
        with unit_of_work() as session:
            keys = coordinator.find_units(session, TenantScope(tenant), clock.now())
        queued += sum(dispatch.enqueue_unit(connection, coordinator, tenant, key) for key in keys)
    log.info("%s: %d unit(s) queued for %d tenant(s)", name, queued, len(tenant_ids))
    return queued


def run_unit(name: str, tenant_id: int, key: str) -> int:
    """Do one unit and commit; returns how many objects it changed (0 when it was already done)."""
    coordinator = coordination.get(name)
    with unit_of_work() as session:
        return coordinator.run_unit(session, TenantScope(tenant_id), key, clock.now())


def record_success(job: Job, connection: Redis, result: Any, *args: Any, **kwargs: Any) -> None:
    if job.func_name == "jobs.tasks.coordinate":
        monitoring.record_coordinator_success(connection, str(job.args[0]), clock.now())


def record_failure(job: Job, connection: Redis, *exc_info: Any, **kwargs: Any) -> None:
    """Every failed attempt counts, retried or not (an abandoned job included)."""
    monitoring.record_failure(connection, str(job.args[0]) if job.args else job.func_name)
