"""End-to-end billing through RQ: coordinator job → unit jobs → worker processes, 1 and 2 workers.

Set-up (a migrated throwaway database with 100,000 due subscriptions, an empty Redis database) is
not timed. The clock covers the subscription-billing coordinator enqueueing its unit jobs, worker
processes (started then, so their start-up counts) charging every unit, then the same for the
invoice run, until the burst workers exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from redis import Redis
from sqlalchemy import text

from backend import clock
from backend.db import make_engine, unit_of_work
from backend.kit.repository import TenantScope
from backend.scheduling import coordinators as coordination
from bench import Measurement, register
from bench.billing_engine import _seed
from bench.pg import psycopg_conninfo, throwaway_database
from jobs import dispatch

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def _phase(redis_url: str, database_url: str, name: str, tenant_id: int, workers: int) -> None:
    """The coordinator's work (find due units, enqueue one job each), then burst workers until the
    queue is empty. The coordinator runs here rather than as a job so that every worker finds the
    units queued when it starts (a burst worker leaves as soon as it sees an empty queue)."""
    connection = Redis.from_url(redis_url)
    coordinator = coordination.get(name)
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        keys = coordinator.find_units(session, TenantScope(tenant_id), clock.now())
    engine.dispose()
    for key in keys:
        dispatch.enqueue_unit(connection, coordinator, tenant_id, key)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "billing_console.cli", "worker", "--burst", "--queues", "billing"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for process in processes:
        if process.wait(timeout=3600) != 0:
            raise RuntimeError(f"a worker exited with {process.returncode}")


def _run(rows: int, workers: int) -> tuple[float, int, int, int]:
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    now = clock.now()
    today = now.astimezone(ZoneInfo("Europe/Berlin")).day
    with throwaway_database() as url:
        tenant_id = _seed(
            psycopg_conninfo(url), rows, due=now - timedelta(minutes=5), billing_day=min(today, 28)
        )
        started = time.perf_counter()
        _phase(REDIS_URL, url, "subscription_billing", tenant_id, workers)
        _phase(REDIS_URL, url, "invoice_run", tenant_id, workers)
        seconds = time.perf_counter() - started
        engine = make_engine(url)
        with unit_of_work(engine) as session:
            positions, invoices, duplicates = session.execute(
                text(
                    "SELECT (SELECT count(*) FROM open_positions WHERE tenant_id = :t),"
                    " (SELECT count(*) FROM invoices WHERE tenant_id = :t),"
                    " (SELECT count(*) FROM (SELECT subscription_id, period_start FROM open_positions"
                    "  WHERE tenant_id = :t GROUP BY 1, 2 HAVING count(*) > 1) d)"
                ),
                {"t": tenant_id},
            ).one()
        engine.dispose()
    redis.flushdb()
    return seconds, positions, invoices, duplicates


@register("jobs_billing", default_rows=100_000)
def jobs_billing(rows: int) -> Measurement:
    """Due subscriptions billed through RQ coordinator and unit jobs by 1, then 2 worker processes."""
    one = _run(rows, 1)
    two = _run(rows, 2)
    for _, positions, invoices, duplicates in (one, two):
        if positions != rows or invoices != rows or duplicates:
            raise RuntimeError(
                f"expected {rows} charges and invoices, got {positions}, {invoices}, {duplicates} dup"
            )
    return Measurement(
        rows=rows,
        seconds=two[0],
        notes={
            "one_worker_s": one[0],
            "one_worker_per_s": rows / one[0],
            "two_workers_s": two[0],
            "two_workers_per_s": rows / two[0],
            "two_to_one_ratio": one[0] / two[0],
            "duplicate_charges": one[3] + two[3],
        },
    )
