"""Coordinators, unit jobs, workers and the scheduler, on a real Redis, PostgreSQL and real processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import psutil
import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq_scheduler import Scheduler
from sqlalchemy import Engine, text

from backend import clock
from backend.db import make_engine, unit_of_work
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.scheduling import coordinators as coordination
from backend.settings import PROJECT_ROOT, get_settings
from jobs import dispatch, monitoring, tasks
from jobs.scheduler import LEASE_KEY, CoordinatorScheduler
from tests.jobs.support import (
    CHARGES,
    CUSTOMERS_PER_TENANT,
    EXECUTIONS_KEY,
    FAILING,
    MIRROR,
    SLOW_FIRST_RUN,
    SLOW_KEY,
    SLOW_MODE,
    SOURCE_PREFIX,
    ensure_test_tenant,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
Starter = Callable[..., subprocess.Popen[bytes]]


def wait_until(condition: Callable[[], object], timeout: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def jobs_redis(redis_url: str) -> Iterator[str]:
    """The session's Redis database (TEST_REDIS_URL), flushed before and after the test.

    Not a fixed range of databases: two checkouts testing at once on one Redis server would share
    queues, and one's workers would run the other's jobs against the wrong database.
    """
    client = Redis.from_url(redis_url)
    client.flushdb()
    yield redis_url
    client.flushdb()
    client.close()


@pytest.fixture
def demo_pg(pg_url: str) -> Iterator[Engine]:
    """The test database with the test tenant and its customers; no test charges left over."""
    engine = make_engine(pg_url)
    with unit_of_work(engine) as session:
        ensure_test_tenant(session)
    _delete_test_positions(engine)
    yield engine
    _delete_test_positions(engine)
    engine.dispose()


def _delete_test_positions(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("DELETE FROM open_positions WHERE source_ref LIKE :p"), {"p": f"{SOURCE_PREFIX}%"}
        )


@pytest.fixture
def job_env(
    monkeypatch: pytest.MonkeyPatch, demo_pg: Engine, pg_url: str, jobs_redis: str
) -> Iterator[dict[str, str]]:
    """This process and the workers it starts share the test database, Redis and fast job settings."""
    settings = {
        "DATABASE_URL": pg_url,
        "REDIS_URL": jobs_redis,
        "WORKER_HEARTBEAT_SECONDS": "1",
        "JOB_RETRY_INTERVALS": "0,0",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield {**os.environ, **settings}
    get_settings.cache_clear()


@pytest.fixture
def connection(job_env: dict[str, str]) -> Iterator[Redis]:
    client = Redis.from_url(job_env["REDIS_URL"])
    yield client
    client.close()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Starter]:
    """Start `python -m tests.jobs.support ROLE ...`; every process still running at the end is killed."""
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{args[0]}-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.support", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_path = log.name  # type: ignore[attr-defined]
        started.append(process)
        return process

    yield start
    for process in started:
        _kill_tree(process.pid)
        process.wait(timeout=10)


def _kill_tree(pid: int) -> None:
    """SIGKILL a worker and its work horse, as a lost machine would."""
    try:
        parent = psutil.Process(pid)
        family = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for process in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


def _log(process: subprocess.Popen[bytes]) -> str:
    return Path(process.log_path).read_text(errors="replace")  # type: ignore[attr-defined]


def _tenants(engine: Engine) -> list[int]:
    with unit_of_work(engine) as session:
        return [t.id for t in TenantDirectory(session).all() if t.id]


def _test_tenant(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return ensure_test_tenant(session)


def _positions(engine: Engine) -> dict[str, int]:
    """Test charges per source reference (all tenants)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT tenant_id || ':' || source_ref, count(*) FROM open_positions"
                " WHERE source_ref LIKE :p GROUP BY 1"
            ),
            {"p": f"{SOURCE_PREFIX}%"},
        )
        return {key: count for key, count in rows}


def _executions(connection: Redis) -> dict[str, int]:
    return {k.decode(): int(v) for k, v in connection.hgetall(EXECUTIONS_KEY).items()}


def _unit_keys(engine: Engine, name: str) -> list[str]:
    with unit_of_work(engine) as session:
        tenant = ensure_test_tenant(session)
        return coordination.get(name).find_units(session, TenantScope(tenant), clock.now())


def _expected_units(engine: Engine, name: str) -> set[str]:
    with unit_of_work(engine) as session:
        return {
            dispatch.unit_job_id(name, tenant, key)
            for tenant in _tenants(engine)
            for key in coordination.get(name).find_units(session, TenantScope(tenant), clock.now())
        }


# --- coordinators enqueue each unit once --------------------------------------------------------


def test_a_coordinator_run_twice_queues_each_unit_once(connection: Redis, demo_pg: Engine) -> None:
    expected = _expected_units(demo_pg, CHARGES.name)
    assert len(expected) == CUSTOMERS_PER_TENANT  # only the test tenant has units

    assert tasks.enqueue_due_units(connection, CHARGES.name) == len(expected)
    assert tasks.enqueue_due_units(connection, CHARGES.name) == 0

    queued = Queue("billing", connection=connection).get_job_ids()
    assert sorted(queued) == sorted(expected)


def test_concurrent_coordinator_runs_queue_each_unit_once(job_env: dict[str, str], demo_pg: Engine) -> None:
    """Four runs of each of two coordinators at once: each coordinator's units are queued once."""
    counts: list[int] = []
    barrier = threading.Barrier(8)

    def run(name: str) -> None:
        client = Redis.from_url(job_env["REDIS_URL"])
        barrier.wait()
        counts.append(tasks.enqueue_due_units(client, name))
        client.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in [CHARGES.name, MIRROR.name] * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    connection = Redis.from_url(job_env["REDIS_URL"])
    billing = Queue("billing", connection=connection).get_job_ids()
    default = Queue("default", connection=connection).get_job_ids()
    assert sum(counts) == 2 * CUSTOMERS_PER_TENANT
    assert sorted(billing) == sorted(_expected_units(demo_pg, CHARGES.name))
    assert sorted(default) == sorted(_expected_units(demo_pg, MIRROR.name))


def test_a_unit_executed_twice_changes_data_once(connection: Redis, demo_pg: Engine) -> None:
    tenant = _test_tenant(demo_pg)
    first_key = _unit_keys(demo_pg, CHARGES.name)[0]

    assert tasks.run_unit(CHARGES.name, tenant, first_key) == 1
    assert tasks.run_unit(CHARGES.name, tenant, first_key) == 0

    assert _positions(demo_pg) == {f"{tenant}:{SOURCE_PREFIX}{first_key}": 1}
    assert _executions(connection) == {f"{tenant}:{first_key}": 2}


def test_a_worker_runs_the_units_and_the_next_run_queues_them_again(
    job_env: dict[str, str], connection: Redis, demo_pg: Engine, processes: Starter
) -> None:
    """A finished unit's job expires at once, so the next coordinator run queues it; it changes nothing."""
    assert tasks.enqueue_due_units(connection, CHARGES.name) == CUSTOMERS_PER_TENANT
    assert processes(job_env, "worker", "--burst").wait(timeout=60) == 0
    wait_until(lambda: not connection.keys("rq:job:unit-*"), what="finished unit jobs to expire")
    assert tasks.enqueue_due_units(connection, CHARGES.name) == CUSTOMERS_PER_TENANT
    assert processes(job_env, "worker", "--burst").wait(timeout=60) == 0

    assert sorted(_positions(demo_pg).values()) == [1] * CUSTOMERS_PER_TENANT
    assert sorted(_executions(connection).values()) == [2] * CUSTOMERS_PER_TENANT
    assert Queue("billing", connection=connection).count == 0
    assert monitoring.failed_job_ids(connection) == []


# --- failures, retries, killed workers ----------------------------------------------------------


def test_a_failing_unit_is_retried_then_kept_and_not_queued_again(
    job_env: dict[str, str], connection: Redis, demo_pg: Engine, processes: Starter
) -> None:
    monitoring.bind_rq(job_env["REDIS_URL"])
    tenant = _test_tenant(demo_pg)
    assert tasks.enqueue_due_units(connection, FAILING.name) == CUSTOMERS_PER_TENANT
    assert processes(job_env, "worker", "--burst").wait(timeout=60) == 0

    failed = FailedJobRegistry("default", connection=connection).get_job_ids()
    assert sorted(failed) == sorted(_expected_units(demo_pg, FAILING.name))
    # JOB_RETRY_INTERVALS=0,0: the first attempt and two retries.
    assert sorted(_executions(connection).values()) == [3] * CUSTOMERS_PER_TENANT
    assert monitoring.failure_counts(connection) == {FAILING.name: 3 * CUSTOMERS_PER_TENANT}
    # Kept for inspection: the next coordinator run does not queue the failing units again.
    assert tasks.enqueue_due_units(connection, FAILING.name) == 0

    from backend import ports

    health = ports.job_monitor().health(tenant)
    assert health.failed_jobs == CUSTOMERS_PER_TENANT
    assert ports.job_monitor().health(tenant + 1000).failed_jobs == 0
    by_name = {c.name: c for c in health.coordinators}
    assert by_name[FAILING.name].failed_attempts == 3 * CUSTOMERS_PER_TENANT


def test_a_worker_killed_mid_unit_leaves_it_to_the_next_worker(
    job_env: dict[str, str], connection: Redis, demo_pg: Engine, processes: Starter
) -> None:
    """SIGKILL while a unit sits in its open transaction: the restarted worker retries it; nothing twice."""
    env = {**job_env, SLOW_FIRST_RUN: "60"}
    assert tasks.enqueue_due_units(connection, CHARGES.name) == CUSTOMERS_PER_TENANT
    first = processes(env, "worker")
    wait_until(lambda: connection.get(SLOW_KEY), what="a unit to write and wait in its transaction")
    started = StartedJobRegistry("billing", connection=connection)
    assert len(started.get_job_ids()) == 1
    _kill_tree(first.pid)
    first.wait(timeout=10)
    assert _positions(demo_pg) == {}  # its transaction died with it

    # Three silent heartbeats (1 s here) later the job counts as abandoned.
    wait_until(lambda: started.get_expired_job_ids(), timeout=15, what="the abandoned job to expire")
    second = processes(env, "worker", "--burst")
    assert second.wait(timeout=60) == 0, _log(second)

    assert sorted(_positions(demo_pg).values()) == [1] * CUSTOMERS_PER_TENANT
    executions = sorted(_executions(connection).values())
    assert executions == [1] * (CUSTOMERS_PER_TENANT - 1) + [2]
    assert started.get_job_ids() == []
    assert monitoring.failed_job_ids(connection) == []
    assert monitoring.failure_counts(connection) == {CHARGES.name: 1}  # the abandoned attempt


def test_sigterm_lets_the_worker_finish_its_unit(
    job_env: dict[str, str], connection: Redis, demo_pg: Engine, processes: Starter
) -> None:
    env = {**job_env, SLOW_FIRST_RUN: "1.5"}
    tenant = _test_tenant(demo_pg)
    key = _unit_keys(demo_pg, CHARGES.name)[0]
    assert dispatch.enqueue_unit(connection, CHARGES, tenant, key)
    worker = processes(env, "worker")
    wait_until(lambda: connection.get(SLOW_KEY), what="the unit to write and wait in its transaction")

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0, _log(worker)

    assert "warm shut down requested" in _log(worker)
    assert _positions(demo_pg) == {f"{tenant}:{SOURCE_PREFIX}{key}": 1}
    assert _executions(connection) == {f"{tenant}:{key}": 1}
    job_key = f"rq:job:{dispatch.unit_job_id(CHARGES.name, tenant, key)}"
    wait_until(lambda: not connection.exists(job_key), what="the finished job to expire")


def test_a_second_sigterm_stops_the_unit_and_leaves_it_to_be_retried(
    job_env: dict[str, str], connection: Redis, demo_pg: Engine, processes: Starter
) -> None:
    """The first SIGTERM waits for the unit; a second one (a second later) stops it: its transaction
    rolls back, the job is retried by its policy, and the worker exits."""
    env = {**job_env, SLOW_FIRST_RUN: "60"}
    tenant = _test_tenant(demo_pg)
    key = _unit_keys(demo_pg, CHARGES.name)[0]
    assert dispatch.enqueue_unit(connection, CHARGES, tenant, key)
    worker = processes(env, "worker", "--queues", "billing")
    wait_until(lambda: connection.get(SLOW_KEY), what="the unit to write and wait in its transaction")

    worker.send_signal(signal.SIGTERM)
    time.sleep(1.5)  # rq ignores a second signal within a second of the first
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0, _log(worker)
    assert "cold shut down" in _log(worker)
    assert _positions(demo_pg) == {}
    # JOB_RETRY_INTERVALS=0,0: back on the queue at once, for the next worker.
    assert Queue("billing", connection=connection).get_job_ids() == [
        dispatch.unit_job_id(CHARGES.name, tenant, key)
    ]
    second = processes(env, "worker", "--burst", "--queues", "billing")
    assert second.wait(timeout=60) == 0, _log(second)
    assert _positions(demo_pg) == {f"{tenant}:{SOURCE_PREFIX}{key}": 1}
    assert _executions(connection) == {f"{tenant}:{key}": 2}


# --- the warm worker: timeouts and heartbeats without a work horse ------------------------------


def _enqueue_with_timeout(connection: Redis, tenant: int, key: str, timeout: int, *, retry: bool) -> str:
    """A unit job like the coordinators queue, with a short timeout, retried or not."""
    options = {**dispatch.job_options(dispatch.UNIT_JOB), "timeout": timeout}
    if not retry:
        options["retry"] = None
    job = Queue(CHARGES.queue, connection=connection).enqueue_call(
        "jobs.tasks.run_unit",
        args=(CHARGES.name, tenant, key),
        job_id=dispatch.unit_job_id(CHARGES.name, tenant, key),
        **options,  # type: ignore[arg-type]
    )
    return job.id


def _sleeping_queries(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'"
                " AND datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()


@pytest.mark.parametrize("mode", ["python", "database"])
def test_a_unit_past_its_timeout_is_stopped_and_failed_and_the_worker_goes_on(
    mode: str, job_env: dict[str, str], connection: Redis, demo_pg: Engine, processes: Starter
) -> None:
    """The first unit would sleep 30 s (in Python, or in PostgreSQL) but may run 2 s: it is stopped
    there, its transaction rolls back, its job fails, and the same worker process does the next unit."""
    env = {**job_env, SLOW_FIRST_RUN: "30", SLOW_MODE: mode}
    tenant = _test_tenant(demo_pg)
    slow_key, next_key = _unit_keys(demo_pg, CHARGES.name)[:2]
    slow_job = _enqueue_with_timeout(connection, tenant, slow_key, timeout=2, retry=False)
    assert dispatch.enqueue_unit(connection, CHARGES, tenant, next_key)

    started = time.monotonic()
    worker = processes(env, "worker", "--burst", "--queues", "billing")
    assert worker.wait(timeout=60) == 0, _log(worker)
    assert time.monotonic() - started < 20  # far from the 30 s the unit wanted

    failed = FailedJobRegistry("billing", connection=connection)
    assert failed.get_job_ids() == [slow_job]
    result = Job.fetch(slow_job, connection=connection).latest_result()
    assert result is not None and "JobTimeout" in (result.exc_string or "")
    assert "exceeded maximum timeout value (2 seconds)" in (result.exc_string or "")
    assert _positions(demo_pg) == {f"{tenant}:{SOURCE_PREFIX}{next_key}": 1}  # the slow one rolled back
    assert _executions(connection) == {f"{tenant}:{slow_key}": 1, f"{tenant}:{next_key}": 1}
    assert monitoring.failure_counts(connection) == {CHARGES.name: 1}
    # The statement was cancelled in the server, not left sleeping (and holding locks) for 30 s.
    assert _sleeping_queries(demo_pg) == 0


def test_heartbeats_keep_a_long_unit_from_being_abandoned(
    job_env: dict[str, str], connection: Redis, demo_pg: Engine, processes: Starter
) -> None:
    """A unit running 5 s, with 1 s heartbeats (abandoned after 3 silent ones): a second worker
    starting meanwhile (its maintenance retries abandoned jobs) must leave it alone."""
    env = {**job_env, SLOW_FIRST_RUN: "5"}
    assert tasks.enqueue_due_units(connection, CHARGES.name) == CUSTOMERS_PER_TENANT
    first = processes(env, "worker", "--burst")
    wait_until(lambda: connection.get(SLOW_KEY), what="a unit to write and wait in its transaction")
    started = StartedJobRegistry("billing", connection=connection)
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        assert started.get_expired_job_ids() == []
        time.sleep(0.2)
    second = processes(env, "worker", "--burst")
    assert first.wait(timeout=60) == 0, _log(first)
    assert second.wait(timeout=60) == 0, _log(second)

    assert sorted(_positions(demo_pg).values()) == [1] * CUSTOMERS_PER_TENANT
    assert sorted(_executions(connection).values()) == [1] * CUSTOMERS_PER_TENANT
    assert monitoring.failure_counts(connection) == {}
    assert started.get_job_ids() == []


def test_a_unit_that_cannot_be_interrupted_ends_its_worker_and_is_retried(
    job_env: dict[str, str], connection: Redis, demo_pg: Engine, processes: Starter
) -> None:
    """SIGALRM cannot reach a unit stuck outside Python (simulated by blocking the signal): two
    heartbeats past its timeout the worker exits, and the job is abandoned and retried elsewhere."""
    env = {**job_env, SLOW_FIRST_RUN: "60", SLOW_MODE: "uninterruptible"}
    tenant = _test_tenant(demo_pg)
    key = _unit_keys(demo_pg, CHARGES.name)[0]
    _enqueue_with_timeout(connection, tenant, key, timeout=2, retry=True)

    stuck = processes(env, "worker", "--queues", "billing")
    assert stuck.wait(timeout=30) == 1, _log(stuck)  # 2 s timeout + 2 heartbeats, not 60 s
    assert "cannot be interrupted" in _log(stuck)
    started = StartedJobRegistry("billing", connection=connection)
    wait_until(lambda: started.get_expired_job_ids(), timeout=15, what="the abandoned job to expire")
    second = processes(env, "worker", "--burst", "--queues", "billing")
    assert second.wait(timeout=60) == 0, _log(second)

    assert started.get_job_ids() == []
    assert _positions(demo_pg) == {f"{tenant}:{SOURCE_PREFIX}{key}": 1}  # the retry did it, once
    assert _executions(connection) == {f"{tenant}:{key}": 2}
    assert monitoring.failed_job_ids(connection) == []
    assert monitoring.failure_counts(connection) == {CHARGES.name: 1}  # the abandoned attempt


# --- the scheduler ------------------------------------------------------------------------------


def _schedule(connection: Redis) -> dict[str, int]:
    scheduler = Scheduler(connection=connection)
    return {job.id: job.meta.get("interval") for job in scheduler.get_jobs()}


def test_scheduler_restarts_keep_exactly_one_schedule_per_coordinator(
    job_env: dict[str, str], connection: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinators = coordination.coordinators()
    for _ in range(3):
        CoordinatorScheduler(connection, coordinators, interval=1).run(burst=True)
    expected = {dispatch.coordinator_job_id(c.name): c.interval_seconds for c in coordinators}
    assert _schedule(connection) == expected
    assert {"coordinator-subscription_billing", "coordinator-invoice_run"} <= set(expected)

    # A changed interval replaces its schedule; a coordinator that is gone loses its schedule.
    monkeypatch.setenv("COORDINATOR_SCHEDULES", "subscription_billing=120")
    get_settings.cache_clear()
    remaining = [c for c in coordinators if c.name != MIRROR.name]
    CoordinatorScheduler(connection, remaining, interval=1).run(burst=True)
    expected = {dispatch.coordinator_job_id(c.name): c.interval_seconds for c in remaining}
    expected["coordinator-subscription_billing"] = 120
    assert _schedule(connection) == expected


def test_the_scheduled_coordinator_runs_end_to_end(
    job_env: dict[str, str], connection: Redis, demo_pg: Engine, processes: Starter
) -> None:
    """Scheduler tick → coordinator job → unit jobs → open positions; the success is recorded."""
    assert processes(job_env, "scheduler", "--burst", "--interval", "1").wait(timeout=60) == 0
    assert dispatch.coordinator_job_id(CHARGES.name) in Queue("billing", connection=connection).get_job_ids()
    worker = processes(job_env, "worker", "--burst", "--queues", "billing")
    assert worker.wait(timeout=120) == 0, _log(worker)

    assert sorted(_positions(demo_pg).values()) == [1] * CUSTOMERS_PER_TENANT
    assert CHARGES.name in monitoring.last_successes(connection)
    assert "subscription_billing" in monitoring.last_successes(connection)  # the real billing ran too


def test_only_one_of_two_schedulers_is_active(
    job_env: dict[str, str], connection: Redis, processes: Starter
) -> None:
    first = processes(job_env, "scheduler", "--interval", "1")
    second = processes(job_env, "scheduler", "--interval", "1")
    wait_until(lambda: connection.get(LEASE_KEY), what="a scheduler to take the lease")
    wait_until(lambda: "standing by" in _log(first) + _log(second), what="the other scheduler to stand by")
    time.sleep(2.5)  # both keep ticking; the lease must not change hands
    active, standby = (first, second) if "Active scheduler" in _log(first) else (second, first)
    assert "Active scheduler" not in _log(standby)
    holder = connection.get(LEASE_KEY)
    assert _log(active).count("Active scheduler") == 1

    active.send_signal(signal.SIGTERM)  # releases the lease: the spare takes over on its next tick
    assert active.wait(timeout=20) == 0
    wait_until(lambda: "Active scheduler" in _log(standby), timeout=10, what="the spare to take over")
    assert connection.get(LEASE_KEY) not in (None, holder)
    assert len(_schedule(connection)) == len(coordination.coordinators())


def test_scheduled_retries_are_moved_onto_their_queue_by_the_scheduler(connection: Redis) -> None:
    """Units waiting out a backoff sit in rq's scheduled registry; the active scheduler enqueues them."""
    queue = Queue("default", connection=connection)
    job = queue.enqueue_in(timedelta(seconds=0), "operator.add", 1, 2)
    CoordinatorScheduler(connection, [], interval=1).run(burst=True)
    assert job.id in queue.get_job_ids()
