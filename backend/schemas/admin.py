"""The admin dashboard's headline figures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AdminOverview:
    tenant_name: str
    customers: int
    active_subscriptions: int
    unpaid_invoices: int
    overdue_invoices: int
    open_amounts: list[str]  # formatted balance due per currency, e.g. ["1,234.00 EUR"]
    paid_last_30_days: list[str]  # formatted gross of invoices paid in the last 30 days, per currency
