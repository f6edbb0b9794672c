"""Recurring work as coordinators and units (SPEC §9).

A coordinator finds due work of one tenant and names it as units with deterministic keys; a unit
does the work for one key and is idempotent, so running it twice (a retry, two coordinators, a
worker killed half-way) changes nothing the second time. The RQ layer (`jobs/`) turns units into
jobs whose ids derive from the key; the simulation runs the same coordinators in-process.
Which coordinators exist, and their order in one tick, is `backend.scheduling.coordinators`.
"""

from __future__ import annotations

from collections.abc import Callable
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
