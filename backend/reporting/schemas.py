"""The customer dashboard, as the page receives it: plain values, money already formatted."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SubscriptionSummary:
    number: str
    plan_name: str
    status: str
    price: str  # e.g. "19.00 EUR / month"
    current_period: str  # e.g. "2026-11-01 – 2026-12-01", empty when not started
    next_billing: str  # date, or empty
    servers: list[str] = field(default_factory=list)  # hostnames with their state


@dataclass(frozen=True, slots=True)
class OpenBalance:
    amount: str  # formatted, e.g. "119.00 EUR"
    currency: str
    unpaid_invoices: int
    overdue_invoices: int


@dataclass(frozen=True, slots=True)
class CustomerOverview:
    customer_name: str
    customer_number: str
    subscriptions: list[SubscriptionSummary]
    balances: list[OpenBalance]  # one per currency with something due; empty when nothing is due

    @property
    def active_subscription_count(self) -> int:
        return sum(1 for s in self.subscriptions if s.status in {"active", "trialing", "pending_cancel"})


@dataclass(frozen=True, slots=True)
class AdminOverview:
    tenant_name: str
    customers: int
    active_subscriptions: int
    unpaid_invoices: int
    overdue_invoices: int
    open_amounts: list[str]  # formatted balance due per currency, e.g. ["1,234.00 EUR"]
    paid_last_30_days: list[str]  # formatted gross of invoices paid in the last 30 days, per currency


@dataclass(frozen=True, slots=True)
class SubscriptionList:
    """One page of a customer's subscriptions, newest first."""

    subscriptions: list[SubscriptionSummary]
    page: int  # 1-based
    page_count: int  # at least 1
    total: int


@dataclass(frozen=True, slots=True)
class AddonLine:
    name: str
    quantity: int
    price: str  # per unit and period, e.g. "2.00 EUR / month"
    addon_id: int = 0  # the catalog addon, which a removal names


@dataclass(frozen=True, slots=True)
class SubscriptionDetail:
    """One subscription of a customer as its page shows it; moments in the tenant's time zone."""

    id: int
    number: str
    plan_id: int
    plan_name: str
    currency: str
    status: str
    price: str  # e.g. "19.90 EUR / month", net
    options: list[str]  # e.g. ["location: fsn1"]
    addons: list[AddonLine]
    started: str
    current_period: str  # empty when not started
    trial_end: str  # empty without a trial
    commitment_end: str  # empty without a minimum term
    cancel_effective: str  # empty unless a cancellation is pending or done
    time_zone: str
    servers: list[str] = field(default_factory=list)
