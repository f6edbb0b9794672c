"""A timeline for the demo: actions at given times and the daily coordinator run, on a moving clock.

The demo is told like a year of real use: customers order, change plans, cancel and pay at given
moments, and every day at `DAILY_RUN` (tenant time) the billing coordinators run in their tick
order (`backend.scheduling.simulation.tick`), as the scheduler would. Everything happens under a
`FrozenClock` moved to each moment, so rows stamped with `clock.now()` carry the simulated time and
nothing is dated after the end of the timeline.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend import clock
from backend.kit.repository import TenantScope
from backend.scheduling import simulation

DAILY_RUN = time(6, 0)  # local time of the demo's daily coordinator run

Action = Callable[[datetime], object]


class Timeline:
    """Actions ordered by time; `run` plays them and the daily coordinator runs up to `until`.

    An action may schedule further actions (a payment some days after an invoice). Actions that
    fall after `until` never happen: the timeline stops at its "now".
    """

    def __init__(self, session: Session, scope: TenantScope, zone: ZoneInfo, until: datetime) -> None:
        self.session = session
        self.scope = scope
        self.zone = zone
        self.until = until
        self._queue: list[tuple[datetime, int, Action]] = []
        self._sequence = itertools.count()
        self.after_tick: list[Action] = []  # called after each daily coordinator run

    def local(self, day: date, at: time) -> datetime:
        """`day` at wall-clock time `at` in the tenant's time zone, as an aware datetime."""
        return datetime.combine(day, at, self.zone)

    def at(self, when: datetime, action: Action) -> None:
        """Schedule `action(when)`; ties run in the order they were scheduled."""
        heapq.heappush(self._queue, (when, next(self._sequence), action))

    def daily_runs(self, first_day: date) -> None:
        """Schedule the coordinator run at `DAILY_RUN` on every day from `first_day` to `until`."""
        day = first_day
        while (run := self.local(day, DAILY_RUN)) <= self.until:
            self.at(run, self._tick)
            day += timedelta(days=1)

    def run(self, start: datetime) -> None:
        """Play every action up to `until` with the clock at each action's time."""
        with clock.frozen(start) as moving:
            while self._queue and self._queue[0][0] <= self.until:
                when, _, action = heapq.heappop(self._queue)
                moving.set(when)
                action(moving.now())
        self._queue.clear()

    def _tick(self, now: datetime) -> None:
        simulation.tick(self.session, self.scope, now)
        for follow_up in self.after_tick:
            follow_up(now)
