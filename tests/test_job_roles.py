"""The worker and scheduler roles run real RQ and rq-scheduler processes against a real Redis."""

from __future__ import annotations

import operator
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue
from rq.job import JobStatus
from rq_scheduler import Scheduler

from jobs.queues import QUEUE_NAMES, queues


def _role(role: str, redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "billing_console.cli", role, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "REDIS_URL": redis_url},
    )


def test_a_worker_process_runs_queued_jobs(redis_url: str) -> None:
    connection = Redis.from_url(redis_url)
    job = Queue("billing", connection=connection).enqueue(operator.add, 2, 3)
    result = _role("worker", redis_url, "--burst", "--queues", "billing")
    assert result.returncode == 0, result.stderr
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == 5


def test_the_scheduler_moves_due_jobs_onto_their_queue(redis_url: str) -> None:
    connection = Redis.from_url(redis_url)
    scheduler = Scheduler(queue_name="default", connection=connection)
    job = scheduler.enqueue_in(timedelta(seconds=0), operator.mul, 6, 7)
    from jobs.scheduler import run_scheduler

    run_scheduler(redis_url, interval_seconds=1, burst=True)
    assert job.id in Queue("default", connection=connection).job_ids
    assert _role("worker", redis_url, "--burst", "--queues", "default").returncode == 0
    job.refresh()
    assert job.return_value() == 42


def test_unknown_queue_names_are_refused(redis_url: str) -> None:
    with pytest.raises(ValueError, match="unknown queue"):
        queues(Redis.from_url(redis_url), ("billing", "bogus"))
    assert QUEUE_NAMES[0] == "billing"
