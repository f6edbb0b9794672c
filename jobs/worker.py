"""The worker role: an RQ worker serving the product's queues, warm from one job to the next.

The worker runs every job in its own process (rq's SimpleWorker) instead of forking a work horse per
job: the database engine, its pooled connections and SQLAlchemy's compiled statements, the imported
modules and the PDF engine stay warm, so a 500-subscription unit costs little more through RQ than
in-process. What the forking worker gave us is kept:

- Timeouts. rq's death penalty arms SIGALRM around the job on this (main) thread: a job running past
  its timeout raises JobTimeout where it is, also while it waits for PostgreSQL (the statement is
  cancelled in the server, see JobTimeout), its unit of work rolls back, the job is failed (and
  retried by its policy) and the worker goes on with the next job, its connections intact. A job stuck where
  Python cannot raise (a C call that never returns) is caught by the heartbeat thread: past the
  timeout plus two heartbeats the process exits, and the job is abandoned and retried as below.
- Heartbeats. A thread renews the worker's and the running job's entries every
  WORKER_HEARTBEAT_SECONDS while the job runs; an entry not renewed for three heartbeats is
  abandoned, and the next worker maintenance (at start, then every four heartbeats) retries it with
  the job's retry policy, or moves it to the failed jobs. Units are idempotent, so the retry
  finishes the work without doing any of it twice. A worker that dies without warning (SIGKILL,
  lost machine) takes its thread with it, so its job is abandoned the same way.
- Warm shutdown. On SIGTERM (or the first Ctrl-C) the worker finishes the job it is running and
  then exits; a second signal stops it at once.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from types import FrameType, TracebackType

from rq import SimpleWorker
from rq.executions import Execution
from rq.job import Job
from rq.queue import Queue
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty
from rq.worker import WorkerStatus

from backend.db import dispose_engines
from backend.integrations import pdf
from backend.redis_connection import connect
from backend.settings import get_settings
from jobs.queues import QUEUE_NAMES, queues

log = logging.getLogger(__name__)


class JobTimeout(JobTimeoutException, KeyboardInterrupt):
    """A job ran past its timeout.

    Also a KeyboardInterrupt because psycopg cancels the running statement in the server only for
    interrupts: with a plain exception the statement (say, a wait for a row lock) would go on in
    PostgreSQL, holding its locks, after the job had failed. It stays an Exception, so SQLAlchemy
    rolls the transaction back and keeps the connection, as for any error.
    """


class CancellingDeathPenalty(UnixSignalDeathPenalty):
    """rq's SIGALRM death penalty, raising JobTimeout."""

    def handle_death_penalty(self, signum: int, frame: FrameType | None) -> None:
        raise JobTimeout(f"Task exceeded maximum timeout value ({self._timeout} seconds)")


class _JobHeartbeat:
    """Renews a running job's heartbeats from a thread until stopped; never after `stop` returned.

    `stop` runs before rq finishes the job (moves it out of the started registry), so a late beat
    cannot put the finished job back there.
    """

    def __init__(self, worker: BillingWorker, job: Job, execution: Execution) -> None:
        self._worker = worker
        self._job = job
        self._execution = execution
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat {job.id}", daemon=True)

    def __enter__(self) -> _JobHeartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()

    def _beat(self) -> None:
        interval = self._worker.job_monitoring_interval
        timeout = self._job.timeout if self._job.timeout and self._job.timeout > 0 else None
        beats = 0
        while not self._stopped.wait(interval):
            beats += 1
            with self._lock:
                if self._stopped.is_set():
                    return
                if timeout is not None and beats * interval > timeout + 2 * interval:
                    # SIGALRM did not stop it: Python never got control back. Only leaving helps.
                    log.critical(
                        "job %s runs %d s past its %d s timeout and cannot be interrupted;"
                        " the worker exits so that the job is abandoned and retried",
                        self._job.id,
                        beats * interval - timeout,
                        timeout,
                    )
                    logging.shutdown()
                    os._exit(1)
                try:
                    self._worker.maintain_heartbeats(self._job, self._execution)
                except Exception:  # a lost Redis connection must not end the beats for good
                    log.warning("heartbeat for job %s failed", self._job.id, exc_info=True)


class BillingWorker(SimpleWorker):
    """rq's non-forking worker with heartbeats while a job runs and a grace of two heartbeats."""

    death_penalty_class = CancellingDeathPenalty
    _heartbeat: _JobHeartbeat | None = None

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        interval = int(self.job_monitoring_interval)
        if job.timeout and job.timeout > 0:
            return max(int(min(job.timeout - working_time, interval)), 1) + 2 * interval
        return 3 * interval

    def execute_job(self, job: Job, queue: Queue) -> None:
        execution = self.prepare_execution(job)
        with _JobHeartbeat(self, job, execution) as heartbeat:
            self._heartbeat = heartbeat
            try:
                self.perform_job(job, queue, execution)
            finally:
                self._heartbeat = None
        self.set_state(WorkerStatus.IDLE)

    def handle_execution_ended(self, job: Job, queue: Queue, heartbeat_ttl: int) -> None:
        # Both the success and the failure path pass here before the job leaves the started registry.
        if self._heartbeat is not None:
            self._heartbeat.stop()
        super().handle_execution_ended(job, queue, heartbeat_ttl)

    def handle_warm_shutdown_request(self) -> None:
        if self.get_state() == WorkerStatus.BUSY:
            self.log.info("Worker %s: warm shut down requested, finishing the current job first", self.key)


def run_worker(
    redis_url: str, names: tuple[str, ...] = QUEUE_NAMES, *, burst: bool = False, name: str | None = None
) -> bool:
    """Serve `names` until stopped (or, with burst, until the queues are empty)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    if "documents" in names:
        pdf.warm_up()
    # Connections opened while importing and checking the schema are not reused by jobs.
    dispose_engines()
    # What start-up built (modules, models, the PDF engine) lives as long as the process: moved out
    # of the garbage collector's view, the collections that every unit's ORM objects trigger no
    # longer scan it (about 10 % less worker CPU per unit in a 20,000-subscription run).
    gc.collect()
    gc.freeze()
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
