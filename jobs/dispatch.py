"""Putting coordinator and unit jobs on their queues, each at most once while it is pending.

A unit's job id is `unit-{tenant_id}-{coordinator}-{key}-{digest of key}` (rq 3 allows letters,
digits, "_" and "-" only, so the key is shown with other characters replaced and the digest keeps
ids of different keys apart). rq 3 enqueues with `unique=True` in one Lua script (check the job
hash, save it, push it), so two coordinators enqueueing the same unit at once get one job.

A unit's finished job expires a second after it succeeded, so the next run of the coordinator can
queue the unit again. (Not result_ttl=0: rq 3.0.0's immediate delete fails on a job whose earlier
worker was killed, as it looks up that worker's expired execution.) A unit that failed for good
keeps its failed job, and so its id, until an operator requeues or deletes it in /admin/queues/ or
JOB_FAILURE_TTL_DAYS pass: a failing unit waits for a human instead of failing every minute.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from redis import Redis
from rq import Callback, Queue, Retry
from rq.exceptions import DuplicateJobError

from backend.kit.coordination import Coordinator
from backend.scheduling.coordinators import words
from backend.settings import Settings, get_settings

UNIT_PREFIX = "unit"
COORDINATOR_PREFIX = "coordinator"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True, slots=True)
class JobKind:
    """How long one kind of job may run and what happens when it fails."""

    timeout_seconds: int
    retry: bool  # retried with the JOB_RETRY_INTERVALS backoff
    result_ttl_seconds: int = 1  # how long a finished job (and so its id) is kept


# A coordinator only reads and enqueues: if it fails, its next scheduled run is the retry.
COORDINATOR_JOB = JobKind(timeout_seconds=300, retry=False)
# A unit does one batch of real work (e.g. 500 subscriptions): more time, and retried with backoff.
UNIT_JOB = JobKind(timeout_seconds=900, retry=True)


def unit_job_id(coordinator: str, tenant_id: int, key: str) -> str:
    readable = _UNSAFE.sub("_", key)[:80]
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f"{UNIT_PREFIX}-{tenant_id}-{coordinator}-{readable}-{digest}"


def coordinator_job_id(coordinator: str) -> str:
    """The scheduled job of a coordinator: one per coordinator, for all tenants."""
    return f"{COORDINATOR_PREFIX}-{coordinator}"


def on_demand_job_id(coordinator: str, tenant_id: int | None) -> str:
    """A run outside the schedule ("bill now"), for one tenant or all."""
    return f"{COORDINATOR_PREFIX}-{'all' if tenant_id is None else tenant_id}-{coordinator}-now"


def tenant_of_job(job_id: str) -> int | None:
    """The tenant a unit or on-demand job works for (None for jobs of all tenants)."""
    parts = job_id.split("-", 2)
    if len(parts) == 3 and parts[0] in (UNIT_PREFIX, COORDINATOR_PREFIX) and parts[1].isdigit():
        return int(parts[1])
    return None


def job_options(kind: JobKind, settings: Settings | None = None) -> dict[str, object]:
    """Timeout, retries, TTLs and the monitoring callbacks of a job of `kind`."""
    settings = settings or get_settings()
    intervals = settings.retry_intervals
    return {
        "timeout": kind.timeout_seconds,
        "result_ttl": kind.result_ttl_seconds,
        "retry": Retry(max=len(intervals), interval=intervals) if kind.retry and intervals else None,
        "failure_ttl": settings.job_failure_ttl_days * 86400,
        "on_success": Callback("jobs.tasks.record_success"),
        "on_failure": Callback("jobs.tasks.record_failure"),
    }


def _named(coordinator: Coordinator) -> str:
    """The job monitor lists jobs by their description: the coordinator's words, then its name."""
    return f"{words(coordinator.name).title} ({coordinator.name})"


def enqueue_unit(connection: Redis, coordinator: Coordinator, tenant_id: int, key: str) -> bool:
    """Queue one unit job; False when a job for this unit exists (pending, or failed and kept)."""
    try:
        Queue(coordinator.queue, connection=connection).enqueue_call(
            "jobs.tasks.run_unit",
            args=(coordinator.name, tenant_id, key),
            job_id=unit_job_id(coordinator.name, tenant_id, key),
            description=f"{_named(coordinator)} unit {key} (tenant {tenant_id})",
            unique=True,
            **job_options(UNIT_JOB),  # type: ignore[arg-type]
        )
    except DuplicateJobError:
        return False
    return True


def enqueue_coordinator(connection: Redis, coordinator: Coordinator, tenant_id: int | None = None) -> bool:
    """Run a coordinator now, outside its schedule ("bill now"); False when that run is already pending."""
    try:
        Queue(coordinator.queue, connection=connection).enqueue_call(
            "jobs.tasks.coordinate",
            args=(coordinator.name, tenant_id),
            job_id=on_demand_job_id(coordinator.name, tenant_id),
            description=f"{_named(coordinator)} now"
            + ("" if tenant_id is None else f" (tenant {tenant_id})"),
            unique=True,
            **job_options(COORDINATOR_JOB),  # type: ignore[arg-type]
        )
    except DuplicateJobError:
        return False
    return True
