"""Plan changes (SPEC §4): switching plans now, and the preview of what that costs.

The old price applies up to the change, the new one after it. Billed in advance, the charged
period's unused part is credited (a credit note when it was invoiced) and the new plan charged
for the rest of the period; on a new period grid (another interval, timing or anchor day) the
grid restarts at the change. Billed in arrears, the old plan is charged for the time used. A
preview computes the same charges `change_plan` adds, and changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from backend.audit import service as audit
from backend.billing.charging import Charge, addon_charges, open_grid, plan_charge, schedule_of, terms_of
from backend.catalog.plans import addon_ids_allowed_with
from backend.catalog.terms import PlanTerms
from backend.kit.policy import Action
from backend.models import Plan, Subscription, SubscriptionStatus
from backend.models.statuses import CHANGEABLE_SUBSCRIPTION_STATUSES
from backend.money import Money
from backend.periods import Period, Schedule, first_anchor
from backend.subscriptions.credits import Credit
from backend.subscriptions.errors import (
    AddonNotInPlan,
    AlreadyOnPlan,
    PlanChangeWhileCanceling,
    PlanCurrencyMismatch,
    SubscriptionNotChangeable,
)
from backend.subscriptions.schemas import PlanChangeLine, PlanChangePreview
from backend.subscriptions.steps import LifecycleSteps


class PlanChanges(LifecycleSteps):
    """Plan changes of one tenant's subscriptions."""

    def preview_plan_change(self, subscription_id: int, new_plan_id: int, now: datetime) -> PlanChangePreview:
        """What changing the plan now costs: the same charges `change_plan` will add."""
        subscription = self._authorized(Action.PREVIEW_PLAN_CHANGE, subscription_id, lock=False)
        new_plan = self._plan_change_target(subscription, new_plan_id)
        # Bring billing up to date as change_plan will, then forget it: a preview changes nothing.
        savepoint = self.session.begin_nested()
        try:
            self.charger.bill([subscription], now)
            charges, credits, _ = self._plan_change_charges(
                subscription, _next_terms(subscription, new_plan), now
            )
            return self._preview(subscription, new_plan, [*[c.charge for c in credits], *charges])
        finally:
            savepoint.rollback()
            self.session.expire(subscription)

    def change_plan(self, subscription_id: int, new_plan_id: int, now: datetime) -> PlanChangePreview:
        """Switch plans now: the old price up to now, the new price after; in advance billing a
        credit for the unused part of the charged period (a credit note if it was invoiced)."""
        subscription = self._authorized(Action.CHANGE_PLAN, subscription_id)
        new_plan = self._plan_change_target(subscription, new_plan_id)
        self.charger.bill([subscription], now)  # periods that are due are charged first
        old_terms, new_terms = terms_of(subscription), _next_terms(subscription, new_plan)
        charges, credits, regrid = self._plan_change_charges(subscription, new_terms, now)
        preview = self._preview(subscription, new_plan, [*[c.charge for c in credits], *charges])
        self._apply(charges, credits, now)
        subscription.plan_id = new_plan.id  # type: ignore[assignment]
        subscription.plan_snapshot = new_terms.to_json()
        if subscription.status != SubscriptionStatus.TRIALING:
            if regrid:
                open_grid(subscription, new_terms, self.charger.time_zone, now)
                if new_terms.in_advance:
                    subscription.period_index += 1
                    subscription.next_billing_at = subscription.current_period_end
            else:
                subscription.current_period_start = now
        self.session.flush()
        audit.record(
            self.session,
            self.scope,
            self.actor,
            "subscription.change_plan",
            object_type="subscription",
            object_id=subscription.number,
            before={"plan": old_terms.key},
            after={"plan": new_terms.key, "charged_now": str(preview.total)},
        )
        return preview

    def _plan_change_target(self, subscription: Subscription, new_plan_id: int) -> Plan:
        if subscription.status == SubscriptionStatus.PENDING_CANCEL:
            raise PlanChangeWhileCanceling()
        if subscription.status not in CHANGEABLE_SUBSCRIPTION_STATUSES:
            raise SubscriptionNotChangeable(subscription.status)
        plan = self._orderable_plan(new_plan_id)
        if plan.id == subscription.plan_id:
            raise AlreadyOnPlan(plan.name)
        current = terms_of(subscription)
        if plan.currency != current.currency:
            raise PlanCurrencyMismatch(plan.name, plan.currency, current.currency)
        assert plan.id is not None and subscription.id is not None
        allowed = addon_ids_allowed_with(self.session, self.scope, plan.id)
        for attached, addon in self.charger.attached_addons([subscription.id]):
            if attached.removed_at is None and attached.addon_id not in allowed:
                raise AddonNotInPlan(plan.name, addon.name)
        return plan

    def _plan_change_charges(
        self, subscription: Subscription, new_terms: PlanTerms, now: datetime
    ) -> tuple[list[Charge], list[Credit], bool]:
        """(charges due now, credits for unused time, whether the period grid restarts at `now`)."""
        if subscription.status == SubscriptionStatus.TRIALING or subscription.anchor_at is None:
            return [], [], False
        old = terms_of(subscription)
        regrid = not old.same_grid(new_terms)
        schedule = schedule_of(subscription, old, self.charger.time_zone)
        addons = self._addons(subscription)
        charges: list[Charge] = []
        credits: list[Credit] = []
        if old.in_advance:
            # Addons go on unchanged on the same grid; on a new grid they are credited and recharged.
            credits = self.unused.credits_after(subscription, now, addons=regrid)
            full = schedule.period(subscription.period_index - 1)
            if not regrid and now < full.end:
                charges.append(plan_charge(subscription, new_terms, Period(now, full.end), full))
        else:
            full = schedule.period(subscription.period_index)
            start = subscription.current_period_start or full.start
            if start < now:
                used = Period(start, now)
                charges.append(plan_charge(subscription, old, used, full))
                charges.extend(addon_charges(subscription, old, addons, used, full))
        if regrid and new_terms.in_advance:
            zone = self.charger.time_zone
            anchor = first_anchor(now, new_terms.interval, zone, new_terms.billing_anchor_day)
            new_schedule = Schedule(anchor, new_terms.interval, zone, new_terms.billing_anchor_day)
            new_full = new_schedule.period(new_schedule.index_at(now))
            covered = Period(now, new_full.end)
            charges.append(plan_charge(subscription, new_terms, covered, new_full))
            charges.extend(addon_charges(subscription, new_terms, addons, covered, new_full))
        return charges, credits, regrid

    def _preview(
        self, subscription: Subscription, new_plan: Plan, charges: list[Charge]
    ) -> PlanChangePreview:
        assert subscription.id is not None
        current = terms_of(subscription)
        lines = [PlanChangeLine(c.description, c.covered.start, c.covered.end, c.amount) for c in charges]
        return PlanChangePreview(
            subscription_id=subscription.id,
            from_plan=current.name,
            to_plan=new_plan.name,
            currency=current.currency,
            lines=lines,
            total=sum((line.amount for line in lines), Decimal(0)),
            next_period_price=Money.of(PlanTerms.of(new_plan).price, new_plan.currency)
            .round_to_minor()
            .amount,
        )


def _next_terms(subscription: Subscription, plan: Plan) -> PlanTerms:
    """The terms of `plan` as the subscription's next revision (see `PlanTerms.revision`)."""
    return replace(PlanTerms.of(plan), revision=terms_of(subscription).revision + 1)
