"""Recurring work as coordinators and units (SPEC §9).

A coordinator finds due work of one tenant and names it as units with deterministic keys; a unit
does the work for one key and is idempotent, so running it twice (a retry, two coordinators, a
worker killed half-way) changes nothing the second time. The RQ layer (`jobs/`) turns units into
jobs whose ids derive from the key; the simulation runs the same coordinators in-process.
Which coordinators exist, and their order in one tick, is `backend.scheduling.coordinators`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from backend.kit.repository import TenantScope

FindUnits = Callable[[Session, TenantScope, datetime], list[str]]
RunUnit = Callable[[Session, TenantScope, str, datetime], int]


@dataclass(frozen=True, slots=True)
class Coordinator:
    name: str  # stable identifier, part of every job id: "subscription_billing"
    queue: str  # RQ queue its units run on
    description: str
    find_units: FindUnits  # unit keys due at `now`, e.g. "range:0-499"
    run_unit: RunUnit  # does one unit at `now`; returns how many objects it changed
    interval_seconds: int  # default schedule; operators override it in settings
    # Whether the in-process simulation (tests, scenario runner) runs it without being named:
    # rendering PDFs would make years of simulated billing slow and shows nothing about money.
    simulated: bool = True


# Objects per unit job: large enough that queue overhead stays small, small enough to retry cheaply.
BUCKET_SIZE = 500


@dataclass(frozen=True, slots=True)
class IdRange:
    """A unit of work: the objects whose ids lie in [first, last], keyed "ids:FIRST-LAST".

    Every coordinator cuts its work into these fixed ranges of `BUCKET_SIZE` ids, so the key of an
    object's unit never changes between runs: a retried or concurrent run finds the same job id.
    """

    first: int
    last: int

    @classmethod
    def holding(cls, object_id: int) -> IdRange:
        first = object_id // BUCKET_SIZE * BUCKET_SIZE
        return cls(first, first + BUCKET_SIZE - 1)

    @classmethod
    def of_bucket(cls, bucket: int) -> IdRange:
        return cls.holding(bucket * BUCKET_SIZE)

    @classmethod
    def parse(cls, key: str) -> IdRange:
        kind, _, span = key.partition(":")
        first, _, last = span.partition("-")
        if kind != "ids" or not first.isdigit() or not last.isdigit():
            raise ValueError(f"not an id range unit key: {key!r}")
        return cls(int(first), int(last))

    @property
    def key(self) -> str:
        return f"ids:{self.first}-{self.last}"


def unit_keys(object_ids: Iterable[int]) -> list[str]:
    """The keys of the units holding `object_ids`, each once, in id order."""
    return [IdRange.of_bucket(bucket).key for bucket in sorted({i // BUCKET_SIZE for i in object_ids})]


def bucket_keys(buckets: Iterable[int]) -> list[str]:
    """The keys of the units of `buckets` (id // BUCKET_SIZE, as a query groups them)."""
    return [IdRange.of_bucket(bucket).key for bucket in sorted(set(buckets))]
