"""The scheduler role: rq-scheduler running the coordinators of SPEC §9 on their intervals.

Exactly one scheduler is active per Redis. rq-scheduler's own lock only keeps two schedulers from
enqueueing in the same tick; here the lock is a lease the active scheduler renews every tick and
releases when it stops. Other schedulers stand by and take over when the lease ends (the active
one stopped or died), so a second scheduler process is a hot spare, never a second clock.

The active scheduler also moves rq's scheduled jobs (unit retries waiting out their backoff) onto
their queues; workers run without rq's built-in scheduler.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from redis import Redis
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from rq.scheduler import RQScheduler
from rq_scheduler import Scheduler

from backend.kit.coordination import Coordinator
from backend.redis_connection import connect
from backend.scheduling import coordinators as coordination
from backend.settings import get_settings
from jobs.dispatch import COORDINATOR_JOB, COORDINATOR_PREFIX, coordinator_job_id, job_options
from jobs.queues import QUEUE_NAMES

log = logging.getLogger(__name__)

LEASE_KEY = "billing-console:scheduler:lease"
# Renew the lease if we hold it, take it if nobody does; 1 when we hold it afterwards.
_HOLD_LEASE = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
    redis.call('EXPIRE', KEYS[1], ARGV[2])
    return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
_RELEASE_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def desired_intervals(coordinators: Iterable[Coordinator]) -> dict[str, int]:
    """Seconds between runs per coordinator: COORDINATOR_SCHEDULES, else the coordinator's default."""
    overrides = get_settings().coordinator_intervals
    return {c.name: overrides.get(c.name, c.interval_seconds) for c in coordinators}


class CoordinatorScheduler(Scheduler):
    def __init__(self, connection: Redis, coordinators: list[Coordinator], interval: int = 5) -> None:
        super().__init__(connection=connection, interval=interval)
        self.coordinators = coordinators
        self.lease_seconds = 3 * interval + 5
        self.active = False
        self._retries = RQScheduler(list(QUEUE_NAMES), connection=connection)
        self._retries.prepare_registries(list(QUEUE_NAMES))

    # rq-scheduler calls these around each tick; here they hold the lease across ticks.
    def acquire_lock(self) -> bool:
        held = bool(self.connection.eval(_HOLD_LEASE, 1, LEASE_KEY, self.name, self.lease_seconds))
        self._lock_acquired = held
        return held

    def remove_lock(self) -> None:
        self.connection.eval(_RELEASE_LEASE, 1, LEASE_KEY, self.name)
        self._lock_acquired = False

    def register_coordinators(self) -> list[str]:
        """Make the schedule match the coordinators: one scheduled job each, idempotently.

        An unchanged schedule keeps its next run time; a changed one is replaced and runs now;
        schedules of coordinators that no longer exist are removed. Returns the scheduled ids.
        """
        wanted = desired_intervals(self.coordinators)
        queues = {c.name: c.queue for c in self.coordinators}
        existing = {
            job.id: job
            for job in self.get_jobs()
            if job.id.startswith(f"{COORDINATOR_PREFIX}-") and not job.id.endswith("-now")
        }
        for job_id, job in existing.items():
            name = job_id.removeprefix(f"{COORDINATOR_PREFIX}-")
            if wanted.get(name) != job.meta.get("interval") or queues.get(name) != job.origin:
                self.cancel(job)
                job.delete()
                log.info("Removed the schedule %s", job_id)
        options = job_options(COORDINATOR_JOB)
        for name, seconds in wanted.items():
            job_id = coordinator_job_id(name)
            if job_id in self:
                continue
            self.schedule(
                datetime.now(UTC),
                "jobs.tasks.coordinate",
                args=(name,),
                interval=seconds,
                id=job_id,
                description=f"{name} every {seconds} s",
                queue_name=queues[name],
                timeout=options["timeout"],
                on_success=options["on_success"],
                on_failure=options["on_failure"],
            )
            log.info("Scheduled %s every %d s on queue %s", name, seconds, queues[name])
        return [coordinator_job_id(name) for name in wanted]

    def enqueue_job(self, job: Job) -> None:
        """Move a due coordinator onto its queue, unless its previous run is still waiting or running."""
        status = job.get_status(refresh=True)
        if status in (JobStatus.QUEUED, JobStatus.STARTED):
            interval = job.meta.get("interval")
            if interval:
                next_run = datetime.now(UTC) + timedelta(seconds=int(interval))
                self.connection.zadd(self.scheduled_jobs_key, {job.id: next_run.timestamp()})
            return
        if status == JobStatus.FAILED:
            # The previous run failed (and counted); this run starts clean.
            FailedJobRegistry(job.origin, connection=self.connection).remove(job)
        super().enqueue_job(job)

    def tick(self) -> bool:
        """One round: hold the lease, then move what is due. Returns whether this scheduler is active."""
        self.heartbeat()
        if not self.acquire_lock():
            if self.active:
                log.warning("Lost the scheduler lease to another scheduler; standing by")
            self.active = False
            return False
        if not self.active:
            log.info("Active scheduler for this Redis")
            self.register_coordinators()
            self.active = True
        self.enqueue_jobs()
        self._retries.enqueue_scheduled_jobs()
        return True

    def run(self, burst: bool = False) -> None:
        self.register_birth()
        self._install_signal_handlers()
        announced = False
        try:
            while True:
                started = time.monotonic()
                if not self.tick() and not announced:
                    log.info("Another scheduler is active; standing by")
                    announced = True
                if burst:
                    break
                time.sleep(max(self._interval - (time.monotonic() - started), 0.1))
        finally:
            self.remove_lock()
            self.register_death()


def run_scheduler(
    redis_url: str,
    *,
    interval_seconds: int = 5,
    burst: bool = False,
    coordinators: list[Coordinator] | None = None,
) -> None:
    """Poll every `interval_seconds`; registers `coordinators` (default: all of SPEC §9 that exist)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(levelname)s %(message)s")
    if coordinators is None:
        coordinators = coordination.coordinators()
    CoordinatorScheduler(connect(redis_url), coordinators, interval=interval_seconds).run(burst=burst)
