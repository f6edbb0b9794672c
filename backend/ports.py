"""Ports: what the backend needs from the job layer, without importing it.

Services and the gateway enqueue work and read job figures through these protocols; the RQ
implementations live in `jobs/` and are bound at the composition roots (`billing_console/cli.py`,
`billing_console/billing_console.py`), so the backend never imports `jobs` (ARCHITECTURE rule 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class JobsUnavailable(RuntimeError):
    """No job layer is bound in this process (or its Redis does not answer)."""


@dataclass(frozen=True, slots=True)
class CoordinatorHealth:
    """How one coordinator is doing, for the admin dashboard."""

    name: str
    description: str
    interval_seconds: int
    last_success: datetime | None  # last run that found and enqueued its units without an error
    failed_attempts: int  # unit attempts that raised, retries included, since the counters were reset


@dataclass(frozen=True, slots=True)
class JobHealth:
    failed_jobs: int  # jobs kept in the failed registries (after their last retry)
    queued_jobs: int  # waiting in the queues
    coordinators: list[CoordinatorHealth]


class JobQueue(Protocol):
    def enqueue_unit(self, coordinator: str, tenant_id: int, key: str) -> bool:
        """Queue one unit; False when the same unit is already pending (nothing is queued twice)."""
        ...

    def enqueue_coordinator(self, coordinator: str, tenant_id: int | None = None) -> None:
        """Run a coordinator now (e.g. "bill now"), for one tenant or all."""
        ...


class JobMonitor(Protocol):
    def health(self, tenant_id: int | None = None) -> JobHealth:
        """Figures of the queues; with a tenant id, failed jobs count only that tenant's units."""
        ...


class _Unbound:
    """The default binding: refuses, so a missing composition root is a clear error, not a silent no-op."""

    def enqueue_unit(self, coordinator: str, tenant_id: int, key: str) -> bool:
        raise JobsUnavailable("no job queue is bound in this process")

    def enqueue_coordinator(self, coordinator: str, tenant_id: int | None = None) -> None:
        raise JobsUnavailable("no job queue is bound in this process")

    def health(self, tenant_id: int | None = None) -> JobHealth:
        raise JobsUnavailable("no job monitor is bound in this process")


_job_queue: JobQueue = _Unbound()
_job_monitor: JobMonitor = _Unbound()


def bind_jobs(queue: JobQueue, monitor: JobMonitor) -> None:
    """Called once by a composition root."""
    global _job_queue, _job_monitor
    _job_queue, _job_monitor = queue, monitor


def job_queue() -> JobQueue:
    return _job_queue


def job_monitor() -> JobMonitor:
    return _job_monitor
