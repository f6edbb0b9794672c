"""Billing periods: where each period of a subscription starts and ends (SPEC §4).

Periods are computed from the subscription's anchor and an index, never by adding an interval to
the previous period, so "monthly on the 31st" falls on the last day of shorter months and returns
to the 31st afterwards. Calendar intervals (day, week, month, year) follow the tenant's time zone:
a daily period across a daylight-saving change is 23 or 25 hours long, and a monthly period keeps
its local wall-clock time. Hourly periods are plain UTC arithmetic. All results are aware UTC.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from backend.models import IntervalUnit

_MONTHS_PER_UNIT = {IntervalUnit.MONTH: 1, IntervalUnit.YEAR: 12}
_DAYS_PER_UNIT = {IntervalUnit.DAY: 1, IntervalUnit.WEEK: 7}
QUANTITY_PLACES = Decimal("0.000001")
_AVERAGE_MONTH_SECONDS = 2_629_746  # a Gregorian month on average; only a first guess for index_at


@dataclass(frozen=True, slots=True)
class Interval:
    unit: IntervalUnit
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("an interval count must be at least 1")

    @property
    def is_calendar_month_based(self) -> bool:
        return self.unit in _MONTHS_PER_UNIT

    @property
    def months(self) -> int:
        return _MONTHS_PER_UNIT[self.unit] * self.count


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    def overlap(self, start: datetime, end: datetime) -> Period | None:
        lo, hi = max(self.start, start), min(self.end, end)
        return Period(lo, hi) if lo < hi else None


@dataclass(frozen=True, slots=True)
class Schedule:
    """A subscription's period grid: boundary(k) for every integer k, boundary(0) = anchor."""

    anchor: datetime  # aware UTC
    interval: Interval
    time_zone: str
    anchor_day: int | None = None  # day of month for month/year intervals; None = the anchor's day

    def boundary(self, index: int) -> datetime:
        unit = self.interval.unit
        if unit == IntervalUnit.HOUR:
            return self.anchor + timedelta(hours=index * self.interval.count)
        zone = ZoneInfo(self.time_zone)
        local = self.anchor.astimezone(zone)
        if unit in _DAYS_PER_UNIT:
            days = index * self.interval.count * _DAYS_PER_UNIT[unit]
            moved = (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=zone)
            return moved.astimezone(UTC)
        months = local.month - 1 + index * self.interval.months
        year, month = local.year + months // 12, months % 12 + 1
        wanted_day = self.anchor_day or local.day
        day = min(wanted_day, calendar.monthrange(year, month)[1])
        moved = local.replace(tzinfo=None).replace(year=year, month=month, day=day).replace(tzinfo=zone)
        return moved.astimezone(UTC)

    def period(self, index: int) -> Period:
        return Period(self.boundary(index), self.boundary(index + 1))

    def index_at(self, at: datetime) -> int:
        """Index of the period containing `at`."""
        unit = self.interval.unit
        if unit == IntervalUnit.HOUR:
            estimate = int((at - self.anchor).total_seconds() // (3600 * self.interval.count))
        elif unit in _DAYS_PER_UNIT:
            length = 86400 * self.interval.count * _DAYS_PER_UNIT[unit]
            estimate = int((at - self.anchor).total_seconds() // length)
        else:
            estimate = int(
                (at - self.anchor).total_seconds() // (_AVERAGE_MONTH_SECONDS * self.interval.months)
            )
        while self.boundary(estimate) > at:
            estimate -= 1
        while self.boundary(estimate + 1) <= at:
            estimate += 1
        return estimate


def first_anchor(start: datetime, interval: Interval, time_zone: str, anchor_day: int | None) -> datetime:
    """The first full-period boundary at or after `start`.

    Without an anchor day the subscription's periods start at `start` itself. With one (month and
    year plans only) the periods start on that day of the month at the local time of `start`;
    the time before it is a prorated stub period.
    """
    if anchor_day is None or not interval.is_calendar_month_based:
        return start
    zone = ZoneInfo(time_zone)
    local = start.astimezone(zone).replace(tzinfo=None)
    year, month = local.year, local.month
    for _ in range(2):
        day = min(anchor_day, calendar.monthrange(year, month)[1])
        candidate = local.replace(year=year, month=month, day=day).replace(tzinfo=zone).astimezone(UTC)
        if candidate >= start:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("an anchor day always occurs within two months")


def add_days(at: datetime, days: int, time_zone: str) -> datetime:
    """`days` calendar days after `at` at the same local wall-clock time in `time_zone` (SPEC §4:
    trial, commitment, notice and withdrawal lengths), so a span across a daylight-saving change
    is 23 or 25 hours shorter or longer than days x 24 h. Aware UTC in, aware UTC out."""
    zone = ZoneInfo(time_zone)
    local = at.astimezone(zone).replace(tzinfo=None)
    return (local + timedelta(days=days)).replace(tzinfo=zone).astimezone(UTC)


def display_quantity(share: Decimal) -> Decimal:
    return share.quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)


def price_factor(price_interval: Interval, period_interval: Interval) -> Decimal:
    """How many `price_interval`s fit in one `period_interval` (an addon's price per plan period).

    Calendar intervals compare by months, fixed ones by their length; mixing both is refused
    because a month has no fixed number of hours.
    """
    if price_interval.is_calendar_month_based and period_interval.is_calendar_month_based:
        return Decimal(period_interval.months) / Decimal(price_interval.months)
    if not price_interval.is_calendar_month_based and not period_interval.is_calendar_month_based:
        return Decimal(_fixed_hours(period_interval)) / Decimal(_fixed_hours(price_interval))
    raise ValueError("a calendar interval (month, year) cannot be combined with hours, days or weeks")


def _fixed_hours(interval: Interval) -> int:
    if interval.unit == IntervalUnit.HOUR:
        return interval.count
    return 24 * _DAYS_PER_UNIT[interval.unit] * interval.count
