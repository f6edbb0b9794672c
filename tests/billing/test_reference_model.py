"""The engine against a small reference that walks time on its own (issue 9 §3).

Random timelines (orders, plan changes to other prices, anchor days, intervals and timings,
cancel, resume, cancel immediately, withdrawal, trials; tenant time zones with daylight saving;
intervals from an hour to a year) are played on the real engine. A reference written here, using
only the standard library and the rules of SPEC §4, decides independently:
- which actions are refused, when a cancellation takes effect, when a trial ends;
- the subscription's billable life, split into segments with the plan in force and its period grid;
- what that life costs: each plan's price integrated over its segments, period by period.

Then, for each subscription: charges minus credits equal the reference total within half a cent
per line, and the charged intervals cover the billable life exactly once (no overlap, no gap).
Nothing here calls `periods.py`, `Schedule` or the engine's pricing.
"""

from __future__ import annotations

import calendar
import itertools
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import Session

from backend import clock
from backend.billing.source_ref import SourceRef
from backend.kit.errors import DomainError
from backend.models import (
    BillingTiming,
    CreditNote,
    CreditNoteLine,
    CustomerType,
    IntervalUnit,
    InvoiceLine,
    OpenPosition,
    Plan,
)
from backend.subscriptions.service import Lifecycle
from tests.billing.world import World

HALF_CENT = Decimal("0.005")
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata"]
YEAR_START = datetime(2027, 1, 1, tzinfo=UTC)

# --- the reference: calendar rules, written out -------------------------------------------------


@dataclass(frozen=True)
class RefPlan:
    key: str
    base: Decimal
    margin_percent: Decimal
    margin_fixed: Decimal
    unit: str  # hour, day, week, month, year
    count: int
    anchor_day: int | None
    advance: bool
    trial_days: int
    commitment_days: int
    notice_days: int
    at_period_end: bool

    @property
    def price(self) -> Decimal:
        """Net price per period: base plus margin (SPEC §3), exact."""
        return self.base + self.base * self.margin_percent / 100 + self.margin_fixed

    def grid_key(self) -> tuple:
        return (self.unit, self.count, self.anchor_day, self.advance)


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC)


def plus_days(at: datetime, days: int, zone: ZoneInfo) -> datetime:
    """Calendar days at the same local wall-clock time."""
    return to_utc(at.astimezone(zone).replace(tzinfo=None) + timedelta(days=days), zone)


def month_shift(local: datetime, months: int, day: int) -> datetime:
    index = local.year * 12 + local.month - 1 + months
    year, month = divmod(index, 12)
    return local.replace(year=year, month=month + 1, day=min(day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Grid:
    """A plan's period boundaries, from where billing started under it."""

    origin: datetime  # UTC, a boundary
    plan: RefPlan
    zone: ZoneInfo

    @classmethod
    def starting(cls, at: datetime, plan: RefPlan, zone: ZoneInfo) -> Grid:
        """Billing starts at `at`; with an anchor day (month and year plans) the first boundary is
        the next anchor day at the local time of `at`, the time before it a prorated stub."""
        if plan.anchor_day is None or plan.unit not in ("month", "year"):
            return cls(at, plan, zone)
        local = at.astimezone(zone).replace(tzinfo=None)
        for months in (0, 1):
            candidate = to_utc(month_shift(local.replace(day=1), months, plan.anchor_day), zone)
            if candidate >= at:
                return cls(candidate, plan, zone)
        raise AssertionError("an anchor day comes within two months")

    def boundary(self, k: int) -> datetime:
        plan, zone = self.plan, self.zone
        if plan.unit == "hour":
            return self.origin + timedelta(hours=k * plan.count)
        local = self.origin.astimezone(zone).replace(tzinfo=None)
        if plan.unit in ("day", "week"):
            days = k * plan.count * (7 if plan.unit == "week" else 1)
            return to_utc(local + timedelta(days=days), zone)
        months = k * plan.count * (12 if plan.unit == "year" else 1)
        return to_utc(month_shift(local, months, plan.anchor_day or local.day), zone)

    def index_of(self, at: datetime) -> int:
        k = 0
        while self.boundary(k) > at:
            k -= 1
        while self.boundary(k + 1) <= at:
            k += 1
        return k

    def cost(self, start: datetime, end: datetime) -> Decimal:
        """The plan's price integrated over [start, end): each period's price times the share of
        its seconds that lies inside."""
        total, k = Decimal(0), self.index_of(start)
        while self.boundary(k) < end:
            lo, hi = self.boundary(k), self.boundary(k + 1)
            inside = (min(hi, end) - max(lo, start)).total_seconds()
            if inside > 0:
                total += self.plan.price * Decimal(int(inside)) / Decimal(int((hi - lo).total_seconds()))
            k += 1
        return total


@dataclass
class Reference:
    """What SPEC §4 says happens to one subscription, event by event."""

    zone: ZoneInfo
    plan: RefPlan
    ordered: datetime
    trial_end: datetime | None = None
    grid: Grid | None = None
    billing_from: datetime | None = None  # start of the current segment
    segments: list[tuple[datetime, datetime, Grid]] = field(default_factory=list)
    cancel_at: datetime | None = None
    ended: datetime | None = None

    @classmethod
    def order(cls, plan: RefPlan, at: datetime, zone: ZoneInfo) -> Reference:
        ref = cls(zone, plan, at)
        if plan.trial_days:
            ref.trial_end = plus_days(at, plan.trial_days, zone)
        else:
            ref.grid, ref.billing_from = Grid.starting(at, plan, zone), at
        return ref

    def catch_up(self, now: datetime) -> None:
        """What time alone does: a trial ends, a cancellation takes effect."""
        if self.ended is not None:
            return
        if self.grid is None and self.trial_end is not None and self.trial_end <= now:
            if self.cancel_at is not None and self.cancel_at <= self.trial_end:
                self.ended = self.cancel_at  # canceled during the trial: nothing to pay
                return
            self.grid, self.billing_from = Grid.starting(self.trial_end, self.plan, self.zone), self.trial_end
        if self.cancel_at is not None and self.cancel_at <= now:
            self._end(self.cancel_at)

    def _end(self, at: datetime) -> None:
        if self.grid is not None and self.billing_from is not None and self.billing_from < at:
            self.segments.append((self.billing_from, at, self.grid))
        self.ended = at

    @property
    def live(self) -> bool:
        return self.ended is None

    def allows_change(self, plan: RefPlan) -> bool:
        return self.live and self.cancel_at is None and plan.key != self.plan.key

    def change(self, plan: RefPlan, at: datetime) -> None:
        if self.grid is not None:
            assert self.billing_from is not None
            if self.billing_from < at:
                self.segments.append((self.billing_from, at, self.grid))
            if plan.grid_key() == self.plan.grid_key():
                self.grid = Grid(self.grid.origin, plan, self.zone)  # same boundaries, new price
            else:
                self.grid = Grid.starting(at, plan, self.zone)
            self.billing_from = at
        self.plan = plan

    def cancel_refusal(self, at: datetime) -> str | None:
        if not self.live or self.cancel_at is not None:
            return "not live"
        if self.grid is None:
            return None  # a trial: ends when the trial would have
        if at < plus_days(self.ordered, self.plan.commitment_days, self.zone):
            return "commitment"
        return None

    def cancel(self, at: datetime) -> datetime:
        if self.grid is None:
            assert self.trial_end is not None
            self.cancel_at = self.trial_end
            return self.cancel_at
        earliest = plus_days(at, self.plan.notice_days, self.zone)
        if not self.plan.at_period_end:
            self.cancel_at = earliest
        else:
            # The first boundary at or after the notice's end, never before the current period's end.
            k = self.grid.index_of(at) + 1
            while self.grid.boundary(k) < earliest:
                k += 1
            self.cancel_at = self.grid.boundary(k)
        return self.cancel_at

    def allows_resume(self, at: datetime) -> bool:
        return self.live and self.cancel_at is not None and at < self.cancel_at

    def resume(self) -> None:
        self.cancel_at = None

    def allows_withdrawal(self, at: datetime) -> bool:
        return self.live and at <= plus_days(self.ordered, 14, self.zone)

    def end_now(self, at: datetime) -> None:
        self._end(at)

    def total(self) -> Decimal:
        return sum((grid.cost(start, end) for start, end, grid in self.segments), Decimal(0))


# --- random timelines --------------------------------------------------------------------------

UNITS = {"hour": IntervalUnit.HOUR, "day": IntervalUnit.DAY, "week": IntervalUnit.WEEK}
UNITS |= {"month": IntervalUnit.MONTH, "year": IntervalUnit.YEAR}


@st.composite
def ref_plans(draw: st.DrawFn, key: str) -> RefPlan:
    unit = draw(st.sampled_from(["hour", "day", "week", "month", "month", "month", "year"]))
    count = draw(st.integers(1, 12 if unit == "hour" else 3))
    calendar_based = unit in ("month", "year")
    return RefPlan(
        key=key,
        base=Decimal(draw(st.integers(1, 50_000))) / 100,
        margin_percent=Decimal(draw(st.sampled_from([0, 0, 10, 17.5]))),
        margin_fixed=Decimal(draw(st.sampled_from([0, 0, 1, 250]))) / 100,
        unit=unit,
        count=count,
        anchor_day=draw(st.one_of(st.none(), st.integers(1, 31))) if calendar_based else None,
        advance=draw(st.booleans()),
        trial_days=draw(st.sampled_from([0, 0, 0, 3, 14])),
        commitment_days=draw(st.sampled_from([0, 0, 10, 30])),
        notice_days=draw(st.sampled_from([0, 0, 7, 28, 30])),
        at_period_end=draw(st.booleans()),
    )


ACTIONS = ["tick", "change", "change", "cancel", "cancel", "resume", "resume", "withdraw"]
hours = st.one_of(
    st.just(0),  # at the same instant as the step before
    st.integers(1, 24 * 3),
    st.integers(1, 24 * 20),
    st.integers(1, 60 * 24 * 20).map(lambda m: m / 60),
)
steps = st.lists(
    st.tuples(
        hours,
        st.sampled_from(ACTIONS),
        st.integers(0, 2),
    ),
    min_size=1,
    max_size=8,
)
# REFERENCE_EXAMPLES=500 explores more timelines (the default keeps CI within minutes).
REFERENCE_SETTINGS = settings(
    max_examples=int(os.environ.get("REFERENCE_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _engine_plan(world: World, plan: RefPlan) -> Plan:
    return world.plan(
        plan.key,
        str(plan.base),
        margin_percent=plan.margin_percent,
        margin_fixed=plan.margin_fixed,
        interval_unit=UNITS[plan.unit],
        interval_count=plan.count,
        billing_anchor_day=plan.anchor_day,
        billing_timing=BillingTiming.ADVANCE if plan.advance else BillingTiming.ARREAR,
        trial_days=plan.trial_days,
        minimum_commitment_days=plan.commitment_days,
        notice_days=plan.notice_days,
        cancel_at_period_end=plan.at_period_end,
    )


def _engine_parts(world: World, subscription_id: int) -> list[tuple[datetime, datetime, int, Decimal]]:
    """Signed plan parts: charges (+1), credit positions (-1), credit note lines (-1)."""
    parts = []
    for position in world.session.scalars(
        select(OpenPosition).where(OpenPosition.subscription_id == subscription_id)
    ):
        ref = SourceRef.parse(position.source_ref)
        if ref.is_plan:
            sign = -1 if ref.is_credit else 1
            parts.append((position.period_start, position.period_end, sign, position.amount))
    statement = (
        select(CreditNoteLine, OpenPosition)
        .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
        .join(InvoiceLine, InvoiceLine.id == CreditNoteLine.invoice_line_id)
        .join(OpenPosition, OpenPosition.id == InvoiceLine.open_position_id)
        .where(OpenPosition.subscription_id == subscription_id)
    )
    for line, position in world.session.execute(statement):
        if SourceRef.parse(position.source_ref).is_plan:
            parts.append((line.period_start, line.period_end, -1, -line.net))
    return parts


def _coverage(
    parts: list[tuple[datetime, datetime, int, Decimal]], extra: set[datetime]
) -> list[tuple[datetime, datetime, int]]:
    """Signed count of charges over each piece between consecutive breakpoints."""
    points = sorted({p[0] for p in parts} | {p[1] for p in parts} | extra)
    return [
        (lo, hi, sum(sign for start, end, sign, _ in parts if start <= lo and hi <= end))
        for lo, hi in itertools.pairwise(points)
    ]


def _worth(parts: list[tuple[datetime, datetime, int, Decimal]], lo: datetime, hi: datetime) -> Decimal:
    """What the parts overlapping [lo, hi) charge for it, in absolute value."""
    worth = Decimal(0)
    for start, end, _, amount in parts:
        overlap = (min(end, hi) - max(start, lo)).total_seconds()
        if overlap > 0:
            worth += abs(amount) * Decimal(int(overlap)) / Decimal(int((end - start).total_seconds()))
    return worth


def _act(lifecycle: Lifecycle, action: str, subscription_id: int, plan_id: int, now: datetime) -> Any:
    if action == "change":
        return lifecycle.change_plan(subscription_id, plan_id, now)
    if action == "cancel":
        return lifecycle.cancel(subscription_id, now)
    if action == "resume":
        return lifecycle.resume(subscription_id, now)
    if action == "withdraw":
        return lifecycle.withdraw(subscription_id, now)
    return None


def play(world: World, plans: list[RefPlan], offset_minutes: int, timeline: list, tail_hours: int) -> None:
    zone = ZoneInfo(world.tenant.time_zone)
    engine_plans = {plan.key: _engine_plan(world, plan) for plan in plans}
    customer = world.customer(customer_type=CustomerType.PRIVATE, billing_day=7)
    world.at(YEAR_START + timedelta(minutes=offset_minutes))
    subscription = world.order(customer, engine_plans[plans[0].key])
    ref = Reference.order(plans[0], world.now, zone)
    assert subscription.trial_end == ref.trial_end
    lifecycle = world.lifecycle()

    for hours, action, which in timeline:
        world.at(world.now + timedelta(hours=hours))
        world.tick()  # the scheduler runs every minute: what is due happens first
        ref.catch_up(world.now)
        target = plans[which % len(plans)]
        expected_ok = {
            "tick": True,
            "change": ref.allows_change(target),
            "cancel": ref.cancel_refusal(world.now) is None,
            "resume": ref.allows_resume(world.now),
            "withdraw": ref.allows_withdrawal(world.now),
        }[action]
        try:
            result = _act(lifecycle, action, subscription.id, engine_plans[target.key].id, world.now)
        except DomainError as refused:
            assert not expected_ok, f"{action} at {world.now} refused: {refused}"
            continue
        assert expected_ok, f"{action} at {world.now} was accepted; the reference refuses it"
        if action == "change":
            ref.change(target, world.now)
        elif action == "cancel":
            assert result.cancel_effective_at == ref.cancel(world.now), "cancellation takes effect"
        elif action == "resume":
            ref.resume()
        elif action == "withdraw":
            ref.end_now(world.now)

    # Let it run on, then an admin ends whatever still runs, so every charge has its final amount.
    world.run_until(world.now + timedelta(hours=tail_hours))
    world.tick()
    ref.catch_up(world.now)
    if ref.live:
        lifecycle.cancel_immediately(subscription.id, world.now)
        ref.end_now(world.now)
    world.run_until(world.now + timedelta(days=40))

    parts = _engine_parts(world, subscription.id)
    charged = sum((amount for *_, amount in parts), Decimal(0))
    expected = ref.total()
    assert abs(charged - expected) <= HALF_CENT * max(len(parts), 1), (charged, expected, ref.segments)

    life = [(start, end) for start, end, _ in ref.segments]
    # Each moment of the life is charged exactly once, and nothing outside it, except where the
    # difference is worth less than half a cent (a credit that rounds to 0.00 is not booked).
    for lo, hi, count in _coverage(parts, {point for segment in life for point in segment}):
        inside = any(start <= lo and hi <= end for start, end in life)
        if count != (1 if inside else 0):
            worth = _worth(parts, lo, hi) + sum(
                (grid.cost(max(lo, s), min(hi, e)) for s, e, grid in ref.segments if s < hi and lo < e),
                Decimal(0),
            )
            assert worth < HALF_CENT, f"{lo} - {hi} charged {count} times; in the billable life: {inside}"


@REFERENCE_SETTINGS
@given(
    zone=st.sampled_from(ZONES),
    plans=st.tuples(ref_plans("p0"), ref_plans("p1"), ref_plans("p2")),
    offset_minutes=st.one_of(st.integers(0, 365 * 24 * 60), st.integers(0, 364).map(lambda d: d * 24 * 60)),
    timeline=steps,
    tail_hours=st.integers(1, 24 * 70),
)
def test_charges_equal_the_price_integrated_over_the_billable_life(
    session: Session,
    zone: str,
    plans: tuple[RefPlan, ...],
    offset_minutes: int,
    timeline: list,
    tail_hours: int,
) -> None:
    with clock.frozen(YEAR_START) as frozen:
        nested = session.begin_nested()
        try:
            play(World(session, frozen, time_zone=zone), list(plans), offset_minutes, timeline, tail_hours)
        finally:
            nested.rollback()
