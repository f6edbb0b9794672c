"""The RQ queues, in the order a worker serves them (billing first, then card payments, mail last)."""

from __future__ import annotations

from redis import Redis
from rq import Queue

QUEUE_NAMES: tuple[str, ...] = ("billing", "payments", "provisioning", "documents", "default", "mail")


def queues(connection: Redis, names: tuple[str, ...] = QUEUE_NAMES) -> list[Queue]:
    unknown = sorted(set(names) - set(QUEUE_NAMES))
    if unknown:
        raise ValueError(f"unknown queue(s) {', '.join(unknown)}; known: {', '.join(QUEUE_NAMES)}")
    return [Queue(name, connection=connection) for name in names]
