"""The isolation table of the daily turnover rollup (backend/invoicing/daily_rollup.py and its
repository): A's closed days are rolled up (`prepare`, called by tests/isolation/world.py), B's are
not. B's one document is its invoice INV-2027-00001 of T0 (4 Jan 2027); A's documents of T1
(4 Feb) are not B's.

Rolling up in B's scope writes B's own rows only: one day, one invoice, B's mark. Without the
tenant filter B would find A's mark (nothing left to do) or sum A's documents, which these
expectations notice. A's own calls find nothing to do (A is rolled up), so they are no control.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from backend.invoicing import daily_rollup
from backend.invoicing.rollup.repository import DailyRollupRepository
from backend.invoicing.tasks import REVENUE_ROLLUP
from backend.models import RevenueDaily, RevenueRollupMark
from tests.isolation.probes import Probe
from tests.isolation.repository_probes import R
from tests.isolation.service_probes import S
from tests.isolation.world import NOW, T0, T1, Side

# B's days to roll up at NOW (10 Mar 2027): 4 Jan to 9 Mar = 28 + 28 + 9 = 65 days.
B_DAYS = 65
NO_CONTROL = "A is rolled up to NOW by the world: its own call has nothing to do"


def prepare(session: Session, side: Side) -> None:
    """Roll up `side`'s closed days at NOW."""
    daily_rollup.roll_up_closed_days(session, side.scope, NOW)


def _b_rolled_up(result: Any, b: Side, session: Session) -> None:
    rows = session.scalars(select(RevenueDaily).where(RevenueDaily.tenant_id == b.tenant_id)).all()
    assert [(r.day, r.invoices, r.credit_notes) for r in rows] == [(T0.date(), 1, 0)], rows
    mark = session.scalar(
        select(RevenueRollupMark.rolled_until).where(RevenueRollupMark.tenant_id == b.tenant_id)
    )
    assert mark == NOW.date(), mark
    assert result in (B_DAYS, ["closed-days"]), result


def _is(expected: Any) -> Any:
    def check(result: Any, b: Side, session: Session) -> None:
        assert result == expected, result

    return check


ROLLUP_PROBES: list[Probe] = [
    S(
        daily_rollup.has_days_to_roll_up,
        lambda s, me, a: daily_rollup.has_days_to_roll_up(s, me.scope, NOW),
        _is(True),
        control=False,
        label=NO_CONTROL,
    ),
    S(
        daily_rollup.roll_up_closed_days,
        lambda s, me, a: daily_rollup.roll_up_closed_days(s, me.scope, NOW),
        _b_rolled_up,
        control=False,
        label=NO_CONTROL,
    ),
    S(
        REVENUE_ROLLUP.find_units,
        lambda s, me, a: REVENUE_ROLLUP.find_units(s, me.scope, NOW),
        _is(["closed-days"]),
        control=False,
        label=NO_CONTROL,
    ),
    S(
        REVENUE_ROLLUP.run_unit,
        lambda s, me, a: REVENUE_ROLLUP.run_unit(s, me.scope, "closed-days", NOW),
        _b_rolled_up,
        control=False,
        label=NO_CONTROL,
    ),
]

ROLLUP_REPOSITORY_PROBES: list[Probe] = [
    R(DailyRollupRepository.rolled_until),  # B has no mark; A has one
    # B's first document's day (without the filter: A's mark, 10 Mar).
    R(DailyRollupRepository.first_day_to_roll_up, expect=_is(T0.date())),
    # A's invoice run of T1 issued A's documents of that day; B has none on it.
    R(DailyRollupRepository.day_sums, lambda s, me, a: (T1.date(),)),
    # Writing B's (empty) day leaves A's rows of that day; A's own call empties them.
    R(DailyRollupRepository.replace_day, lambda s, me, a: (T1.date(), [])),
    # B's mark is written beside A's, which stays; A's own call moves A's.
    R(DailyRollupRepository.set_mark, lambda s, me, a: (date(2027, 1, 1),)),
]
