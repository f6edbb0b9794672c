"""The worker role: an RQ worker serving the product's queues.

RQ's own signal handling gives the warm shutdown we want: on SIGTERM (or the first Ctrl-C) the
worker finishes the job it is running and then exits.
"""

from __future__ import annotations

import logging

from rq import Worker

from backend.redis_connection import connect
from jobs.queues import QUEUE_NAMES, queues


def run_worker(
    redis_url: str, names: tuple[str, ...] = QUEUE_NAMES, *, burst: bool = False, name: str | None = None
) -> bool:
    """Serve `names` until stopped (or, with burst, until the queues are empty)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    connection = connect(redis_url)
    worker = Worker(queues(connection, names), connection=connection, name=name)
    return worker.work(burst=burst, with_scheduler=False)
