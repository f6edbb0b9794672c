"""What the admin dashboard knows about the jobs, and the RQ bindings of the backend's ports.

Two Redis hashes: the last successful run of each coordinator and the failed attempts of each
coordinator's jobs. The failed jobs themselves stay in rq's failed registries (and /admin/queues/).
"""

from __future__ import annotations

from datetime import datetime

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.registry import FailedJobRegistry

from backend.ports import CoordinatorHealth, JobHealth, JobsUnavailable, bind_jobs
from backend.redis_connection import connect
from backend.scheduling import coordinators as coordination
from backend.settings import get_settings
from jobs import dispatch
from jobs.queues import QUEUE_NAMES

LAST_SUCCESS_KEY = "billing-console:jobs:last-success"
FAILURES_KEY = "billing-console:jobs:failures"


def record_coordinator_success(connection: Redis, name: str, at: datetime) -> None:
    connection.hset(LAST_SUCCESS_KEY, name, at.isoformat())


def record_failure(connection: Redis, name: str) -> None:
    connection.hincrby(FAILURES_KEY, name, 1)


def last_successes(connection: Redis) -> dict[str, datetime]:
    return {
        name.decode(): datetime.fromisoformat(at.decode())
        for name, at in connection.hgetall(LAST_SUCCESS_KEY).items()
    }


def failure_counts(connection: Redis) -> dict[str, int]:
    return {name.decode(): int(count) for name, count in connection.hgetall(FAILURES_KEY).items()}


def failed_job_ids(connection: Redis, tenant_id: int | None = None) -> list[str]:
    """Failed jobs of every queue; with a tenant, only the jobs that worked for that tenant."""
    ids = [
        job_id
        for name in QUEUE_NAMES
        for job_id in FailedJobRegistry(name, connection=connection).get_job_ids(cleanup=False)
    ]
    return ids if tenant_id is None else [i for i in ids if dispatch.tenant_of_job(i) == tenant_id]


class RqJobMonitor:
    """`backend.ports.JobMonitor` on RQ."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url

    def health(self, tenant_id: int | None = None) -> JobHealth:
        connection = connect(self.redis_url)
        try:
            successes = last_successes(connection)
            failures = failure_counts(connection)
            failed = len(failed_job_ids(connection, tenant_id))
            queued = sum(Queue(name, connection=connection).count for name in QUEUE_NAMES)
        except RedisError as exc:
            raise JobsUnavailable(f"Redis does not answer: {exc}") from exc
        finally:
            connection.close()
        intervals = get_settings().coordinator_intervals
        return JobHealth(
            failed_jobs=failed,
            queued_jobs=queued,
            coordinators=[
                CoordinatorHealth(
                    name=c.name,
                    description=c.description,
                    interval_seconds=intervals.get(c.name, c.interval_seconds),
                    last_success=successes.get(c.name),
                    failed_attempts=failures.get(c.name, 0),
                )
                for c in coordination.coordinators()
            ],
        )


class RqJobQueue:
    """`backend.ports.JobQueue` on RQ. One client (a thread-safe connection pool) per binding: the
    webhook route enqueues once per Stripe event, and a new TCP connection each time cost more than
    the enqueue itself."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self._connection: Redis | None = None

    @property
    def connection(self) -> Redis:
        if self._connection is None:
            self._connection = connect(self.redis_url)
        return self._connection

    def enqueue_unit(self, coordinator: str, tenant_id: int, key: str) -> bool:
        return dispatch.enqueue_unit(self.connection, coordination.get(coordinator), tenant_id, key)

    def enqueue_coordinator(self, coordinator: str, tenant_id: int | None = None) -> None:
        dispatch.enqueue_coordinator(self.connection, coordination.get(coordinator), tenant_id)


def bind_rq(redis_url: str) -> None:
    """Composition roots call this: services enqueue and the admin page reads figures through RQ."""
    bind_jobs(RqJobQueue(redis_url), RqJobMonitor(redis_url))
