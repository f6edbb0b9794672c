"""Pricing a just-placed order the way its invoices will (the order preview of `Ordering`).

The preview is not a second price calculation: `Ordering.preview_order` places the real order in a
savepoint, and this module bills it with the billing job's own `Charger` until its first period is
charged (at once when billed in advance; at the end of the trial, or at the end of the period in
arrears), builds that invoice's draft with invoicing's own `build_drafts` (so the promotion's
discount lines are the ones the invoice will carry) and taxes it with invoicing's tax decision and
line-wise rounding. Then it bills the periods after it one by one, each invoiced as the invoice run
will (the promotion used on the first invoice counts as used): the next one is the recurring
charge the customer will actually pay, with what is left of the promotion (a second free month,
the rest of an amount off); while a promotion still discounts a period, the preview bills on (at
most `MAX_PROMOTED_PERIODS`) to the first one at the regular price, and says from when that
applies. The caller rolls everything back.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from backend.billing.charging import Charger, terms_of
from backend.billing.positions import charges_of_subscription
from backend.catalog.pricing import describe_interval
from backend.customers.service import billing_profile
from backend.invoicing.drafts import InvoicingContext, LineDraft, build_drafts, line_tax, round_money
from backend.invoicing.promotions import PromotionUsage
from backend.kit.repository import TenantScope
from backend.models import OpenPosition, Subscription, TaxCategory
from backend.subscriptions.schemas import OrderPreview, PricedLine, TaxTreatment, Totals
from backend.tax import TaxDecision

# Order, end of trial, end of the first arrear period: the first charge is at most three bills away.
MAX_BILLING_STEPS = 3
# How far the preview follows a promotion that discounts invoice after invoice (a year of months).
MAX_PROMOTED_PERIODS = 12


def price_order(
    session: Session, scope: TenantScope, charger: Charger, subscription: Subscription, now: datetime
) -> OrderPreview:
    """The preview of `subscription`, ordered at `now` and not committed; bills it further (the
    caller rolls back)."""
    assert subscription.id is not None
    first_at, first = _first_charges(session, scope, charger, subscription, now)
    terms = terms_of(subscription)
    ctx = InvoicingContext(session, scope)
    profile = billing_profile(session, scope, subscription.customer_account_id)
    assert profile is not None, "an order needs a billing profile"
    drafts = build_drafts(ctx, first)
    draft_lines = drafts[0].lines if drafts else []
    net = sum((line.net for line in draft_lines), Decimal(0))
    decision = ctx.decide(profile, ctx.local_date(first_at), terms.currency, net)
    charges = [_priced(ctx, decision, line, terms.currency) for line in draft_lines if line.open_position_id]
    discounts = [
        _priced(ctx, decision, line, terms.currency) for line in draft_lines if not line.open_position_id
    ]
    _count_as_used(drafts[0].promotion_usages if drafts else [])
    seen = {position.id for position in first}
    recurring, recurring_discounts, regular_from = _recurring(
        session, scope, charger, subscription, ctx, decision, seen
    )
    return OrderPreview(
        plan_id=terms.plan_id,
        plan_name=terms.name,
        currency=terms.currency,
        first_charge_at=first_at,
        trial_end=subscription.trial_end,
        lines=charges,
        discounts=discounts,
        first_invoice=_totals([*charges, *discounts], terms.currency),
        promotion="; ".join(usage.label for usage in (drafts[0].promotion_usages if drafts else [])),
        recurring_lines=recurring,
        recurring_discounts=recurring_discounts,
        recurring=_totals([*recurring, *recurring_discounts], terms.currency),
        regular=_totals(recurring, terms.currency),
        regular_from=regular_from,
        interval=describe_interval(terms.interval_unit.value, terms.interval_count),
        tax=TaxTreatment(
            mode=decision.mode.value,
            country=decision.country,
            rate=ctx.rate(decision, terms.tax_category),
            note=decision.note,
        ),
    )


def _recurring(
    session: Session,
    scope: TenantScope,
    charger: Charger,
    subscription: Subscription,
    ctx: InvoicingContext,
    decision: TaxDecision,
    seen: set[int | None],
) -> tuple[list[PricedLine], list[PricedLine], datetime | None]:
    """The next period's charges, the discounts its invoice gets, and, when it gets some, the start
    of the first period charged at the regular price (None when that is not within reach)."""
    assert subscription.id is not None
    currency = terms_of(subscription).currency
    recurring: list[PricedLine] = []
    discounts: list[PricedLine] = []
    for step in range(MAX_PROMOTED_PERIODS + 1):
        if subscription.next_billing_at is None:
            break
        charger.bill([subscription], subscription.next_billing_at)
        positions = [p for p in charges_of_subscription(session, scope, subscription.id) if p.id not in seen]
        seen.update(position.id for position in positions)
        drafts = build_drafts(ctx, positions)
        lines = drafts[0].lines if drafts else []
        discounted = [_priced(ctx, decision, line, currency) for line in lines if not line.open_position_id]
        if step == 0:
            recurring = [_priced(ctx, decision, line, currency) for line in lines if line.open_position_id]
            discounts = discounted
        if not discounted:
            starts = [position.period_start for position in positions if position.period_start]
            return recurring, discounts, (min(starts) if step and starts else None)
        _count_as_used(drafts[0].promotion_usages)
    return recurring, discounts, None


def _count_as_used(taken: list[PromotionUsage]) -> None:
    """What an invoice takes from a redemption, as issuing it records (`record_uses`); the caller
    rolls back, so the preview's next invoice sees what is left of the promotion."""
    for usage in taken:
        usage.redemption.periods_used += usage.periods_used
        usage.redemption.amount_used += usage.amount_used


def _first_charges(
    session: Session, scope: TenantScope, charger: Charger, subscription: Subscription, now: datetime
) -> tuple[datetime, list[OpenPosition]]:
    """When the first period is charged, and its charges: billed on until there are some."""
    assert subscription.id is not None
    at = now
    for _ in range(MAX_BILLING_STEPS):
        positions = charges_of_subscription(session, scope, subscription.id)
        if positions or subscription.next_billing_at is None:
            return at, positions
        at = subscription.next_billing_at
        charger.bill([subscription], at)
    return at, charges_of_subscription(session, scope, subscription.id)


def _line_of(position: OpenPosition) -> LineDraft:
    return LineDraft(
        description=position.description,
        net=position.amount,
        tax_category=TaxCategory(position.tax_category),
        period_start=position.period_start,
        period_end=position.period_end,
        open_position_id=position.id,
    )


def _priced(ctx: InvoicingContext, decision: TaxDecision, line: LineDraft, currency: str) -> PricedLine:
    """The line as `issue_drafts` writes it: the rate of its tax category, tax rounded per line."""
    rate = ctx.rate(decision, line.tax_category)
    net = round_money(line.net, currency)  # already whole minor units; written as the invoice does
    tax = line_tax(net, rate, currency)
    return PricedLine(line.description, line.period_start, line.period_end, net, rate, tax, net + tax)


def _totals(lines: list[PricedLine], currency: str) -> Totals:
    net = sum((line.net for line in lines), round_money(Decimal(0), currency))
    tax = sum((line.tax for line in lines), round_money(Decimal(0), currency))
    return Totals(net=net, tax=tax, gross=net + tax, currency=currency)
