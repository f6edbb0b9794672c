"""Run the billing coordinators on a moving clock, in-process: years of billing in seconds.

The same coordinators the scheduler registers run here in their tick order, without RQ: each
unit in its own transaction (like a job), or all inside one session for tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from backend import clock
from backend.kit.coordination import Coordinator
from backend.kit.repository import TenantScope
from backend.scheduling.coordinators import coordinators

SessionScope = Callable[[], AbstractContextManager[Session]]


@dataclass(slots=True)
class SimulationReport:
    started: datetime
    finished: datetime
    ticks: int = 0
    changed: Counter[str] = field(default_factory=Counter)  # coordinator -> objects changed


def tick(
    session: Session, scope: TenantScope, now: datetime, *, only: Collection[str] | None = None
) -> Counter[str]:
    """Run every coordinator (or those named in `only`) once at `now` inside `session` (tests;
    nothing is committed)."""
    changed: Counter[str] = Counter()
    for coordinator in _selected(only):
        for key in coordinator.find_units(session, scope, now):
            changed[coordinator.name] += coordinator.run_unit(session, scope, key, now)
    return changed


def tick_in_units(
    unit_of_work: SessionScope, scope: TenantScope, now: datetime, *, only: Collection[str] | None = None
) -> Counter[str]:
    """Run every coordinator (or those named in `only`) once at `now`, each unit in its own
    committed transaction."""
    changed: Counter[str] = Counter()
    for coordinator in _selected(only):
        with unit_of_work() as session:
            keys = coordinator.find_units(session, scope, now)
        for key in keys:
            with unit_of_work() as session:
                changed[coordinator.name] += coordinator.run_unit(session, scope, key, now)
    return changed


def _selected(only: Collection[str] | None) -> list[Coordinator]:
    """The coordinators to run, in tick order: those named in `only`, else every simulated one."""
    return [c for c in coordinators() if (c.simulated if only is None else c.name in only)]


def advance(
    run_tick: Callable[[datetime], Counter[str]],
    frozen: clock.FrozenClock,
    until: datetime,
    *,
    step: timedelta = timedelta(days=1),
) -> SimulationReport:
    """Move `frozen` to `until` in steps, running a tick after each step.

    Charges carry the exact periods they cover whatever the step, so a coarse step only delays
    when a position is created, never what it charges.
    """
    if step <= timedelta(0):
        raise ValueError("the simulation step must be positive")
    report = SimulationReport(started=frozen.now(), finished=frozen.now())
    report.changed.update(run_tick(frozen.now()))
    while frozen.now() < until:
        frozen.set(min(frozen.now() + step, until))
        report.changed.update(run_tick(frozen.now()))
        report.ticks += 1
    report.finished = frozen.now()
    return report
