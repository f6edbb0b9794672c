"""The revenue analytics as the page (and the API) receive them: small aggregates, amounts as
plain decimal strings in the report's currency ("1234.50"), rounded to its minor unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from backend.reporting.revenue_sql import Grain

MAX_DAYS_BY_GRAIN: dict[str, int] = {"day": 93, "week": 731, "month": 3 * 366}


@dataclass(frozen=True, slots=True)
class RevenueQuery:
    """One currency and the UTC days [first_day, last_day] (both included)."""

    currency: str
    first_day: date
    last_day: date
    grain: Grain = "month"


@dataclass(frozen=True, slots=True)
class TurnoverPoint:
    bucket: str  # first day of the day, week or month, YYYY-MM-DD
    invoiced_net: str
    invoiced_gross: str
    credited_net: str
    credited_gross: str
    net: str  # invoiced minus credited
    gross: str
    invoices: int
    credit_notes: int


@dataclass(frozen=True, slots=True)
class MrrPoint:
    month: str  # YYYY-MM: MRR at the end of that month (or now, for the running month)
    mrr: str
    arr: str
    customers: int
    arpa: str
    new: str
    expansion: str
    contraction: str  # positive amounts: what was lost
    churn: str
    reactivation: str
    net_new: str  # new + expansion + reactivation - contraction - churn
    churned_customers: int
    customer_churn_rate: str  # percent of the month's opening customers, "" when none
    revenue_churn_rate: str  # (churn + contraction) as percent of the opening MRR, "" when none


@dataclass(frozen=True, slots=True)
class ShareRow:
    key: str  # the plan id, country code, tax mode or ageing bucket (for the drill-down)
    label: str
    amount: str  # MRR (plans), net turnover (country, tax mode), balance due (receivables)
    second_amount: str  # gross turnover; empty where it has no meaning
    count: int  # subscriptions, documents or invoices


@dataclass(frozen=True, slots=True)
class VolumePoint:
    month: str
    payments: str  # gross volume
    refunds: str
    disputes: str
    disputes_lost: str
    net_volume: str  # payments - refunds - disputes lost
    payouts: str


@dataclass(frozen=True, slots=True)
class RevenueReport:
    currency: str
    currencies: list[str]
    first_day: str
    last_day: str
    grain: str
    turnover: list[TurnoverPoint]
    mrr: list[MrrPoint]
    by_plan: list[ShareRow]
    by_country: list[ShareRow]
    by_tax_mode: list[ShareRow]
    receivables: list[ShareRow]
    open_total: str
    overdue_total: str
    volume: list[VolumePoint]


@dataclass(frozen=True, slots=True)
class DrillRow:
    reference: str
    customer: str
    at: str
    amount: str
    second_amount: str
    status: str
    href: str  # the page of the object, "" when the console has none


@dataclass(frozen=True, slots=True)
class DrillPage:
    title: str
    amount_label: str
    second_label: str
    rows: list[DrillRow] = field(default_factory=list)
    total: int = 0
    offset: int = 0
    limit: int = 25
