"""Property-based tests over random timelines of orders, plan changes, cancellations and resumes."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock
from backend.billing.source_ref import SourceRef
from backend.invoicing import service as invoicing
from backend.kit.errors import DomainError
from backend.models import (
    BillingTiming,
    CreditNote,
    CreditNoteLine,
    IntervalUnit,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OpenPosition,
    PromotionBenefit,
    PromotionUse,
    SubscriptionStatus,
)
from tests.billing.world import World, utc

START = utc(2027, 1, 1, 9)
PROMOTIONS = {
    PromotionBenefit.AMOUNT_OFF: {"benefit": PromotionBenefit.AMOUNT_OFF, "amount_off": Decimal("12.00")},
    PromotionBenefit.PERCENT_OFF: {"benefit": PromotionBenefit.PERCENT_OFF, "percent_off": Decimal("25")},
    PromotionBenefit.FREE_DAYS: {"benefit": PromotionBenefit.FREE_DAYS, "free_days": 10},
    PromotionBenefit.FREE_PERIODS: {"benefit": PromotionBenefit.FREE_PERIODS, "free_periods": 2},
}
CENT = Decimal("0.01")

step = st.tuples(
    st.integers(min_value=1, max_value=24 * 45),  # hours until the action
    st.sampled_from(["tick", "tick", "tick", "change", "cancel", "resume", "void"]),
    st.integers(min_value=0, max_value=3),  # which plan / invoice
)
timelines = st.lists(step, min_size=1, max_size=12)
PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def build(session: Session, frozen: clock.FrozenClock, same_price: bool) -> tuple[World, list]:
    world = World(session, frozen)
    world.at(START)
    plans = [
        world.plan("alpha", "10.00"),
        world.plan("beta", "10.00" if same_price else "25.00"),
        world.plan("gamma", "10.00" if same_price else "7.50", billing_timing=BillingTiming.ARREAR),
        world.plan("delta", "10.00" if same_price else "99.00", interval_unit=IntervalUnit.YEAR),
    ]
    return world, plans


def play(world: World, plans: list, timeline: list[tuple[int, str, int]], promotion_code: str = "") -> tuple:
    customer = world.customer(billing_day=5)
    subscription = world.order(customer, plans[0], promotion_code=promotion_code)
    lifecycle = world.lifecycle()
    for hours, action, which in timeline:
        world.at(world.now + timedelta(hours=hours))
        try:
            if action == "tick":
                world.tick()
                counts = _counts(world)
                world.tick()  # running any job again at any moment adds nothing
                assert _counts(world) == counts
            elif action == "change":
                lifecycle.change_plan(subscription.id, plans[which].id, world.now)
            elif action == "cancel":
                lifecycle.cancel(subscription.id, world.now)
            elif action == "resume":
                lifecycle.resume(subscription.id, world.now)
            elif action == "void":
                issued = [
                    i for i in world.invoices() if i.status in (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE)
                ]
                if issued:
                    invoicing.void_invoice(
                        world.session,
                        world.scope,
                        issued[which % len(issued)].id,
                        "test",
                        world.now,
                        actor=world.admin,
                    )
        except DomainError:
            pass  # refused transitions change nothing; the invariants below still hold
    world.tick()
    return customer, subscription


def _counts(world: World) -> tuple[int, int, int]:
    session, tenant = world.session, world.scope.tenant_id
    return tuple(
        int(session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant)) or 0)
        for model in (OpenPosition, Invoice, CreditNote)
    )


def plan_parts(world: World, subscription) -> list[tuple[datetime, datetime, int, Decimal]]:
    """Signed plan charges of a subscription: charges, credit positions and credit note lines."""
    parts = []
    for p in world.positions(subscription):
        ref = SourceRef.parse(p.source_ref)
        if ref.is_plan:
            parts.append((p.period_start, p.period_end, -1 if ref.is_credit else 1, p.amount))
    statement = (
        select(CreditNoteLine, OpenPosition)
        .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
        .join(InvoiceLine, InvoiceLine.id == CreditNoteLine.invoice_line_id)
        .join(OpenPosition, OpenPosition.id == InvoiceLine.open_position_id)
        .where(OpenPosition.subscription_id == subscription.id)
    )
    for line, position in world.session.execute(statement):
        if SourceRef.parse(position.source_ref).is_plan:
            parts.append((line.period_start, line.period_end, -1, -line.net))
    return parts


def coverage(parts: list[tuple[datetime, datetime, int, Decimal]]) -> list[tuple[datetime, datetime, int]]:
    """Signed coverage between consecutive breakpoints: charges +1, credits -1."""
    points = sorted({start for start, _, _, _ in parts} | {end for _, end, _, _ in parts})
    return [
        (lo, hi, sum(sign for start, end, sign, _ in parts if start <= lo and hi <= end))
        for lo, hi in itertools.pairwise(points)
    ]


@PROPERTY_SETTINGS
@given(timeline=timelines)
def test_billed_periods_never_overlap_and_leave_no_gap(session: Session, timeline: list) -> None:
    with clock.frozen(START) as frozen:
        world, plans = build(session, frozen, same_price=False)
        no_voids = [
            (hours, "tick" if action == "void" else action, which) for hours, action, which in timeline
        ]
        _, subscription = play(world, plans, no_voids)
        segments = coverage(plan_parts(world, subscription))
        assert all(count in (0, 1) for _, _, count in segments), segments
        covered = [(lo, hi) for lo, hi, count in segments if count == 1]
        if subscription.status != SubscriptionStatus.CANCELED and subscription.cancel_requested_at is None:
            # While it runs, everything from the first charge to the last is covered exactly once.
            assert all(
                count == 1 for lo, hi, count in segments if covered[0][0] <= lo and hi <= covered[-1][1]
            )


@PROPERTY_SETTINGS
@given(timeline=timelines)
def test_prorated_parts_add_up_to_the_full_period_price(session: Session, timeline: list) -> None:
    with clock.frozen(START) as frozen:
        world, plans = build(session, frozen, same_price=True)
        # Two monthly advance plans on one period grid (a change of timing or interval restarts
        # the grid, which the other properties cover).
        monthly_only = [(h, "tick" if a == "void" else a, w % 2) for h, a, w in timeline]
        _, subscription = play(world, plans, monthly_only)
        parts = plan_parts(world, subscription)
        # Every plan costs 10.00 a month: the signed charges must equal 10.00 per month of covered
        # time (prorated by the second), up to one cent of rounding per line.
        exact = Decimal(0)
        for start, end, sign, _ in parts:
            exact += sign * Decimal("10.00") * _share_of_month(world, start, end)
        total = sum((amount for _, _, _, amount in parts), Decimal(0))
        assert abs(total - exact) <= CENT * len(parts), (total, exact)


def _share_of_month(world: World, start: datetime, end: datetime) -> Decimal:
    """Seconds-exact share of the monthly period(s) of the subscription grid that [start, end) covers."""
    from backend.billing.proration import prorate
    from backend.periods import Interval, Schedule

    schedule = Schedule(START, Interval(IntervalUnit.MONTH), world.tenant.time_zone)
    share = Decimal(0)
    index = schedule.index_at(start)
    while schedule.boundary(index) < end:
        full = schedule.period(index)
        part = full.overlap(start, end)
        if part is not None:
            share += prorate(part, full)
        index += 1
    return share


@PROPERTY_SETTINGS
@given(timeline=timelines, benefit=st.sampled_from(list(PromotionBenefit)))
def test_every_invoice_adds_up_and_a_void_nets_to_zero(
    session: Session, timeline: list, benefit: PromotionBenefit
) -> None:
    with clock.frozen(START) as frozen:
        world, plans = build(session, frozen, same_price=False)
        world.promotion("PROMO", **PROMOTIONS[benefit])
        play(world, plans, timeline, promotion_code="PROMO")
        world.run_until(world.now + timedelta(days=35))
        for invoice in world.invoices():
            lines = world.lines(invoice)
            assert sum((line.net for line in lines), Decimal(0)) == invoice.net
            assert sum((line.tax for line in lines), Decimal(0)) == invoice.tax
            assert invoice.net + invoice.tax == invoice.gross
            assert all(line.net + line.tax == line.gross for line in lines)
            notes = list(world.session.scalars(select(CreditNote).where(CreditNote.invoice_id == invoice.id)))
            if invoice.status == InvoiceStatus.VOID:
                assert sum((n.gross for n in notes), Decimal(0)) == invoice.gross
                assert invoice.balance_due == 0
            assert invoice.gross >= 0
            for note in notes:  # a credit note names its invoice
                assert note.invoice_id == invoice.id and note.number.startswith(f"{invoice.number}-CN")
        # Numbers are gapless per year in order of issue.
        issued = sorted(world.invoices(), key=lambda i: (i.issued_at, i.id))
        by_year: dict[str, list[int]] = {}
        for invoice in issued:
            _, year, sequence = invoice.number.split("-")
            by_year.setdefault(year, []).append(int(sequence))
        assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in by_year.values())
        # A void gives back exactly what the invoice used of the promotion.
        for use in world.session.scalars(
            select(PromotionUse).where(PromotionUse.tenant_id == world.scope.tenant_id)
        ):
            invoice = world.session.get(Invoice, use.invoice_id)
            assert (use.returned_at is not None) == (invoice.status == InvoiceStatus.VOID)
