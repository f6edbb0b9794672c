"""The isolation table of the revenue analytics (backend/reporting/revenue.py): called in B's scope,
each shows B's own billing only. B's one invoice (INV-2027-00001, paid at T0) and B's one paying
customer on its yearly plan; A has more of each in the same months.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from backend.models import CustomerAccount, Invoice
from backend.reporting import revenue
from backend.reporting.analytics.repository import RevenueFigures, RevenueLists
from backend.reporting.mrr.repository import MrrFigures
from backend.reporting.revenue_schemas import RevenueQuery
from tests.isolation.probes import Probe
from tests.isolation.repository_probes import R
from tests.isolation.service_probes import S
from tests.isolation.world import NOW, Side

QUERY = RevenueQuery("EUR", date(2027, 1, 1), date(2027, 3, 10), "month")


def _b_sold_one_invoice(result: Any, b: Side, session: Session) -> None:
    invoices = sum(point.invoices for point in result.turnover)
    credits = sum(point.credit_notes for point in result.turnover)
    assert (invoices, credits) == (1, 0), f"tenant B's turnover counts {invoices} invoices, {credits} credits"
    assert [row.label for row in result.by_plan] == ["B-Yearly"], result.by_plan
    assert result.mrr[-1].customers == 1, result.mrr


def _b_documents(result: Any, b: Side, session: Session) -> None:
    assert [item.reference for item in result.items] == ["INV-2027-00001"], result.items
    assert result.total == 1


def _one_paying_customer(result: Any, b: Side, session: Session) -> None:
    assert result[-1].customers == 1, result


REVENUE_PROBES: list[Probe] = [
    S(
        revenue.revenue_report,
        lambda s, me, a: revenue.revenue_report(s, me.scope, me.actor, QUERY),
        _b_sold_one_invoice,
    ),
    S(
        revenue.drill_down,
        lambda s, me, a: revenue.drill_down(
            s, me.scope, me.actor, QUERY, revenue.Drill("country", "DE"), limit=25, offset=0
        ),
        _b_documents,
    ),
    S(
        revenue.mrr_trend,
        lambda s, me, a: revenue.mrr_trend(s, me.scope, me.actor, "EUR"),
        _one_paying_customer,
    ),
]


# --- the repositories behind them: B's scope, A's ids where an id is taken ---------------------
START, END = datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 3, 11, tzinfo=UTC)
SNAPSHOTS = [datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC), NOW]


def _one_document(result: Any, b: Side, session: Session) -> None:
    assert sum(cell.totals.invoices for cell in result) == 1, result
    assert sum(cell.totals.credit_notes for cell in result) == 0, result


def _listed(expected: list[str]) -> Any:
    def check(result: Any, b: Side, session: Session) -> None:
        assert [item.reference for item in result.items] == expected, result
        assert result.total == len(expected)

    return check


def _own_customers(result: Any, b: Side, session: Session) -> None:
    owners = {session.get(CustomerAccount, item.object_id).tenant_id for item in result.items}  # type: ignore[union-attr]
    assert owners <= {b.tenant_id}, f"tenant B got customers of another tenant: {result}"


def _b_volume(result: Any, b: Side, session: Session) -> None:
    # B's one invoice was paid at T0 (2027-01-04); A's refunds, disputes and payouts are not B's.
    assert {kind for kind, _ in result} <= {"payments"}, result
    assert sum(n for _, n in result.values()) <= 1, result


def _b_paying(result: Any, b: Side, session: Session) -> None:
    assert [m.customers for m in result] == [1, 1], result


def _paid_invoices_of_b(result: Any, b: Side, session: Session) -> None:
    owners = {session.get(Invoice, item.object_id).tenant_id for item in result.items if item.object_id}  # type: ignore[union-attr]
    assert owners <= {b.tenant_id}, f"tenant B got payments of another tenant: {result}"


def _plans_are(result: Any, names: list[str]) -> None:
    assert [row.plan_name for row in result] == names, result


REVENUE_REPOSITORY_PROBES: list[Probe] = [
    R(RevenueFigures.turnover_cube, lambda s, me, a: ("EUR", START, END, "month"), _one_document),
    R(RevenueFigures.receivables, lambda s, me, a: ("EUR", NOW)),  # nothing of B is due at NOW
    R(RevenueFigures.volume, lambda s, me, a: ("EUR", START, END), _b_volume),
    R(MrrFigures.mrr_movement, lambda s, me, a: ("EUR", SNAPSHOTS), _b_paying),
    R(MrrFigures.mrr_by_plan, lambda s, me, a: ("EUR", NOW), lambda r, b, s: _plans_are(r, ["B-Yearly"])),
    R(
        RevenueLists.documents,
        lambda s, me, a: {"currency": "EUR", "start": START, "end": END, "limit": 25, "offset": 0},
        _listed(["INV-2027-00001"]),
    ),
    R(
        RevenueLists.unpaid,
        lambda s, me, a: {"currency": "EUR", "now": NOW, "bucket": "0-30", "limit": 25, "offset": 0},
        _listed([]),
    ),
    R(
        RevenueLists.movement_customers,
        lambda s, me, a: {
            "currency": "EUR",
            "instants": SNAPSHOTS,
            "idx": 1,
            "kind": "new",
            "limit": 25,
            "offset": 0,
        },
        _own_customers,
    ),
    R(
        RevenueLists.plan_subscriptions,
        lambda s, me, a: {"currency": "EUR", "at": NOW, "plan_id": a.plan_id, "limit": 25, "offset": 0},
        _listed([]),
    ),
    R(
        RevenueLists.volume_items,
        lambda s, me, a: {
            "currency": "EUR",
            "kind": "payments",
            "start": START,
            "end": END,
            "limit": 25,
            "offset": 0,
        },
        _paid_invoices_of_b,
    ),
]


# Builders of SQL expressions and subqueries, each run only inside the queries probed above.
REVENUE_EXEMPT: dict[str, str] = {
    f"reporting.{name}": "builds part of a statement (no query of its own); every query using it is probed"
    for name in (
        "analytics.repository.RevenueFigures.ageing_key",
        "mrr.repository.MrrFigures.subscriptions_cte",
        "mrr.repository.MrrFigures.classified",
        "mrr.repository.MrrFigures.live_at",
        "mrr.repository.MrrFigures.movements",
    )
} | {
    "reporting.analytics.repository.RevenueFigures.currencies": (
        "answers currency codes only (no rows, amounts or ids); both tenants of the world sell in EUR,"
        " so no probe could tell a filter from none (its SQL is scoped like every query of the module)"
    )
}
