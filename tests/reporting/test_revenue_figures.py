"""Every figure of the revenue report equals the value computed by hand from the world in
revenue_world.py (read its docstring first), on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import Session

from backend import clock
from backend.kit.errors import FieldErrors
from backend.kit.policy import Actor
from backend.reporting import revenue
from backend.reporting.revenue_schemas import (
    MrrPoint,
    RevenueQuery,
    RevenueReport,
    ShareRow,
    TurnoverPoint,
    VolumePoint,
)
from tests.reporting.revenue_world import NOW, RevenueWorld, build_world

SPRING = RevenueQuery("EUR", date(2026, 3, 1), date(2026, 5, 31), "month")


@pytest.fixture
def world(session: Session) -> Iterator[RevenueWorld]:
    with clock.frozen(NOW):
        yield build_world(session)


def _report(session: Session, world: RevenueWorld, query: RevenueQuery = SPRING) -> RevenueReport:
    return revenue.revenue_report(session, world.scope, Actor.admin(world.scope.tenant_id), query)


def test_monthly_turnover_is_issued_invoices_minus_credit_notes(
    session: Session, world: RevenueWorld
) -> None:
    assert _report(session, world).turnover == [
        # March: I1 100.00 / 119.00 + I2 200.00 / 200.00 (31 Mar 23:30 UTC is still March)
        TurnoverPoint("2026-03-01", "300.00", "319.00", "0.00", "0.00", "300.00", "319.00", 2, 0),
        # April: the void I3 50.00 / 59.50, taken back by its credit note: 0
        TurnoverPoint("2026-04-01", "50.00", "59.50", "50.00", "59.50", "0.00", "0.00", 1, 1),
        # May: I4 30.00 / 36.00 - I1's credit note 20.00 / 23.80 = 10.00 / 12.20
        TurnoverPoint("2026-05-01", "30.00", "36.00", "20.00", "23.80", "10.00", "12.20", 1, 1),
    ]


def test_weekly_and_daily_turnover_bucket_by_monday_and_by_day(session: Session, world: RevenueWorld) -> None:
    weekly = _report(
        session, world, RevenueQuery("EUR", date(2026, 3, 1), date(2026, 5, 31), "week")
    ).turnover
    # I1 Mon 2 Mar; I2 Tue 31 Mar -> week of Mon 30 Mar; I3 Wed 15 Apr and CN1 Thu 16 Apr -> 13 Apr;
    # I4 Wed 6 May and CN2 Sun 10 May -> the week of Mon 4 May (a Sunday ends its week)
    assert [(p.bucket, p.net, p.gross) for p in weekly] == [
        ("2026-03-02", "100.00", "119.00"),
        ("2026-03-30", "200.00", "200.00"),
        ("2026-04-13", "0.00", "0.00"),
        ("2026-05-04", "10.00", "12.20"),  # 30.00 - 20.00, 36.00 - 23.80
    ]
    daily = _report(session, world, RevenueQuery("EUR", date(2026, 4, 1), date(2026, 5, 31), "day")).turnover
    assert [(p.bucket, p.net) for p in daily] == [
        ("2026-04-15", "50.00"),
        ("2026-04-16", "-50.00"),
        ("2026-05-06", "30.00"),
        ("2026-05-10", "-20.00"),
    ]


def test_mrr_waterfall_churn_and_arpa_per_month(session: Session, world: RevenueWorld) -> None:
    march, april, may = _report(session, world).mrr
    # 1 Mar: Alpha 10 + Gamma 13 (3.00 x 52 / 12) = 23. 1 Apr: + Beta's Pro 240 / 12 = 20 (new) = 43.
    assert march == MrrPoint(
        "2026-03",
        "43.00",
        "516.00",
        3,
        "14.33",
        "20.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "20.00",
        0,
        "0.0",
        "0.0",
    )  # ARR 43 x 12 = 516; ARPA 43 / 3 = 14.333; no churn of 2 customers or 23.00
    # 1 May: Alpha 10 + backup 2 x 2.00 = 14 (expansion 4), Beta 20, Gamma canceled 20 Apr (churn 13) = 34
    assert april == MrrPoint(
        "2026-04",
        "34.00",
        "408.00",
        2,
        "17.00",
        "0.00",
        "4.00",
        "0.00",
        "13.00",
        "0.00",
        "-9.00",
        1,
        "33.3",
        "30.2",
    )  # net new 4 - 13 = -9; customer churn 1 / 3 = 33.3 %; revenue churn 13 / 43 = 30.23 %
    # 1 Jun: Alpha 10 + 1 x 2.00 = 12 (contraction 2); Beta 20; Delta's trial ended 10 May: 0.01 x 730
    # = 7.30 (new); Epsilon again since 3 May (reactivation 10): 12 + 20 + 7.30 + 10 = 49.30
    assert may == MrrPoint(
        "2026-05",
        "49.30",
        "591.60",
        4,
        "12.33",
        "7.30",
        "0.00",
        "2.00",
        "0.00",
        "10.00",
        "15.30",
        0,
        "0.0",
        "5.9",
    )  # ARR 49.30 x 12 = 591.60; ARPA 49.30 / 4 = 12.325 -> 12.33; 7.30 + 10 - 2 = 15.30; 2 / 34 = 5.88 %


def test_mrr_by_plan_at_the_end_of_the_range(session: Session, world: RevenueWorld) -> None:
    # Basic: Alpha's S1 and Epsilon's S6 (10 + 10); Hourly: Delta 7.30; Pro: Beta 20; Weekly ended.
    assert _report(session, world).by_plan == [
        ShareRow(str(world.plans["basic"]), "Basic", "20.00", "", 2),
        ShareRow(str(world.plans["hourly"]), "Hourly", "7.30", "", 1),
        ShareRow(str(world.plans["pro"]), "Pro", "20.00", "", 1),
    ]


def test_turnover_by_country_and_tax_mode(session: Session, world: RevenueWorld) -> None:
    report = _report(session, world)
    # DE: I1 100 - CN 20 + I3 50 - CN 50 = 80.00 net; 119 - 23.80 + 59.50 - 59.50 = 95.20 gross; 4 documents
    assert report.by_country == [
        ShareRow("AT", "AT", "200.00", "200.00", 1),
        ShareRow("DE", "DE", "80.00", "95.20", 4),
        ShareRow("FR", "FR", "30.00", "36.00", 1),
    ]
    assert sorted(report.by_tax_mode, key=lambda r: r.key) == [
        ShareRow("domestic", "Domestic VAT", "80.00", "95.20", 4),
        ShareRow("eu_b2c", "EU consumers (OSS)", "30.00", "36.00", 1),
        ShareRow("reverse_charge", "EU reverse charge", "200.00", "200.00", 1),
    ]


def test_receivables_by_days_past_due_on_15_june(session: Session, world: RevenueWorld) -> None:
    report = _report(session, world)
    # I8 due 29 Jun: not due; I4 due 20 May: 26 days; I9 due 1 May: 45; I2 due 14 Apr: 62; I5 13 Mar: 94
    assert report.receivables == [
        ShareRow("not yet due", "not yet due", "47.60", "", 1),
        ShareRow("0-30", "0-30", "36.00", "", 1),
        ShareRow("31-60", "31-60", "15.00", "", 1),
        ShareRow("61-90", "61-90", "200.00", "", 1),
        ShareRow("over 90", "over 90", "11.90", "", 1),
    ]
    assert report.open_total == "310.50"  # 47.60 + 36 + 15 + 200 + 11.90
    assert report.overdue_total == "262.90"  # 310.50 - 47.60


def test_card_volume_refunds_disputes_and_payouts_per_month(session: Session, world: RevenueWorld) -> None:
    assert _report(session, world).volume == [
        VolumePoint("2026-03", "119.00", "0.00", "0.00", "0.00", "119.00", "100.00"),
        # the failed 50.00 and the failed payout are not money
        VolumePoint("2026-04", "60.00", "0.00", "60.00", "0.00", "60.00", "0.00"),
        # net: 0 - refund 23.80 - the dispute lost on 15 May 60.00 = -83.80
        VolumePoint("2026-05", "0.00", "23.80", "10.00", "60.00", "-83.80", "40.00"),
    ]


def test_another_currency_has_its_own_figures(session: Session, world: RevenueWorld) -> None:
    report = _report(session, world, RevenueQuery("USD", date(2026, 3, 1), date(2026, 5, 31), "month"))
    assert report.currencies == ["EUR", "USD"]
    assert [(p.bucket, p.net) for p in report.turnover] == [("2026-04-01", "500.00")]
    assert [p.mrr for p in report.mrr] == ["50.00", "50.00", "50.00"]  # Beta's Dollar plan since 1 Jan


def test_a_range_ending_before_it_starts_is_refused(session: Session, world: RevenueWorld) -> None:
    with pytest.raises(FieldErrors):
        _report(session, world, RevenueQuery("EUR", date(2026, 5, 1), date(2026, 4, 1), "month"))
    with pytest.raises(FieldErrors):
        _report(session, world, RevenueQuery("EUR", date(2026, 1, 1), date(2026, 5, 1), "day"))


def test_the_mrr_trend_ends_with_the_running_month(session: Session, world: RevenueWorld) -> None:
    with clock.frozen(NOW):
        trend = revenue.mrr_trend(session, world.scope, Actor.admin(world.scope.tenant_id), "EUR", months=4)
    # Mar 43, Apr 34, May 49.30 as above; June up to now (15 Jun): unchanged 49.30
    assert [(p.month, p.mrr) for p in trend] == [
        ("2026-03", "43.00"),
        ("2026-04", "34.00"),
        ("2026-05", "49.30"),
        ("2026-06", "49.30"),
    ]
