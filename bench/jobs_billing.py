"""End-to-end billing through RQ: unit jobs → worker processes, 1 and 2 workers, and a killed worker.

Set-up (a migrated throwaway database with 100,000 due subscriptions, an empty Redis database) is
not timed. The clock starts when the worker processes are started (so their start-up counts) and
covers the subscription-billing coordinator enqueueing its unit jobs, the workers charging every
unit, then the same for the invoice run, until the workers have finished the last unit.

The benchmark's baseline is `billing_engine`, the same work in-process, measured in the same run:
`vs baseline` is one worker's rate divided by the in-process rate. A third, untimed run on a fresh
database SIGKILLs one of two workers in each phase while it works, starts a replacement, and
checks that every subscription was charged and invoiced exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from redis import Redis
from rq import Queue, Worker
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import text

from backend import clock
from backend.db import make_engine, unit_of_work
from backend.kit.repository import TenantScope
from backend.scheduling import coordinators as coordination
from backend.settings import get_settings
from bench import Measurement, register
from bench.billing_engine import _seed
from bench.pg import psycopg_conninfo, throwaway_database
from jobs import dispatch, monitoring

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
QUEUE = "billing"
PHASES = ("subscription_billing", "invoice_run")
# The killed run: a silent worker's job is abandoned after 3 s and retried at once (no scheduler
# runs here to move a retry waiting out its backoff onto the queue).
LOG_DIR_ENV = "BENCH_WORKER_LOG_DIR"  # set: each worker's output goes to a file there
KILL_ENV = {"WORKER_HEARTBEAT_SECONDS": "1", "JOB_RETRY_INTERVALS": "0"}


class _Workers:
    """`billing-console worker --queues billing` processes, stopped (SIGTERM, then SIGKILL) at the end."""

    def __init__(self, database_url: str, extra_env: dict[str, str] | None = None) -> None:
        self.env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, **(extra_env or {})}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.killed: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log_dir = os.environ.get(LOG_DIR_ENV)
        log = open(Path(log_dir) / f"worker-{time.time_ns()}.log", "wb") if log_dir else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "billing_console.cli", "worker", "--queues", QUEUE],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no warm shutdown, the unit's transaction dies with the process."""
        process.kill()
        process.wait()
        self.killed.append(process)

    def check_alive(self) -> None:
        for process in self.processes:
            if process not in self.killed and process.poll() is not None:
                raise RuntimeError(f"a worker exited with {process.returncode}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _enqueue_units(connection: Redis, database_url: str, name: str, tenant_id: int) -> int:
    """The coordinator's work: find the due units and queue one job each (as `coordinate` does)."""
    coordinator = coordination.get(name)
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        keys = coordinator.find_units(session, TenantScope(tenant_id), clock.now())
    engine.dispose()
    return sum(dispatch.enqueue_unit(connection, coordinator, tenant_id, key) for key in keys)


def _jobs_done(connection: Redis) -> int:
    """Jobs the running workers finished; raises when one failed (no failure is expected here)."""
    workers = Worker.all(connection=connection)
    if any(worker.failed_job_count for worker in workers):
        raise RuntimeError("a unit job failed")
    return sum(worker.successful_job_count for worker in workers)


def _wait_for_jobs(connection: Redis, workers: _Workers, done: int) -> None:
    while _jobs_done(connection) < done:
        workers.check_alive()
        time.sleep(0.02)


def _queue_drained(connection: Redis) -> bool:
    """No job of the queue waits, is being taken, runs (or was abandoned), or waits for a retry.

    A worker serving one queue moves a job from the queue to its intermediate list and registers
    it as started before it takes it off that list, so a job is always in one of the four places.
    """
    queue = Queue(QUEUE, connection=connection)
    return not (
        queue.count
        or connection.llen(queue.intermediate_queue_key)
        or StartedJobRegistry(QUEUE, connection=connection).get_job_ids(cleanup=False)
        or ScheduledJobRegistry(QUEUE, connection=connection).get_job_ids(cleanup=False)
    )


def _counts(database_url: str, tenant_id: int) -> dict[str, int]:
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        row = session.execute(
            text(
                "SELECT (SELECT count(*) FROM open_positions WHERE tenant_id = :t),"
                " (SELECT count(*) FROM invoices WHERE tenant_id = :t),"
                " (SELECT count(*) FROM (SELECT subscription_id, period_start FROM open_positions"
                "  WHERE tenant_id = :t GROUP BY 1, 2 HAVING count(*) > 1) d),"
                " (SELECT count(*) FROM (SELECT customer_account_id FROM invoices"
                "  WHERE tenant_id = :t GROUP BY 1 HAVING count(*) > 1) i),"
                " (SELECT count(*) FROM open_positions WHERE tenant_id = :t AND invoice_id IS NULL)"
            ),
            {"t": tenant_id},
        ).one()
    engine.dispose()
    names = ("positions", "invoices", "duplicate_charges", "duplicate_invoices", "uninvoiced")
    return dict(zip(names, row, strict=True))


def _check(counts: dict[str, int], rows: int, run: str) -> None:
    expected = {"positions": rows, "invoices": rows, "duplicate_charges": 0, "duplicate_invoices": 0}
    expected["uninvoiced"] = 0
    if counts != expected:
        raise RuntimeError(f"{run}: expected {expected}, got {counts}")


def _seed_due(url: str, rows: int) -> int:
    now = clock.now()
    today = now.astimezone(ZoneInfo("Europe/Berlin")).day
    return _seed(psycopg_conninfo(url), rows, due=now - timedelta(minutes=5), billing_day=min(today, 28))


def _timed_run(rows: int, workers: int) -> tuple[list[float], dict[str, int]]:
    """Seconds until `workers` warm workers had charged, then invoiced, `rows` subscriptions."""
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    with throwaway_database() as url:
        tenant_id = _seed_due(url, rows)
        pool = _Workers(url)
        try:
            started = time.perf_counter()
            for _ in range(workers):
                pool.start()
            queued = 0
            phase_ends = []
            for name in PHASES:
                queued += _enqueue_units(connection, url, name, tenant_id)
                _wait_for_jobs(connection, pool, queued)
                phase_ends.append(time.perf_counter() - started)
        finally:
            pool.stop()
        counts = _counts(url, tenant_id)
        _check(counts, rows, f"{workers} worker(s)")
    connection.flushdb()
    return phase_ends, counts


@contextmanager
def _settings(values: dict[str, str]) -> Iterator[None]:
    """This process's settings with `values` (the retry policy is set where jobs are enqueued)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


def _killed_run(rows: int) -> dict[str, int]:
    """Two workers; in each phase one is SIGKILLed a third of the way and a new one started."""
    with _settings(KILL_ENV):
        return _run_and_kill(rows)


def _run_and_kill(rows: int) -> dict[str, int]:
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    with throwaway_database() as url:
        tenant_id = _seed_due(url, rows)
        pool = _Workers(url, KILL_ENV)
        try:
            live = [pool.start(), pool.start()]
            for name in PHASES:
                queued = _enqueue_units(connection, url, name, tenant_id)
                queue = Queue(QUEUE, connection=connection)
                while queue.count > queued * 2 // 3:
                    pool.check_alive()
                    time.sleep(0.02)
                pool.kill(live.pop(0))
                live.append(pool.start())
                # The abandoned unit is retried by a live worker's maintenance after 3 silent heartbeats.
                deadline = time.monotonic() + 600
                while not _queue_drained(connection):
                    pool.check_alive()
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name}: the queue did not drain after a worker was killed")
                    time.sleep(0.1)
            if failed := FailedJobRegistry(QUEUE, connection=connection).get_job_ids(cleanup=False):
                result = Job.fetch(failed[0], connection=connection).latest_result()
                raise RuntimeError(
                    f"{len(failed)} unit job(s) failed for good in the killed run, {failed[0]}:"
                    f" {result.exc_string if result else 'no result'}"
                )
        finally:
            pool.stop()
        counts = _counts(url, tenant_id)
        _check(counts, rows, "killed worker")
        counts["abandoned_units"] = sum(monitoring.failure_counts(connection).values())
    connection.flushdb()
    return counts


@register("jobs_billing", default_rows=100_000, baseline="billing_engine")
def jobs_billing(rows: int) -> Measurement:
    """Due subscriptions billed through RQ unit jobs by 1 (timed), then 2 warm worker processes."""
    (one_charged, one), one_counts = _timed_run(rows, 1)
    (two_charged, two), two_counts = _timed_run(rows, 2)
    killed = _killed_run(rows)
    return Measurement(
        rows=rows,
        seconds=one,
        notes={
            "one_worker_s": one,
            "one_worker_per_s": rows / one,
            "two_workers_s": two,
            "two_workers_per_s": rows / two,
            "two_to_one_ratio": one / two,
            "one_worker_charge_s": one_charged,
            "two_workers_charge_s": two_charged,
            "duplicate_charges": one_counts["duplicate_charges"] + two_counts["duplicate_charges"],
            "duplicate_invoices": one_counts["duplicate_invoices"] + two_counts["duplicate_invoices"],
            "killed_run_abandoned_units": killed["abandoned_units"],
            "killed_run_duplicates": killed["duplicate_charges"] + killed["duplicate_invoices"],
        },
    )
