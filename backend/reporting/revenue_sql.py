"""Portable SQL pieces of the revenue analytics: calendar buckets, snapshot instants and money sums
that render on PostgreSQL and on SQLite alike (docs/metrics.md defines the figures).

Buckets are UTC calendar days, ISO weeks (starting Monday) and months, named by their first day as
`YYYY-MM-DD`. Money columns hold integer micros, so sums stay integers on both engines.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, literal, select, type_coerce, union_all
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import Subquery

from backend.models import IntervalUnit
from backend.models.types import UtcDateTime
from backend.money import MICROS, MoneyAmount

Grain = Literal["day", "week", "month"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month")

# Periods per month of each interval unit: a year is 12 months, a week 12/52 of a month... (docs/metrics.md)
MONTHLY_FACTOR: dict[str, Decimal] = {
    IntervalUnit.MONTH: Decimal(1),
    IntervalUnit.YEAR: Decimal(1) / Decimal(12),
    IntervalUnit.WEEK: Decimal(52) / Decimal(12),
    IntervalUnit.DAY: Decimal(365) / Decimal(12),
    IntervalUnit.HOUR: Decimal(8760) / Decimal(12),
}


def bucket_starts(first_day: date, last_day: date, grain: Grain) -> list[date]:
    """The first days of the UTC days, ISO weeks (Monday) or months that [first_day, last_day] touches."""
    if grain == "day":
        first, step = first_day, timedelta(days=1)
    elif grain == "week":
        first, step = first_day - timedelta(days=first_day.weekday()), timedelta(days=7)
    else:
        return months_between(first_day, last_day)
    starts = []
    while first <= last_day:
        starts.append(first)
        first += step
    return starts


def bucket_index(column: Any, starts: list[date], dialect: str) -> ColumnElement[int]:
    """Which bucket (index into `starts`) a timestamp already inside the range falls in.

    Comparisons with the buckets' UTC boundaries: on PostgreSQL a binary search (`width_bucket`
    over the boundaries), elsewhere a CASE; both far cheaper per row than truncating each
    timestamp to a calendar unit in a time zone.
    """
    if len(starts) == 1:
        return literal(0)
    boundaries = [literal(day_start(day), UtcDateTime()) for day in starts[1:]]
    if dialect == "postgresql":
        return func.width_bucket(column, postgresql.array(boundaries))
    whens = [(column < boundary, literal(i)) for i, boundary in enumerate(boundaries)]
    return case(*whens, else_=literal(len(starts) - 1))


def bucket_bounds(key: str, grain: Grain) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of the bucket keyed `key`."""
    first = date.fromisoformat(key)
    if grain == "day":
        last = first + timedelta(days=1)
    elif grain == "week":
        last = first + timedelta(days=7)
    else:
        last = next_month(first)
    return day_start(first), day_start(last)


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from `first`'s to `last`'s, both included."""
    months, month = [], date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def instants_table(instants: list[datetime]) -> Subquery:
    """A small inline table (idx, at) of snapshot instants, as a UNION ALL of literal rows."""
    rows = [
        select(literal(index).label("idx"), literal(at, UtcDateTime()).label("at"))
        for index, at in enumerate(instants)
    ]
    return (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("snapshots")


def money_total(column: Any) -> ColumnElement[Decimal]:
    """SUM of a micros column, 0 for no rows, read back as a Decimal amount."""
    return type_coerce(func.coalesce(func.sum(column), 0), MoneyAmount())


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def monthly_micros(price: Decimal, unit: str, count: int) -> int:
    """A price per `count` × `unit` as micros per month, rounded half-up to the micro."""
    monthly = price * MICROS * MONTHLY_FACTOR[unit] / Decimal(count)
    return int(monthly.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def micros_to_amount(micros: int | Decimal | None) -> Decimal:
    return Decimal(int(micros or 0)).scaleb(-6)
