"""Recurring work as coordinators and units (SPEC §9).

A coordinator finds due work of one tenant and names it as units with deterministic keys; a unit
does the work for one key and is idempotent, so running it twice (a retry, two coordinators, a
worker killed half-way) changes nothing the second time. The RQ layer (`jobs/`) turns units into
jobs whose ids derive from the key; the simulation runs the same coordinators in-process.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from backend.repositories.base import TenantScope

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


_REGISTRY: dict[str, Coordinator] = {}
BUILTIN_MODULES = (
    "backend.services.charging",
    "backend.services.invoicing",
    "backend.services.subscriptions",
)


def register(coordinator: Coordinator) -> Coordinator:
    _REGISTRY[coordinator.name] = coordinator
    return coordinator


# One tick of the clock runs them in this order: cancellations that took effect, then due periods,
# then invoices for what was charged, then overdue marking. Coordinators not listed run after.
TICK_ORDER = ("expiration", "subscription_billing", "invoice_run", "overdue_marking")


def coordinators() -> list[Coordinator]:
    """Every registered coordinator, in the order they must run in one tick of the clock."""
    _load_builtin_coordinators()
    rank = {name: position for position, name in enumerate(TICK_ORDER)}
    return sorted(_REGISTRY.values(), key=lambda c: rank.get(c.name, len(rank)))


def get(name: str) -> Coordinator:
    _load_builtin_coordinators()
    return _REGISTRY[name]


def _load_builtin_coordinators() -> None:
    # Importing a service module registers its coordinators.
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
