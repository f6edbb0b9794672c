"""The daily turnover rollup (backend/models/revenue_rollup.py): the issued invoices and credit
notes of each closed UTC day summed per currency, buyer country and tax mode, so the revenue report
reads a year of turnover from a few thousand rows instead of every document.

A day is closed once it is over (before today in UTC at the job's `now`): nothing can be issued on
it any more and issued documents never change, so its sums are final. The job rolls up every closed
day from the tenant's mark (or its first document) to yesterday, one day per statement, moves the
mark and commits once, so the rows and the mark always agree. Running it again finds nothing to do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from backend.invoicing.rollup.repository import DailyRollupRepository
from backend.kit.repository import TenantScope


def closed_until(now: datetime) -> date:
    """The first UTC day not yet over at `now` (today): every day before it is closed."""
    return now.astimezone(UTC).date()


def _pending(repository: DailyRollupRepository, now: datetime) -> tuple[date, date] | None:
    """The closed days [first, until) not rolled up yet (the tenant's mark locked), or None."""
    first = repository.first_day_to_roll_up()
    until = closed_until(now)
    if first is None or first >= until:
        return None
    return first, until


def has_days_to_roll_up(session: Session, scope: TenantScope, now: datetime) -> bool:
    return _pending(DailyRollupRepository(session, scope), now) is not None


def roll_up_closed_days(session: Session, scope: TenantScope, now: datetime) -> int:
    """Roll up every closed day after the mark and move the mark to today; returns the days rolled
    up. The mark row is locked first, so a second run at the same time waits and then finds the
    days done. Does not commit (the unit does)."""
    repository = DailyRollupRepository(session, scope)
    pending = _pending(repository, now)
    if pending is None:
        return 0
    first, until = pending
    day = first
    while day < until:
        repository.replace_day(day, repository.day_sums(day))
        day += timedelta(days=1)
    repository.set_mark(until)
    return (until - first).days
