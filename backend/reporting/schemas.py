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
