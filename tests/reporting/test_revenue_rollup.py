"""The daily turnover rollup (backend/invoicing/daily_rollup.py) changes no figure: the report's
turnover, read from the rollup for rolled-up days and from the documents for the rest, equals the
hand-computed figures of revenue_world.py (the same assertions as test_revenue_figures.py, run
again on a rolled-up world), with the rollup full up to "now" and with a gap of days it has not
reached; and the rollup's own rows are the documents' sums, computed by hand here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, select
from sqlmodel import Session

from backend import clock
from backend.invoicing import daily_rollup
from backend.invoicing.tasks import REVENUE_ROLLUP
from backend.kit.repository import TenantScope
from backend.models import RevenueDaily, RevenueRollupMark, TaxMode, Tenant
from backend.reporting.revenue_schemas import RevenueQuery
from tests.reporting import test_revenue_figures as by_hand
from tests.reporting.revenue_world import NOW, RevenueWorld, build_world

# Rolled up to: "now" (every closed day, 14 Jun), and 16 Apr 12:00 (days up to 15 Apr: I3 is in
# the rollup, its credit note CN1 of 16 Apr and everything later is read from the documents).
FULL = NOW
PARTIAL = datetime(2026, 4, 16, 12, 0, tzinfo=UTC)


def _rolled_world(session: Session, rolled_at: datetime) -> RevenueWorld:
    with clock.frozen(NOW):
        world = build_world(session)
    daily_rollup.roll_up_closed_days(session, world.scope, rolled_at)
    session.flush()
    return world


@pytest.fixture(params=[FULL, PARTIAL], ids=["full", "gap"])
def world(request: pytest.FixtureRequest, session: Session) -> Iterator[RevenueWorld]:
    world = _rolled_world(session, request.param)
    with clock.frozen(NOW):
        yield world


def test_monthly_turnover_with_the_rollup(session: Session, world: RevenueWorld) -> None:
    by_hand.test_monthly_turnover_is_issued_invoices_minus_credit_notes(session, world)


def test_weekly_and_daily_turnover_with_the_rollup(session: Session, world: RevenueWorld) -> None:
    by_hand.test_weekly_and_daily_turnover_bucket_by_monday_and_by_day(session, world)


def test_countries_and_tax_modes_with_the_rollup(session: Session, world: RevenueWorld) -> None:
    by_hand.test_turnover_by_country_and_tax_mode(session, world)


def test_another_currency_with_the_rollup(session: Session, world: RevenueWorld) -> None:
    by_hand.test_another_currency_has_its_own_figures(session, world)


def _rows(session: Session, world: RevenueWorld) -> dict[tuple[date, str], tuple[object, ...]]:
    rows = session.scalars(select(RevenueDaily).where(RevenueDaily.tenant_id == world.scope.tenant_id))
    return {
        (r.day, r.currency): (
            r.buyer_country,
            r.tax_mode,
            r.invoiced_net,
            r.invoiced_gross,
            r.credited_net,
            r.credited_gross,
            r.invoices,
            r.credit_notes,
        )
        for r in rows
    }


def _mark(session: Session, world: RevenueWorld) -> date | None:
    return session.scalar(
        select(RevenueRollupMark.rolled_until).where(RevenueRollupMark.tenant_id == world.scope.tenant_id)
    )


def test_the_rollup_holds_each_closed_day_once_and_a_second_run_changes_nothing(session: Session) -> None:
    world = _rolled_world(session, PARTIAL)
    d = Decimal
    domestic, de = TaxMode.DOMESTIC, "DE"
    # Closed days at 16 Apr 12:00 are 15 Feb (the first document, I9) to 15 Apr; the draft I6 is not a
    # document. One row per day with documents, the other tenant's 10 Mar invoice not among them.
    expected = {
        (date(2026, 2, 15), "EUR"): (de, domestic, d("25.21"), d("30.00"), d(0), d(0), 1, 0),  # I9
        (date(2026, 2, 27), "EUR"): (de, domestic, d("10.00"), d("11.90"), d(0), d(0), 1, 0),  # I5
        (date(2026, 3, 2), "EUR"): (de, domestic, d("100.00"), d("119.00"), d(0), d(0), 1, 0),  # I1
        (date(2026, 3, 31), "EUR"): (
            "AT",
            TaxMode.REVERSE_CHARGE,
            d("200.00"),
            d("200.00"),
            d(0),
            d(0),
            1,
            0,
        ),
        (date(2026, 4, 15), "EUR"): (de, domestic, d("50.00"), d("59.50"), d(0), d(0), 1, 0),  # I3
    }
    rows = _rows(session, world)
    usd = rows.pop((date(2026, 4, 1), "USD"))  # I7
    assert (usd[2], usd[6], usd[7]) == (d("500.00"), 1, 0), usd
    assert rows == expected
    assert _mark(session, world) == date(2026, 4, 16)
    # The next run the same day finds nothing; one the next day adds 16 Apr (CN1 of I3's 50.00 / 59.50).
    assert REVENUE_ROLLUP.find_units(session, world.scope, PARTIAL) == []
    assert daily_rollup.roll_up_closed_days(session, world.scope, PARTIAL) == 0
    later = datetime(2026, 4, 17, 0, 0, tzinfo=UTC)
    assert REVENUE_ROLLUP.find_units(session, world.scope, later) == ["closed-days"]
    assert REVENUE_ROLLUP.run_unit(session, world.scope, "closed-days", later) == 1
    session.flush()
    rows = _rows(session, world)
    assert rows[(date(2026, 4, 16), "EUR")] == (de, domestic, d(0), d(0), d("50.00"), d("59.50"), 0, 1)
    assert len(rows) == len(expected) + 2
    assert _mark(session, world) == date(2026, 4, 17)


def test_the_report_reads_rolled_up_days_from_the_rollup(session: Session) -> None:
    """Not from the documents: with I1's day (2 Mar) taken out of the rollup, March loses I1."""
    world = _rolled_world(session, FULL)
    session.execute(
        delete(RevenueDaily).where(
            RevenueDaily.tenant_id == world.scope.tenant_id, RevenueDaily.day == date(2026, 3, 2)
        )
    )
    with clock.frozen(NOW):
        report = by_hand._report(
            session, world, RevenueQuery("EUR", date(2026, 3, 1), date(2026, 3, 31), "month")
        )
    assert [(p.bucket, p.net, p.invoices) for p in report.turnover] == [
        ("2026-03-01", "200.00", 1)
    ]  # I2 only


def test_each_tenant_is_rolled_up_on_its_own(session: Session) -> None:
    world = _rolled_world(session, FULL)
    other = session.scalars(select(Tenant).where(Tenant.slug == "revenue-other")).one()
    scope = TenantScope(other.id)  # type: ignore[arg-type]
    # Its first document is its 999.00 invoice of 10 Mar: 10 Mar to 14 Jun are 97 closed days.
    assert daily_rollup.roll_up_closed_days(session, scope, NOW) == 97
    session.flush()
    rows = session.scalars(select(RevenueDaily).where(RevenueDaily.tenant_id == other.id)).all()
    assert [(r.day, r.invoiced_net, r.invoices) for r in rows] == [(date(2026, 3, 10), Decimal("999.00"), 1)]
    assert all(day != date(2026, 3, 10) for day, _ in _rows(session, world))  # not in the world's rollup
