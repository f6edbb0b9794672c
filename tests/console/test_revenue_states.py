"""The revenue page and the overview's MRR trend as their states run them, on tenant A of the
identity world holding the hand-computed revenue world (tests/reporting/revenue_world.py: "now" is
15 June 2026; its docstring has every figure). Handlers are called directly, as a websocket
message would call them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import billing_console.billing_console  # noqa: F401 - registers every page state
from backend import clock
from backend.db import unit_of_work
from backend.gateway.revenue import rows_csv
from billing_console.state.revenue import MrrTrendState, RevenueState
from tests.conftest import IdentityWorld
from tests.console.test_admin_pages import page_state
from tests.console.test_identity_states import redirects, run
from tests.reporting.revenue_world import NOW, populate

pytestmark = pytest.mark.redis


@pytest.fixture
def revenue_world(identity_world: IdentityWorld) -> Iterator[IdentityWorld]:
    with clock.frozen(NOW):
        with unit_of_work(identity_world.engine) as session:
            tenant_id = identity_world.a_admin.tenant_id
            populate(session, tenant_id, tag=f"_{tenant_id}")
        yield identity_world


def test_the_admin_reads_the_report_changes_the_range_and_opens_a_list(revenue_world: IdentityWorld) -> None:
    world = revenue_world
    page = page_state(RevenueState, world, world.a_admin, "/admin/revenue")
    run(RevenueState.load.fn, page)
    # The last twelve months up to today, by month: MRR of the running month is May's 49.30.
    assert (page.first_day, page.last_day, page.grain) == ("2025-07-01", "2026-06-15", "month")
    assert (page.loading, page.problem, page.mrr[-1].month, page.mrr[-1].mrr) == (
        False,
        "",
        "2026-06",
        "49.30",
    )

    assert page.currencies == ["EUR", "USD"]  # the tenant's default and its plans' currencies
    run(RevenueState.use_preset.fn, page, "3")
    assert (page.first_day, page.last_day, [p.month for p in page.mrr]) == (
        "2026-04-01",
        "2026-06-15",
        ["2026-04", "2026-05", "2026-06"],
    )

    run(RevenueState.apply_range.fn, page, {"first_day": "2026-03-01", "last_day": "2026-05-31"})
    assert [(p.bucket, p.net) for p in page.turnover] == [
        ("2026-03-01", "300.00"),
        ("2026-04-01", "0.00"),
        ("2026-05-01", "10.00"),
    ]
    assert rows_csv(page.turnover).splitlines()[1] == "2026-03-01,300.00,319.00,0.00,0.00,300.00,319.00,2,0"

    run(RevenueState.toggle_table.fn, page, "mrr")
    assert page.tables == ["mrr"]
    run(RevenueState.open_drill.fn, page, "movement", "2026-04", "churn", "Churn in 2026-04")
    assert [(r.customer, r.amount, r.second_amount) for r in page.drill_rows] == [
        ("Gamma", "0.00 EUR", "13.00 EUR")
    ]
    assert (page.drill_total, page.drill_range) == (1, "1–1 of 1")

    run(RevenueState.apply_range.fn, page, {"first_day": "2026-05-31", "last_day": "2026-03-01"})
    assert page.problem == "The range must end on or after its first day."
    # The page holds aggregates only: far below the 100 KB a state may weigh.
    assert len(json.dumps(page.dict(), default=str)) < 100 * 1024


def test_the_overview_shows_twelve_months_of_mrr(revenue_world: IdentityWorld) -> None:
    world = revenue_world
    trend = page_state(MrrTrendState, world, world.a_admin, "/admin")
    run(MrrTrendState.load.fn, trend)
    # July 2025 to June 2026: Alpha 10 and Gamma 13 (from February) ... 49.30 since May.
    assert [p.month for p in trend.points][:2] == ["2025-07", "2025-08"]
    assert [p.mrr for p in trend.points][-4:] == ["43.00", "34.00", "49.30", "49.30"]
    assert trend.latest_mrr == "49.30 EUR"


def test_a_customer_gets_no_revenue(revenue_world: IdentityWorld) -> None:
    world = revenue_world
    page = page_state(RevenueState, world, world.a_customer, "/admin/revenue")
    assert redirects(run(RevenueState.load.fn, page)) == ["/dashboard"]
    assert page.mrr == [] and page.turnover == []
    trend = page_state(MrrTrendState, world, world.a_customer, "/admin")
    assert redirects(run(MrrTrendState.load.fn, trend)) == ["/dashboard"]
    assert trend.points == []
