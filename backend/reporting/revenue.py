"""Revenue analytics for a tenant's admins (docs/metrics.md has the definitions): turnover, MRR and
its movement, churn and ARPA, the splits by plan, country and tax mode, receivables by age, and
card volume; and the lists behind each figure. Every figure is aggregated in SQL
(analytics/repository.py, mrr/repository.py); this module picks the snapshots, divides, rounds and formats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session

from backend import clock
from backend.kit.errors import FieldErrors
from backend.kit.policy import Action, Actor, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.money import Money, check_currency
from backend.reporting.analytics.repository import (
    AGEING_BUCKETS,
    NOT_DUE,
    VOLUME_KINDS,
    DocumentTotals,
    ListedPage,
    RevenueFigures,
    RevenueLists,
    TurnoverCell,
)
from backend.reporting.mrr.repository import MOVEMENT_KINDS, MonthMovement, MrrFigures
from backend.reporting.revenue_schemas import (
    MAX_DAYS_BY_GRAIN,
    MrrPoint,
    RevenueQuery,
    RevenueReport,
    ShareRow,
    TurnoverPoint,
    VolumePoint,
)
from backend.reporting.revenue_sql import GRAINS, bucket_bounds, day_start, months_between, next_month

TAX_MODE_LABELS = {
    "domestic": "Domestic VAT",
    "reverse_charge": "EU reverse charge",
    "eu_b2c": "EU consumers (OSS)",
    "outside_eu": "Outside the EU",
}
HUNDRED = Decimal(100)


def check_query(query: RevenueQuery) -> RevenueQuery:
    """Refuse a range that ends before it starts, a range too long for its grain, a bad currency."""
    errors: dict[str, str] = {}
    if query.grain not in GRAINS:
        errors["grain"] = "Choose days, weeks or months."
    elif (query.last_day - query.first_day).days > MAX_DAYS_BY_GRAIN[query.grain]:
        errors["range"] = (
            f"Choose at most {MAX_DAYS_BY_GRAIN[query.grain]} days when grouping by {query.grain}."
        )
    if query.last_day < query.first_day:
        errors["range"] = "The range must end on or after its first day."
    try:
        check_currency(query.currency)
    except ValueError:
        errors["currency"] = "Choose a currency the console knows."
    if errors:
        raise FieldErrors(errors)
    return query


def _amount(value: Decimal, currency: str) -> str:
    return str(Money.of(value, currency).round_to_minor().amount)


def _percent(part: Decimal, whole: Decimal) -> str:
    if whole <= 0:
        return ""
    return str((part * HUNDRED / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Snapshots:
    """The MRR snapshot instants: idx 0 closes the month before the range, idx i closes month i
    (the start of the next month, or now for a month still running)."""

    months: list[date]
    instants: list[datetime]

    @classmethod
    def of(cls, first_day: date, last_day: date, now: datetime) -> Snapshots:
        months = months_between(first_day, last_day)
        instants = [day_start(months[0])] + [min(day_start(next_month(m)), now) for m in months]
        return cls(months, instants)


def mrr_points(movements: list[MonthMovement], months: list[date], currency: str) -> list[MrrPoint]:
    points = []
    for month, m in zip(months, movements, strict=True):
        arpa = m.mrr / m.customers if m.customers else Decimal(0)
        net_new = m.new + m.expansion + m.reactivation - m.contraction - m.churn
        points.append(
            MrrPoint(
                month=f"{month:%Y-%m}",
                mrr=_amount(m.mrr, currency),
                arr=_amount(m.mrr * 12, currency),
                customers=m.customers,
                arpa=_amount(arpa, currency),
                new=_amount(m.new, currency),
                expansion=_amount(m.expansion, currency),
                contraction=_amount(m.contraction, currency),
                churn=_amount(m.churn, currency),
                reactivation=_amount(m.reactivation, currency),
                net_new=_amount(net_new, currency),
                churned_customers=m.churned_customers,
                customer_churn_rate=_percent(Decimal(m.churned_customers), Decimal(m.opening_customers)),
                revenue_churn_rate=_percent(m.churn + m.contraction, m.opening_mrr),
            )
        )
    return points


def _sum_by(cells: list[TurnoverCell], key: Callable[[TurnoverCell], str]) -> dict[str, DocumentTotals]:
    """The turnover cells added up by one of their dimensions."""
    sums: dict[str, DocumentTotals] = {}
    for cell in cells:
        k = key(cell)
        sums[k] = sums[k] + cell.totals if k in sums else cell.totals
    return sums


def _turnover_point(bucket: str, row: DocumentTotals, currency: str) -> TurnoverPoint:
    return TurnoverPoint(
        bucket=bucket,
        invoiced_net=_amount(row.invoiced_net, currency),
        invoiced_gross=_amount(row.invoiced_gross, currency),
        credited_net=_amount(row.credited_net, currency),
        credited_gross=_amount(row.credited_gross, currency),
        net=_amount(row.invoiced_net - row.credited_net, currency),
        gross=_amount(row.invoiced_gross - row.credited_gross, currency),
        invoices=row.invoices,
        credit_notes=row.credit_notes,
    )


def _share(key: str, row: DocumentTotals, label: str, currency: str) -> ShareRow:
    return ShareRow(
        key=key,
        label=label,
        amount=_amount(row.invoiced_net - row.credited_net, currency),
        second_amount=_amount(row.invoiced_gross - row.credited_gross, currency),
        count=row.invoices + row.credit_notes,
    )


def _default_currency(session: Session, scope: TenantScope) -> str:
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    return tenant.default_currency if tenant else "EUR"


def bounds(query: RevenueQuery) -> tuple[datetime, datetime]:
    return day_start(query.first_day), day_start(query.last_day + timedelta(days=1))


def revenue_report(session: Session, scope: TenantScope, actor: Actor, query: RevenueQuery) -> RevenueReport:
    """Every figure of the revenue page for one currency and range (docs/metrics.md)."""
    authorize(actor, scope, Action.READ_OVERVIEW)
    check_query(query)
    figures, mrr = RevenueFigures(session, scope), MrrFigures(session, scope)
    currency, now = query.currency, clock.now()
    start, end = bounds(query)
    snapshots = Snapshots.of(query.first_day, query.last_day, now)
    movements = mrr.mrr_movement(currency, snapshots.instants)
    receivables = figures.receivables(currency, now)
    ageing = [NOT_DUE] + [key for key, _ in AGEING_BUCKETS]
    overdue = sum((receivables.get(k, (Decimal(0), 0))[0] for k in ageing[1:]), Decimal(0))
    volume = figures.volume(currency, start, end)
    cells = figures.turnover_cube(currency, start, end, query.grain)
    by_country = _sum_by(cells, lambda c: c.country)
    return RevenueReport(
        currency=currency,
        currencies=sorted(set(figures.currencies()) | {currency, _default_currency(session, scope)}),
        first_day=query.first_day.isoformat(),
        last_day=query.last_day.isoformat(),
        grain=query.grain,
        turnover=[
            _turnover_point(b, r, currency) for b, r in sorted(_sum_by(cells, lambda c: c.bucket).items())
        ],
        mrr=mrr_points(movements, snapshots.months, currency),
        by_plan=[
            ShareRow(str(p.plan_id), p.plan_name, _amount(p.mrr, currency), "", p.subscriptions)
            for p in mrr.mrr_by_plan(currency, snapshots.instants[-1])
        ],
        by_country=sorted(
            (_share(k, r, k or "Unknown", currency) for k, r in by_country.items()),
            key=lambda s: (-Decimal(s.amount), s.label),
        ),
        by_tax_mode=[
            _share(k, r, TAX_MODE_LABELS.get(k, k), currency)
            for k, r in sorted(_sum_by(cells, lambda c: c.tax_mode).items())
        ],
        receivables=[
            ShareRow(
                k,
                k,
                _amount(receivables.get(k, (Decimal(0), 0))[0], currency),
                "",
                receivables.get(k, (0, 0))[1],
            )
            for k in ageing
        ],
        open_total=_amount(sum((a for a, _ in receivables.values()), Decimal(0)), currency),
        overdue_total=_amount(overdue, currency),
        volume=_volume_points(volume, months_between(query.first_day, query.last_day), currency),
    )


def _volume_points(
    volume: dict[tuple[str, str], tuple[Decimal, int]], months: list[date], currency: str
) -> list[VolumePoint]:
    points = []
    for month in months:
        key = f"{month:%Y-%m-%d}"

        def of(kind: str, key: str = key) -> Decimal:
            return volume.get((kind, key), (Decimal(0), 0))[0]

        net = of("payments") - of("refunds") - of("disputes lost")
        points.append(
            VolumePoint(
                month=f"{month:%Y-%m}",
                payments=_amount(of("payments"), currency),
                refunds=_amount(of("refunds"), currency),
                disputes=_amount(of("disputes"), currency),
                disputes_lost=_amount(of("disputes lost"), currency),
                net_volume=_amount(net, currency),
                payouts=_amount(of("payouts"), currency),
            )
        )
    return points


def mrr_trend(
    session: Session, scope: TenantScope, actor: Actor, currency: str, months: int = 12
) -> list[MrrPoint]:
    """MRR at the end of each of the last `months` months (the running one up to now)."""
    authorize(actor, scope, Action.READ_OVERVIEW)
    now = clock.now()
    last = now.date()
    index = last.year * 12 + last.month - 1 - (months - 1)  # months since year 0 of the first month
    snapshots = Snapshots.of(date(index // 12, index % 12 + 1, 1), last, now)
    movements = MrrFigures(session, scope).mrr_movement(currency, snapshots.instants)
    return mrr_points(movements, snapshots.months, currency)


# --- the lists behind the figures ------------------------------------------------------------------
DRILL_KINDS = ("turnover", "country", "tax_mode", "receivables", "movement", "plan", "volume")


@dataclass(frozen=True, slots=True)
class Drill:
    """Which figure to explain: `kind` and its `key` (a bucket's first day, a country code, a tax
    mode, an ageing bucket, a plan id, a month YYYY-MM) and for movements and volume the `part`
    (new, churn, ...; payments, refunds, ...)."""

    kind: str
    key: str
    part: str = ""


def drill_down(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    query: RevenueQuery,
    drill: Drill,
    *,
    limit: int,
    offset: int,
) -> ListedPage:
    """The page of rows behind one figure of `revenue_report` for the same query."""
    authorize(actor, scope, Action.READ_OVERVIEW)
    check_query(query)
    lists = RevenueLists(session, scope)
    currency, now = query.currency, clock.now()
    start, end = bounds(query)
    page = {"limit": max(1, min(limit, 100)), "offset": max(0, offset)}
    try:
        if drill.kind == "turnover":
            low, high = bucket_bounds(drill.key, query.grain)
            return lists.documents(currency, max(start, low), min(end, high), **page)
        if drill.kind in ("country", "tax_mode"):
            return lists.documents(currency, start, end, dimension=drill.kind, value=drill.key, **page)
        if drill.kind == "receivables":
            return lists.unpaid(currency, now, drill.key, **page)
        snapshots = Snapshots.of(query.first_day, query.last_day, now)
        if drill.kind == "plan":
            return lists.plan_subscriptions(currency, snapshots.instants[-1], int(drill.key), **page)
        month_keys = [f"{m:%Y-%m}" for m in snapshots.months]
        if drill.kind == "movement" and drill.part in MOVEMENT_KINDS:
            idx = month_keys.index(drill.key) + 1
            return lists.movement_customers(currency, snapshots.instants, idx, drill.part, **page)
        if drill.kind == "volume" and drill.part in VOLUME_KINDS:
            month = date.fromisoformat(f"{drill.key}-01")
            low, high = day_start(month), day_start(next_month(month))
            return lists.volume_items(currency, drill.part, max(start, low), min(end, high), **page)
    except ValueError:
        pass
    raise FieldErrors({"drill": "This figure has no list behind it."})
