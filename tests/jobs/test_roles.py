"""The worker and scheduler roles run real RQ and rq-scheduler processes against a real Redis."""

from __future__ import annotations

import operator
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from redis import Redis
from rq import Queue
from rq.job import JobStatus
from rq_scheduler import Scheduler

from jobs.queues import QUEUE_NAMES, queues


@pytest.fixture
def role(sqlite_url: str, redis_url: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `billing-console ROLE ...` against the test Redis and a migrated database."""

    def run(name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "billing_console.cli", name, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": sqlite_url},
        )

    return run


def test_a_worker_process_runs_queued_jobs(redis_url: str, role: Callable[..., Any]) -> None:
    connection = Redis.from_url(redis_url)
    job = Queue("billing", connection=connection).enqueue(operator.add, 2, 3)
    result = role("worker", "--burst", "--queues", "billing")
    assert result.returncode == 0, result.stderr
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == 5


def test_the_scheduler_moves_due_jobs_onto_their_queue(redis_url: str, role: Callable[..., Any]) -> None:
    connection = Redis.from_url(redis_url)
    scheduler = Scheduler(queue_name="default", connection=connection)
    job = scheduler.enqueue_in(timedelta(seconds=0), operator.mul, 6, 7)
    from jobs.scheduler import run_scheduler

    run_scheduler(redis_url, interval_seconds=1, burst=True, coordinators=[])
    assert job.id in Queue("default", connection=connection).job_ids
    assert role("worker", "--burst", "--queues", "default").returncode == 0
    job.refresh()
    assert job.return_value() == 42


def test_unknown_queue_names_are_refused(redis_url: str) -> None:
    with pytest.raises(ValueError, match="unknown queue"):
        queues(Redis.from_url(redis_url), ("billing", "bogus"))
    assert QUEUE_NAMES[0] == "billing"
