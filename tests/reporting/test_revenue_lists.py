"""The lists behind the revenue figures hold exactly the rows the figure sums (revenue_world.py),
one page at a time, on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from backend import clock
from backend.kit.errors import FieldErrors
from backend.kit.policy import Actor
from backend.reporting import revenue
from backend.reporting.analytics.repository import ListedPage
from backend.reporting.revenue import Drill
from backend.reporting.revenue_schemas import RevenueQuery
from tests.reporting.revenue_world import NOW, RevenueWorld, build_world

SPRING = RevenueQuery("EUR", date(2026, 3, 1), date(2026, 5, 31), "month")


@pytest.fixture
def world(session: Session) -> Iterator[RevenueWorld]:
    with clock.frozen(NOW):
        yield build_world(session)


def _drill(
    session: Session, world: RevenueWorld, drill: Drill, limit: int = 25, offset: int = 0
) -> ListedPage:
    admin = Actor.admin(world.scope.tenant_id)
    return revenue.drill_down(session, world.scope, admin, SPRING, drill, limit=limit, offset=offset)


def test_a_month_of_turnover_lists_its_invoices_newest_first(session: Session, world: RevenueWorld) -> None:
    found = _drill(session, world, Drill("turnover", "2026-03-01"))
    assert found.total == 2
    assert [(i.reference, i.customer, i.amount, i.second_amount) for i in found.items] == [
        ("I2", "Beta", Decimal("200.00"), Decimal("200.00")),
        ("I1", "Alpha", Decimal("100.00"), Decimal("119.00")),
    ]


def test_a_country_lists_invoices_and_credit_notes_page_by_page(
    session: Session, world: RevenueWorld
) -> None:
    first = _drill(session, world, Drill("country", "DE"), limit=3)
    second = _drill(session, world, Drill("country", "DE"), limit=3, offset=3)
    assert (first.total, second.total) == (4, 4)
    # newest first: CN of I1 (10 May), CN of I3 (16 Apr), I3 (15 Apr), I1 (2 Mar); credits negative
    assert [(i.reference, i.amount) for i in first.items + second.items] == [
        ("I1-CN1", Decimal("-20.00")),
        ("I3-CN1", Decimal("-50.00")),
        ("I3", Decimal("50.00")),
        ("I1", Decimal("100.00")),
    ]
    assert sum(i.amount for i in first.items + second.items) == Decimal("80.00")  # the figure


def test_an_ageing_bucket_lists_its_unpaid_invoices(session: Session, world: RevenueWorld) -> None:
    found = _drill(session, world, Drill("receivables", "61-90"))
    assert [(i.reference, i.amount) for i in found.items] == [("I2", Decimal("200.00"))]


def test_a_movement_lists_the_customers_behind_it(session: Session, world: RevenueWorld) -> None:
    churn = _drill(session, world, Drill("movement", "2026-04", "churn"))
    # Gamma's Weekly plan (13.00 a month) ended 20 Apr: opening 13.00, closing 0
    assert [(i.customer, i.amount, i.second_amount) for i in churn.items] == [
        ("Gamma", Decimal("0.00"), Decimal("13.00"))
    ]
    may = {k: _drill(session, world, Drill("movement", "2026-05", k)).items for k in ("new", "reactivation")}
    assert [i.customer for i in may["new"]] == ["Delta"]
    assert [i.customer for i in may["reactivation"]] == ["Epsilon"]


def test_a_plan_lists_its_paying_subscriptions(session: Session, world: RevenueWorld) -> None:
    found = _drill(session, world, Drill("plan", str(world.plans["basic"])))
    assert sorted((i.reference, i.amount) for i in found.items) == [
        ("S1", Decimal("10.00")),
        ("S6", Decimal("10.00")),
    ]


def test_a_month_of_refunds_lists_them(session: Session, world: RevenueWorld) -> None:
    found = _drill(session, world, Drill("volume", "2026-05", "refunds"))
    assert [(i.reference, i.amount) for i in found.items] == [("re_1", Decimal("23.80"))]
    lost = _drill(session, world, Drill("volume", "2026-05", "disputes lost"))
    assert [(i.reference, i.amount) for i in lost.items] == [("dp_1", Decimal("60.00"))]


def test_a_figure_that_does_not_exist_is_refused(session: Session, world: RevenueWorld) -> None:
    with pytest.raises(FieldErrors):
        _drill(session, world, Drill("movement", "2026-04", "bogus"))
    with pytest.raises(FieldErrors):
        _drill(session, world, Drill("movement", "2019-01", "churn"))
