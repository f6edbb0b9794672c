"""Charging: due subscription periods become open positions (SPEC §4; §9 "subscription billing").

Each charge carries a source reference derived from the subscription, what is charged and where
its covered time starts; the open position table is unique on it, so charging the same period
again (a second run, two coordinators at once, a retry after a crash) inserts nothing.

Per subscription `period_index` is the next period to charge. Advance billing charges a period
when it starts, arrear billing when it ends (or when a cancellation ends it early). While an
arrear period runs, `current_period_start` is where its charge will begin (later than the
period's boundary after a mid-period plan change).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from backend.billing.proration import prorate
from backend.billing.repository import (
    BILLING_STATE,
    AttachedAddonRepository,
    DueSubscription,
    DueSubscriptionRepository,
    OpenPositionRepository,
)
from backend.billing.source_ref import SourceRef
from backend.catalog.terms import PlanTerms, terms_by_plan
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import (
    Addon,
    IntervalUnit,
    Subscription,
    SubscriptionAddon,
    SubscriptionStatus,
    TaxCategory,
)
from backend.models.statuses import RUNNING_SUBSCRIPTION_STATUSES
from backend.money import Money
from backend.periods import Interval, Period, Schedule, display_quantity, first_anchor, price_factor

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Charge:
    """One charge about to become an open position."""

    source_ref: SourceRef
    subscription_id: int
    customer_account_id: int
    description: str
    covered: Period
    share: Decimal  # covered part of the full period (1 for a whole period)
    unit_price: Decimal  # per full period, exact
    quantity: int
    currency: str
    tax_category: TaxCategory
    sign: int = 1  # -1 for a credit of an unused part

    @property
    def amount(self) -> Decimal:
        return _rounded(self.unit_price * self.share * self.quantity * self.sign, self.currency)

    def as_row(self) -> dict[str, Any]:
        return {
            "customer_account_id": self.customer_account_id,
            "subscription_id": self.subscription_id,
            "source_ref": str(self.source_ref),
            "description": self.description,
            "period_start": self.covered.start,
            "period_end": self.covered.end,
            "quantity": display_quantity(self.share * self.quantity * self.sign),
            "unit_price": self.unit_price,
            "amount": self.amount,
            "currency": self.currency,
            "tax_category": self.tax_category,
        }


@lru_cache(maxsize=8192, typed=True)  # a billing unit charges the same few amounts many times
def _rounded(exact: Decimal, currency: str) -> Decimal:
    return Money.of(exact, currency).round_to_minor().amount


def schedule_of(subscription: Subscription, terms: PlanTerms, time_zone: str) -> Schedule:
    assert subscription.anchor_at is not None, "a billed subscription has an anchor"
    return Schedule(subscription.anchor_at, terms.interval, time_zone, terms.billing_anchor_day)


def terms_of(subscription: Subscription) -> PlanTerms:
    cached = getattr(subscription, "terms_cache", None)  # a `DueSubscription`'s parsed snapshot
    if cached is not None and cached[0] is subscription.plan_snapshot:
        return cached[1]
    return PlanTerms.from_json(subscription.plan_snapshot)


@lru_cache(maxsize=4096)
def period_of(schedule: Schedule, index: int) -> Period:
    """`schedule.period(index)`, remembered: the subscriptions of a billing unit mostly share a
    grid (same anchor, interval and time zone), and the calendar arithmetic is the costly part."""
    return schedule.period(index)


def plan_charge(subscription: Subscription, terms: PlanTerms, covered: Period, full: Period) -> Charge:
    """The plan's price for `covered`, a part of the period `full` (prorated by the second)."""
    assert subscription.id is not None
    share = prorate(covered, full)
    return Charge(
        source_ref=SourceRef.plan(subscription.id, terms.plan_id, covered.start, terms.revision),
        subscription_id=subscription.id,
        customer_account_id=subscription.customer_account_id,
        description=terms.name if share == 1 else f"{terms.name} (prorated)",
        covered=covered,
        share=share,
        unit_price=terms.price,
        quantity=1,
        currency=terms.currency,
        tax_category=terms.tax_category,
    )


def addon_charges(
    subscription: Subscription,
    terms: PlanTerms,
    addons: Iterable[tuple[SubscriptionAddon, Addon]],
    covered: Period,
    full: Period,
) -> list[Charge]:
    """Each attached addon for the part of `covered` it was attached, priced per plan period."""
    assert subscription.id is not None
    charges = []
    for attached, addon in addons:
        assert attached.id is not None
        window = covered.overlap(attached.added_at, attached.removed_at or FAR_FUTURE)
        if window is None:
            continue
        factor = price_factor(
            Interval(IntervalUnit(addon.interval_unit), addon.interval_count), terms.interval
        )
        charges.append(
            Charge(
                source_ref=SourceRef.addon(subscription.id, attached.id, window.start, terms.revision),
                subscription_id=subscription.id,
                customer_account_id=subscription.customer_account_id,
                description=addon.name if window == full else f"{addon.name} (prorated)",
                covered=window,
                share=prorate(window, full),
                unit_price=addon.price * factor,
                quantity=attached.quantity,
                currency=addon.currency,
                tax_category=TaxCategory(addon.tax_category),
            )
        )
    return charges


def refresh_terms(subscription: Subscription, plan: PlanTerms | None) -> PlanTerms:
    """At a new period the current catalog price applies (a price change never touches a running
    period); interval and timing stay as ordered, they define the subscription's period grid."""
    terms = terms_of(subscription)
    if plan is None or plan.plan_id != terms.plan_id:
        return terms
    if (plan.price, plan.name, plan.tax_category) == (terms.price, terms.name, terms.tax_category):
        return terms
    refreshed = replace(terms, price=plan.price, name=plan.name, tax_category=plan.tax_category)
    subscription.plan_snapshot = refreshed.to_json()
    return refreshed


def bill_subscription(
    subscription: Subscription,
    time_zone: str,
    addons: list[tuple[SubscriptionAddon, Addon]],
    plan: PlanTerms | None,
    now: datetime,
) -> list[Charge]:
    """Charge every period of `subscription` that is due at `now` and move its pointers on.

    Returns the charges; the caller inserts them (idempotently) in the same transaction.
    """
    charges: list[Charge] = []
    while (
        subscription.status in RUNNING_SUBSCRIPTION_STATUSES
        and subscription.next_billing_at is not None
        and subscription.next_billing_at <= now
    ):
        if subscription.status == SubscriptionStatus.TRIALING:
            start_after_trial(subscription, time_zone)
            continue
        terms = terms_of(subscription)
        schedule = schedule_of(subscription, terms, time_zone)
        index = subscription.period_index
        full = period_of(schedule, index)
        cancel_at = subscription.cancel_effective_at
        if terms.in_advance:
            start = full.start
            if (
                subscription.current_period_start
                and full.start <= subscription.current_period_start < full.end
            ):
                start = subscription.current_period_start
            if cancel_at is not None and start >= cancel_at:
                subscription.next_billing_at = None
                break
            terms = refresh_terms(subscription, plan)
            covered = Period(start, min(full.end, cancel_at or FAR_FUTURE))
            charges.append(plan_charge(subscription, terms, covered, full))
            charges.extend(addon_charges(subscription, terms, addons, covered, full))
            subscription.current_period_start, subscription.current_period_end = start, full.end
            subscription.period_index = index + 1
            subscription.next_billing_at = full.end
        else:
            start = subscription.current_period_start or full.start
            end = min(full.end, cancel_at or FAR_FUTURE)
            if start < end:
                charges.append(plan_charge(subscription, terms, Period(start, end), full))
                charges.extend(addon_charges(subscription, terms, addons, Period(start, end), full))
            if cancel_at is not None and cancel_at <= full.end:
                subscription.next_billing_at = None
                break
            following = period_of(schedule, index + 1)
            subscription.period_index = index + 1
            subscription.current_period_start, subscription.current_period_end = (
                following.start,
                following.end,
            )
            # A pending cancellation inside the next period ends it early: charge up to it then.
            subscription.next_billing_at = min(following.end, cancel_at or FAR_FUTURE)
            refresh_terms(subscription, plan)
    return charges


def _billing_state(subscription: DueSubscription) -> tuple[Any, ...]:
    return tuple(getattr(subscription, name) for name in BILLING_STATE)


def start_after_trial(subscription: Subscription, time_zone: str) -> None:
    """The trial is over: the first paid period starts where the trial ended."""
    terms = terms_of(subscription)
    assert subscription.trial_end is not None
    subscription.status = SubscriptionStatus.ACTIVE
    open_grid(subscription, terms, time_zone, subscription.trial_end)


def open_grid(subscription: Subscription, terms: PlanTerms, time_zone: str, at: datetime) -> None:
    """Start a period grid at `at` (order, end of trial, change to a plan with another interval).

    With an anchor day the time up to the first anchor is a prorated stub period.
    """
    anchor = first_anchor(at, terms.interval, time_zone, terms.billing_anchor_day)
    subscription.anchor_at = anchor
    schedule = schedule_of(subscription, terms, time_zone)
    index = schedule.index_at(at)
    subscription.period_index = index
    subscription.current_period_start = at
    subscription.current_period_end = schedule.boundary(index + 1)
    subscription.next_billing_at = at if terms.in_advance else schedule.boundary(index + 1)
    if subscription.cancel_effective_at is not None and not terms.in_advance:
        subscription.next_billing_at = min(subscription.next_billing_at, subscription.cancel_effective_at)


class Charger:
    """Charges subscriptions of one tenant: loads what billing needs in a few queries per batch."""

    def __init__(self, session: Session, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope
        tenant = TenantDirectory(session).by_id(scope.tenant_id)
        assert tenant is not None
        self.time_zone = tenant.time_zone
        self.subscriptions = DueSubscriptionRepository(session, scope)
        self.positions = OpenPositionRepository(session, scope)

    def attached_addons(self, subscription_ids: list[int]) -> list[tuple[SubscriptionAddon, Addon]]:
        """The addons attached to the subscriptions, removed ones too (a removal mid-period still
        bills its used part)."""
        return AttachedAddonRepository(self.session, self.scope).with_addons_for(subscription_ids)

    def lock_due(self, now: datetime, first_id: int, last_id: int) -> list[DueSubscription]:
        """The due subscriptions with ids in `first_id..last_id` (a billing unit) as plain rows,
        locked until commit: one read, no ORM object per row."""
        parsed: dict[str, tuple[dict[str, Any], PlanTerms]] = {}
        due = []
        for *values, snapshot_text in self.subscriptions.lock_due_rows(now, first_id, last_id):
            # Subscriptions of one plan share their snapshot's text: parse it once per unit. The
            # dict is shared but never changed in place (a refresh assigns a new one).
            if snapshot_text not in parsed:
                snapshot = json.loads(snapshot_text)
                parsed[snapshot_text] = (snapshot, PlanTerms.from_json(snapshot))
            cached = parsed[snapshot_text]
            due.append(DueSubscription(*values, cached[0], cached))
        return due

    def bill(self, subscriptions: Sequence[Subscription | DueSubscription], now: datetime) -> int:
        """Charge what is due for `subscriptions` (locked by the caller); returns new positions.

        The charges go in with one insert. `Subscription`s are saved with their ORM state;
        `DueSubscription` rows (a billing unit's) with one update of those that moved, and one of
        those whose terms were refreshed."""
        if not subscriptions:
            return 0
        self.subscriptions.check_owned(subscriptions)
        ids = [s.id for s in subscriptions if s.id is not None]
        attached: dict[int, list[tuple[SubscriptionAddon, Addon]]] = {}
        for pair in self.attached_addons(ids):
            attached.setdefault(pair[0].subscription_id, []).append(pair)
        plans = terms_by_plan(self.session, self.scope, {s.plan_id for s in subscriptions})
        charges: list[Charge] = []
        orm: list[Subscription] = []
        moved: list[DueSubscription] = []
        repriced: list[DueSubscription] = []
        for subscription in subscriptions:
            assert subscription.id is not None
            row = subscription if isinstance(subscription, DueSubscription) else None
            before = _billing_state(row) if row is not None else ()
            snapshot = subscription.plan_snapshot
            charges.extend(
                bill_subscription(
                    subscription,  # type: ignore[arg-type]  # a row has every column billing reads
                    self.time_zone,
                    attached.get(subscription.id, []),
                    plans.get(subscription.plan_id),
                    now,
                )
            )
            if row is None:
                orm.append(subscription)  # type: ignore[arg-type]
                continue
            if _billing_state(row) != before:
                moved.append(row)
            if row.plan_snapshot is not snapshot:
                repriced.append(row)
        inserted = self.add(charges, now)
        self.subscriptions.save_billing_state([s for s in orm if self.session.is_modified(s)])
        self.subscriptions.save_due_state(moved, repriced)
        return inserted

    def add(self, charges: list[Charge], now: datetime) -> int:
        return self.positions.add_charges([charge.as_row() for charge in charges], now)
