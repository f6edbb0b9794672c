"""The worker role: an RQ worker serving the product's queues.

RQ's own signal handling gives the warm shutdown we want: on SIGTERM (or the first Ctrl-C) the
worker finishes the job it is running and then exits.

A worker that dies without warning (SIGKILL, lost machine) leaves its job in the started registry.
While a job runs the worker renews the job's entry every WORKER_HEARTBEAT_SECONDS; an entry not
renewed for three heartbeats is abandoned, and the next worker maintenance (at start, then every
four heartbeats) retries it with the job's retry policy, or moves it to the failed jobs. Units are
idempotent, so the retry finishes the work without doing any of it twice.
"""

from __future__ import annotations

import logging

from rq import Worker
from rq.job import Job

from backend.db import dispose_engines
from backend.integrations import pdf
from backend.redis_connection import connect
from backend.settings import get_settings
from jobs.queues import QUEUE_NAMES, queues


class BillingWorker(Worker):
    """rq's forking worker with a heartbeat grace of two heartbeats instead of a fixed 60 seconds."""

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        interval = int(self.job_monitoring_interval)
        if job.timeout and job.timeout > 0:
            return max(int(min(job.timeout - working_time, interval)), 1) + 2 * interval
        return 3 * interval


def run_worker(
    redis_url: str, names: tuple[str, ...] = QUEUE_NAMES, *, burst: bool = False, name: str | None = None
) -> bool:
    """Serve `names` until stopped (or, with burst, until the queues are empty)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    # Every job runs in a forked work horse: it must not inherit the pooled database connections,
    # but it does inherit the PDF engine loaded here once.
    if "documents" in names:
        pdf.warm_up()
    dispose_engines()
    heartbeat = get_settings().worker_heartbeat_seconds
    connection = connect(redis_url)
    worker = BillingWorker(
        queues(connection, names),
        connection=connection,
        name=name,
        job_monitoring_interval=heartbeat,
        maintenance_interval=4 * heartbeat,
    )
    # Scheduled jobs (retries with backoff) are moved onto their queues by the scheduler role.
    return worker.work(burst=burst, with_scheduler=False)
