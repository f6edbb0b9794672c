"""The revenue page (`/admin/revenue`) and the overview's MRR trend: the report's aggregates, the
rows behind one figure (formatted, with the page each row leads to) and CSV of a chart's rows.
The services ask the policy (admins only)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import date
from zoneinfo import ZoneInfo

from backend import clock
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.kit.principals import SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.money import Money
from backend.reporting import revenue
from backend.reporting.analytics.repository import ListedItem
from backend.reporting.revenue import Drill
from backend.reporting.revenue_schemas import (
    DrillPage,
    DrillRow,
    MrrPoint,
    RevenueQuery,
    RevenueReport,
    ShareRow,
    TurnoverPoint,
    VolumePoint,
)

# The page's types come through the gateway (pages never import a domain package).
__all__ = [
    "Drill",
    "DrillPage",
    "DrillRow",
    "MrrPoint",
    "RevenueQuery",
    "RevenueReport",
    "ShareRow",
    "TurnoverPoint",
    "VolumePoint",
]

# What each list's two amounts are, by the figure it explains.
DRILL_LABELS: dict[str, tuple[str, str, str]] = {
    "turnover": ("Invoices and credit notes", "Net", "Gross"),
    "country": ("Invoices and credit notes", "Net", "Gross"),
    "tax_mode": ("Invoices and credit notes", "Net", "Gross"),
    "receivables": ("Unpaid invoices", "Balance due", "Invoice total"),
    "movement": ("Customers", "MRR at the end", "MRR at the start"),
    "plan": ("Subscriptions", "MRR", ""),
    "volume": ("Payments, refunds, disputes and payouts", "Amount", ""),
}


def today() -> date:
    """Today's UTC date on the console's clock: quick ranges end here."""
    return clock.now().date()


def default_query(user: SignedInUser) -> RevenueQuery:
    """The last twelve months up to today, by month, in the tenant's default currency."""
    last = today()
    index = last.year * 12 + last.month - 1 - 11
    with unit_of_work() as session:
        tenant = TenantDirectory(session).by_id(user.tenant_id)
        currency = tenant.default_currency if tenant else "EUR"
    return RevenueQuery(currency, date(index // 12, index % 12 + 1, 1), last, "month")


def revenue_report(user: SignedInUser, query: RevenueQuery) -> RevenueReport:
    with unit_of_work() as session:
        return revenue.revenue_report(session, user_scope(user), actor(None, user), query)


def mrr_trend(user: SignedInUser) -> tuple[str, list[MrrPoint]]:
    """The tenant's default currency and its MRR at the end of each of the last 12 months."""
    with unit_of_work() as session:
        tenant = TenantDirectory(session).by_id(user.tenant_id)
        currency = tenant.default_currency if tenant else "EUR"
        return currency, revenue.mrr_trend(session, user_scope(user), actor(None, user), currency)


def drill_down(
    user: SignedInUser, query: RevenueQuery, drill: Drill, *, offset: int, limit: int = 25
) -> DrillPage:
    with unit_of_work() as session:
        tenant = TenantDirectory(session).by_id(user.tenant_id)
        zone = ZoneInfo(tenant.time_zone if tenant else "UTC")
        found = revenue.drill_down(
            session, user_scope(user), actor(None, user), query, drill, limit=limit, offset=offset
        )
    title, first, second = DRILL_LABELS[drill.kind]
    return DrillPage(
        title=title,
        amount_label=first,
        second_label=second,
        rows=[_row(item, query.currency, zone) for item in found.items],
        total=found.total,
        offset=offset,
        limit=limit,
    )


def _row(item: ListedItem, currency: str, zone: ZoneInfo) -> DrillRow:
    return DrillRow(
        reference=item.reference,
        customer=item.customer,
        at=f"{item.at.astimezone(zone):%Y-%m-%d}" if item.at else "",
        amount=Money.of(item.amount, currency).round_to_minor().format(),
        second_amount=""
        if item.second_amount is None
        else Money.of(item.second_amount, currency).round_to_minor().format(),
        status=item.status.replace("_", " "),
        href=_href(item),
    )


def _href(item: ListedItem) -> str:
    if item.kind == "invoice":
        return f"/admin/invoices/{item.reference}"
    if item.kind == "credit note":
        return f"/admin/invoices/{item.reference.rsplit('-CN', 1)[0]}"
    if item.kind == "customer":
        return f"/admin/customers/{item.object_id}"
    if item.kind == "subscription":
        return f"/admin/subscriptions/{item.reference}"
    return ""


def rows_csv(rows: list[object]) -> str:
    """A chart's aggregated rows (dataclasses, or dicts of the page state) as CSV with a header."""
    if not rows:
        return ""
    records = [row if isinstance(row, dict) else asdict(row) for row in rows]  # type: ignore[call-overload]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]))
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()
