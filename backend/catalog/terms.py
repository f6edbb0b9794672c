"""The terms a subscription is billed on: a typed snapshot of its plan.

A subscription keeps the terms of its plan as they were when its current period began, so a
catalog edit (a new price) applies from the next period on and never changes a period already
running. The snapshot is stored as JSON on the subscription (`plan_snapshot`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.catalog.pricing import plan_price
from backend.catalog.repository import PlanRepository
from backend.kit.repository import TenantScope
from backend.models import BillingTiming, IntervalUnit, Plan, TaxCategory
from backend.periods import Interval


@dataclass(frozen=True, slots=True)
class PlanTerms:
    plan_id: int
    key: str
    name: str
    currency: str
    price: Decimal  # net per period, exact
    tax_category: TaxCategory
    interval_unit: IntervalUnit
    interval_count: int
    billing_anchor_day: int | None
    billing_timing: BillingTiming
    trial_days: int
    minimum_commitment_days: int
    notice_days: int
    cancel_at_period_end: bool
    # Counts the subscription's plan changes; part of every source reference, so a plan charged
    # again after a change (P -> Q -> P at one instant) is a new charge, never a duplicate.
    revision: int = 0

    @property
    def interval(self) -> Interval:
        return Interval(self.interval_unit, self.interval_count)

    @property
    def in_advance(self) -> bool:
        return self.billing_timing == BillingTiming.ADVANCE

    def same_grid(self, other: PlanTerms) -> bool:
        """Whether both terms bill on one period grid (interval, timing and anchor day alike)."""
        return (self.interval, self.billing_timing, self.billing_anchor_day) == (
            other.interval,
            other.billing_timing,
            other.billing_anchor_day,
        )

    @classmethod
    def of(cls, plan: Plan) -> PlanTerms:
        assert plan.id is not None
        return cls(
            plan_id=plan.id,
            key=plan.key,
            name=plan.name,
            currency=plan.currency,
            price=plan_price(plan),
            tax_category=TaxCategory(plan.tax_category),
            interval_unit=IntervalUnit(plan.interval_unit),
            interval_count=plan.interval_count,
            billing_anchor_day=plan.billing_anchor_day,
            billing_timing=BillingTiming(plan.billing_timing),
            trial_days=plan.trial_days,
            minimum_commitment_days=plan.minimum_commitment_days,
            notice_days=plan.notice_days,
            cancel_at_period_end=plan.cancel_at_period_end,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["price"] = str(self.price)
        data["tax_category"] = str(self.tax_category)
        data["interval_unit"] = str(self.interval_unit)
        data["billing_timing"] = str(self.billing_timing)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanTerms:
        return cls(
            plan_id=int(data["plan_id"]),
            key=str(data["key"]),
            name=str(data["name"]),
            currency=str(data["currency"]),
            price=Decimal(str(data["price"])),
            tax_category=TaxCategory(data["tax_category"]),
            interval_unit=IntervalUnit(data["interval_unit"]),
            interval_count=int(data["interval_count"]),
            billing_anchor_day=data.get("billing_anchor_day"),
            billing_timing=BillingTiming(data["billing_timing"]),
            trial_days=int(data.get("trial_days", 0)),
            minimum_commitment_days=int(data.get("minimum_commitment_days", 0)),
            notice_days=int(data.get("notice_days", 0)),
            cancel_at_period_end=bool(data.get("cancel_at_period_end", True)),
            revision=int(data.get("revision", 0)),
        )


def terms_by_plan(session: Session, scope: TenantScope, plan_ids: set[int]) -> dict[int, PlanTerms]:
    """The current terms of each of the tenant's plans in `plan_ids`, by plan id (one query)."""
    return {
        plan_id: PlanTerms.of(plan)
        for plan_id, plan in PlanRepository(session, scope).by_ids(plan_ids).items()
    }
