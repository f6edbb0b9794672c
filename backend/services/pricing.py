"""What a plan costs per period: base price plus the tenant's margin, before tax."""

from __future__ import annotations

from decimal import Decimal

from backend.models import Plan

HUNDRED = Decimal(100)


def sell_price(base_price: Decimal, margin_percent: Decimal, margin_fixed: Decimal) -> Decimal:
    """Net price per period: base × (1 + margin %) + fixed margin, exact (rounded per invoice line)."""
    return base_price * (1 + margin_percent / HUNDRED) + margin_fixed


def plan_price(plan: Plan) -> Decimal:
    return sell_price(plan.base_price, plan.margin_percent, plan.margin_fixed)
