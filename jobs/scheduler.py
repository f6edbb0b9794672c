"""The scheduler role: rq-scheduler moving due scheduled jobs onto their queues."""

from __future__ import annotations

import logging

from rq_scheduler import Scheduler

from backend.redis_connection import connect


def run_scheduler(redis_url: str, *, interval_seconds: int = 5, burst: bool = False) -> None:
    """Poll every `interval_seconds`; the coordinators of SPEC §9 register with this scheduler."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(levelname)s %(message)s")
    scheduler = Scheduler(connection=connect(redis_url), interval=interval_seconds)
    scheduler.run(burst=burst)
