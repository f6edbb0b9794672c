"""What a plan costs per period, and how that price reads: the one place prices are computed.

The billing engine charges `plan_price` (through the subscription's `PlanTerms`); every page that
shows a price shows `price_display` of that same number, so the catalog, the order pages and the
customer dashboard show what the engine charges (docs/decisions.md, "One price function").
"""

from __future__ import annotations

from decimal import Decimal

from backend.models import Plan
from backend.money import Money

HUNDRED = Decimal(100)


def sell_price(base_price: Decimal, margin_percent: Decimal, margin_fixed: Decimal) -> Decimal:
    """Net price per period: base × (1 + margin %) + fixed margin, exact (rounded per invoice line)."""
    return base_price * (1 + margin_percent / HUNDRED) + margin_fixed


def plan_price(plan: Plan) -> Decimal:
    """A plan's net price per period with the tenant's margins: what the engine charges for it."""
    return sell_price(plan.base_price, plan.margin_percent, plan.margin_fixed)


def period_charge(price: Decimal, currency: str) -> Money:
    """What one full period at `price` costs on an invoice: rounded half-up to the minor unit, the
    rule every invoice line follows (a prorated part is rounded from the exact price instead)."""
    return Money.of(price, currency).round_to_minor()


def describe_interval(unit: str, count: int) -> str:
    """`month`, `3 months`, `year`: how a price's period reads to a customer."""
    return unit if count == 1 else f"{count} {unit}s"


def price_display(price: Decimal, currency: str, unit: str, count: int) -> str:
    """`12.24 EUR / month`: the amount a full period is charged, per period."""
    return f"{period_charge(price, currency).format()} / {describe_interval(unit, count)}"
