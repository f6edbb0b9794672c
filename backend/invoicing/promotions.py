"""How invoices use promotions (SPEC §4; docs/decisions.md "How promotions are consumed").

A redemption is the promotion a subscription was ordered with. The invoices of that subscription
use it when they are built, each kind by its own rule:
- percent off: the first invoice with charges of the subscription, on every charge of it;
- free days: the first invoice, on the plan charges within the first N calendar days (tenant time
  zone, same wall-clock time) from the earliest plan charge on it, in proportion of time;
- amount off: invoice after invoice, earliest charges first, until the amount is used up; only on
  invoices in the promotion's currency;
- free periods: the first N plan charges (a prorated first period counts as one).
Credits (negative charges) are never discounted, and addons only by percent and amount off.

Nothing is used until the invoice is issued: a draft that waits (below the minimum amount, or a
credit-only draft) leaves the redemption as it was. Each issued invoice records what it used
(`PromotionUse`); voiding the invoice gives exactly that back, so the subscription's next invoice
gets it again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import Session

from backend.billing.proration import prorate
from backend.billing.source_ref import SourceRef
from backend.invoicing.repository import PromotionUseRepository
from backend.kit.repository import TenantScope
from backend.models import (
    IntervalUnit,
    OpenPosition,
    Promotion,
    PromotionBenefit,
    PromotionRedemption,
    PromotionUse,
    TaxCategory,
)
from backend.money import Money
from backend.periods import Interval, Period, Schedule

HUNDRED = Decimal(100)
EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(slots=True)
class PromotionUsage:
    """What one draft invoice takes from one redemption."""

    redemption: PromotionRedemption
    promotion: Promotion
    discounts: dict[TaxCategory, Decimal] = field(default_factory=dict)  # > 0, rounded per category
    amount_used: Decimal = Decimal(0)  # of a fixed amount off
    periods_used: int = 0  # free periods; 1 for the one use of percent off and free days

    @property
    def label(self) -> str:
        benefit = self.promotion.description or str(self.promotion.benefit).replace("_", " ")
        return f"Promotion {self.promotion.code}: {benefit}"

    @property
    def discount(self) -> Decimal:
        return sum(self.discounts.values(), Decimal(0))

    @property
    def uses_anything(self) -> bool:
        return self.amount_used > 0 or self.periods_used > 0


def usages(
    positions: list[OpenPosition],
    redemptions: list[tuple[PromotionRedemption, Promotion]],
    currency: str,
    time_zone: str,
) -> list[PromotionUsage]:
    """What the charges `positions` of one draft (one customer, one `currency`) take from the
    live `redemptions` of their subscriptions. Changes nothing: `record_uses` does at issue."""
    charged: dict[int, list[OpenPosition]] = defaultdict(list)
    for position in sorted(positions, key=_chronological):
        if position.subscription_id is not None and position.amount > 0:
            charged[position.subscription_id].append(position)
    found = []
    for redemption, promotion in redemptions:
        mine = charged.get(redemption.subscription_id or -1, [])
        if mine:
            usage = _usage(redemption, promotion, mine, currency, time_zone)
            if usage.uses_anything:
                found.append(usage)
    return found


def _usage(
    redemption: PromotionRedemption,
    promotion: Promotion,
    charged: list[OpenPosition],
    currency: str,
    time_zone: str,
) -> PromotionUsage:
    usage = PromotionUsage(redemption, promotion)
    exact: dict[TaxCategory, Decimal] = defaultdict(Decimal)
    unused = redemption.periods_used == 0 and redemption.amount_used == 0
    plan_charges = [p for p in charged if SourceRef.parse(p.source_ref).is_plan]
    benefit = PromotionBenefit(promotion.benefit)
    if benefit == PromotionBenefit.PERCENT_OFF and unused:
        for position in charged:
            exact[_category(position)] += position.amount * promotion.percent_off / HUNDRED
        usage.periods_used = 1
    elif benefit == PromotionBenefit.AMOUNT_OFF and promotion.currency == currency:
        remaining = promotion.amount_off - redemption.amount_used
        for position in charged:
            used = min(remaining, position.amount)
            if used <= 0:
                break
            exact[_category(position)] += used
            remaining -= used
            usage.amount_used += used
    elif benefit == PromotionBenefit.FREE_PERIODS:
        for position in plan_charges[: max(promotion.free_periods - redemption.periods_used, 0)]:
            exact[_category(position)] += position.amount
            usage.periods_used += 1
    elif benefit == PromotionBenefit.FREE_DAYS and unused and plan_charges:
        free = free_time(plan_charges[0], promotion.free_days, time_zone)
        for position in plan_charges:
            covered = _covered(position)
            part = covered.overlap(free.start, free.end)
            if part is not None:
                exact[_category(position)] += position.amount * prorate(part, covered)
        usage.periods_used = 1
    for category, amount in exact.items():
        rounded = Money.of(amount, currency).round_to_minor().amount
        if rounded > 0:
            usage.discounts[category] = rounded
    return usage


def free_time(first: OpenPosition, free_days: int, time_zone: str) -> Period:
    """The free days of a free-days promotion: N calendar days in the tenant's time zone (a day
    across a daylight-saving change is 23 or 25 hours) from the start of the first plan charge."""
    start = _covered(first).start
    return Schedule(start, Interval(IntervalUnit.DAY, free_days), time_zone).period(0)


def record_uses(session: Session, scope: TenantScope, issued: list[tuple[int, list[PromotionUsage]]]) -> None:
    """Drafts became invoices (invoice id, the draft's usages): the usages now count against
    their redemptions, and each invoice's use is recorded for a later void. A redemption of
    another tenant is refused (`CrossTenantWrite`) before anything changes."""
    uses = PromotionUseRepository(session, scope)
    uses.check_owned(usage.redemption for _, taken in issued for usage in taken)
    rows = []
    for invoice_id, taken in issued:
        for usage in taken:
            redemption = usage.redemption
            assert redemption.id is not None
            redemption.amount_used += usage.amount_used
            redemption.periods_used += usage.periods_used
            if redemption.invoice_id is None:
                redemption.invoice_id = invoice_id
            rows.append(
                PromotionUse(
                    redemption_id=redemption.id,
                    invoice_id=invoice_id,
                    amount_used=usage.amount_used,
                    periods_used=usage.periods_used,
                    discount=usage.discount,
                )
            )
    if rows:
        uses.add_many(rows)


def give_back(session: Session, scope: TenantScope, invoice_id: int, now: datetime) -> int:
    """Invoice `invoice_id` was voided: what it used of each redemption is available again to
    the subscription's next invoice. Returns how many redemptions got something back."""
    uses = PromotionUseRepository(session, scope)
    returned = uses.live_for_invoice(invoice_id)
    for use, redemption in returned:
        redemption.amount_used -= use.amount_used
        redemption.periods_used -= use.periods_used
        use.returned_at = now
    session.flush()
    for _, redemption in returned:
        if redemption.invoice_id == invoice_id:
            assert redemption.id is not None
            redemption.invoice_id = uses.first_live_invoice(redemption.id)
    session.flush()
    return len(returned)


def _chronological(position: OpenPosition) -> tuple[datetime, int]:
    return (position.period_start or EARLIEST, position.id or 0)


def _covered(position: OpenPosition) -> Period:
    assert position.period_start is not None and position.period_end is not None
    return Period(position.period_start, position.period_end)


def _category(position: OpenPosition) -> TaxCategory:
    return TaxCategory(position.tax_category)
