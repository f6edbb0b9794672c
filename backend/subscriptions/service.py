"""The subscription lifecycle (SPEC §4): order, plan change, cancel, resume, withdrawal, past due.

`Lifecycle` is the one entry point: ordering is in ordering.py, plan changes in plan_changes.py,
and ending a subscription (cancel, resume, cancel now, withdraw, expire) and dunning here. Every
transition is checked against the subscription's state; an impossible one raises a named
`SubscriptionError` (subscriptions/errors.py) with a message a customer understands and changes
nothing. Charges a transition causes (the first period, a prorated part, a credit for unused
time) are computed by the same functions the billing job uses, so a plan-change preview equals
what is charged.
"""

from __future__ import annotations

from datetime import date, datetime

from backend.billing.charging import addon_charges, plan_charge, schedule_of, terms_of
from backend.billing.positions import charges_of_subscription
from backend.billing.source_ref import SourceRef
from backend.catalog.terms import PlanTerms
from backend.customers.service import billing_profile
from backend.kit.policy import Action, authorize
from backend.models import CustomerType, Subscription, SubscriptionStatus
from backend.models.statuses import CHANGEABLE_SUBSCRIPTION_STATUSES, NOT_STARTED_SUBSCRIPTION_STATUSES
from backend.periods import Period, Schedule, add_days
from backend.subscriptions import mails as subscription_mails
from backend.subscriptions.addon_changes import AddonChanges
from backend.subscriptions.errors import (
    CancellationInEffect,
    CannotBecomePastDue,
    CommitmentNotOver,
    SubscriptionAlreadyCanceled,
    SubscriptionAlreadyEnded,
    SubscriptionAlreadyEnding,
    SubscriptionNotCancelable,
    SubscriptionNotCanceling,
    SubscriptionNotPastDue,
    WithdrawalForConsumersOnly,
    WithdrawalInEuOnly,
    WithdrawalPeriodOver,
)
from backend.subscriptions.ordering import Ordering
from backend.subscriptions.plan_changes import PlanChanges
from backend.tax.rates import is_eu_country

WITHDRAWAL_DAYS = 14


class Lifecycle(Ordering, PlanChanges, AddonChanges):
    """Lifecycle operations of one tenant's subscriptions within one unit of work, done by `actor`
    (each operation asks the policy first: customers act on their own subscriptions only)."""

    def cancel(self, subscription_id: int, now: datetime) -> Subscription:
        """Cancel at the end of the period (after the notice period); refused during the minimum
        commitment. A trial canceled before it ends costs nothing."""
        subscription = self._authorized(Action.CANCEL_SUBSCRIPTION, subscription_id)
        if subscription.status in NOT_STARTED_SUBSCRIPTION_STATUSES:
            return self.end_unstarted(subscription, now, "subscription.cancel")
        if subscription.status in CHANGEABLE_SUBSCRIPTION_STATUSES:
            self.charger.bill([subscription], now)  # due periods first, whenever the job last ran
        terms = terms_of(subscription)
        if subscription.status == SubscriptionStatus.PENDING_CANCEL:
            raise SubscriptionAlreadyEnding(_day(subscription.cancel_effective_at))
        if subscription.status not in CHANGEABLE_SUBSCRIPTION_STATUSES:
            raise SubscriptionNotCancelable(subscription.status)
        if subscription.status == SubscriptionStatus.TRIALING:
            effective = subscription.trial_end or now
            subscription.next_billing_at = None
        else:
            assert subscription.started_at is not None
            committed_until = add_days(
                subscription.started_at, terms.minimum_commitment_days, self.charger.time_zone
            )
            if now < committed_until:
                raise CommitmentNotOver(committed_until.date())
            effective = self._effective_cancel_time(subscription, terms, now)
            if not terms.in_advance and subscription.next_billing_at is not None:
                subscription.next_billing_at = min(subscription.next_billing_at, effective)
        before = {"status": str(subscription.status)}
        subscription.status = SubscriptionStatus.PENDING_CANCEL
        subscription.cancel_requested_at, subscription.cancel_effective_at = now, effective
        self.session.flush()
        self._audit("subscription.cancel", subscription, before, {"effective": effective.isoformat()})
        subscription_mails.cancellation_scheduled(
            self.session, self.scope, subscription, self.charger.time_zone
        )
        return subscription

    def end_unstarted(self, subscription: Subscription, now: datetime, action: str) -> Subscription:
        """A subscription whose server never ran (provisioning, backordered) ends at once: nothing
        was billed, so nothing is charged or credited; provisioning tears down what was created."""
        self.subscriptions.check_owned([subscription])
        before = {"status": str(subscription.status)}
        subscription.status = SubscriptionStatus.CANCELED
        subscription.cancel_requested_at = subscription.cancel_effective_at = subscription.canceled_at = now
        subscription.next_billing_at = None
        self.session.flush()
        self._audit(action, subscription, before, {"status": "canceled"})
        subscription_mails.canceled(self.session, self.scope, subscription, self.charger.time_zone)
        return subscription

    def _effective_cancel_time(self, subscription: Subscription, terms: PlanTerms, now: datetime) -> datetime:
        """When a cancellation at `now` takes effect: the end of the notice period (calendar days),
        or with `cancel_at_period_end` the first period boundary at or after it. A notice period
        that ends exactly on a boundary ends the subscription there, whichever boundary it is."""
        earliest = add_days(now, terms.notice_days, self.charger.time_zone)
        if not terms.cancel_at_period_end:
            return earliest
        if subscription.current_period_end and earliest <= subscription.current_period_end:
            return subscription.current_period_end
        schedule = schedule_of(subscription, terms, self.charger.time_zone)
        index = schedule.index_at(earliest)
        return earliest if schedule.boundary(index) == earliest else schedule.boundary(index + 1)

    def resume(self, subscription_id: int, now: datetime) -> Subscription:
        """Take back a cancellation that has not taken effect yet."""
        subscription = self._authorized(Action.RESUME_SUBSCRIPTION, subscription_id)
        if subscription.status != SubscriptionStatus.PENDING_CANCEL:
            raise SubscriptionNotCanceling()
        self.charger.bill([subscription], now)
        assert subscription.cancel_effective_at is not None
        if now >= subscription.cancel_effective_at:
            raise CancellationInEffect()
        terms = terms_of(subscription)
        if subscription.trial_end is not None and subscription.anchor_at is None:
            subscription.status = SubscriptionStatus.TRIALING
            subscription.next_billing_at = subscription.trial_end
        else:
            subscription.status = SubscriptionStatus.ACTIVE
            schedule = schedule_of(subscription, terms, self.charger.time_zone)
            if terms.in_advance:
                self._charge_rest_of_cut_period(subscription, terms, schedule, now)
                subscription.next_billing_at = schedule.boundary(subscription.period_index)
            else:
                subscription.next_billing_at = schedule.boundary(subscription.period_index + 1)
        subscription.cancel_requested_at = subscription.cancel_effective_at = None
        self.session.flush()
        self._audit(
            "subscription.resume", subscription, {"status": "pending_cancel"}, {"status": subscription.status}
        )
        return subscription

    def _charge_rest_of_cut_period(
        self, subscription: Subscription, terms: PlanTerms, schedule: Schedule, now: datetime
    ) -> None:
        """A period charged in advance while a cancellation was pending was charged only up to the
        cancellation; resumed, the rest of it is charged now."""
        effective, full = subscription.cancel_effective_at, schedule.period(subscription.period_index - 1)
        assert effective is not None and subscription.id is not None
        if not full.start < effective < full.end:
            return
        charged_until = max(
            (
                p.period_end
                for p in charges_of_subscription(self.session, self.scope, subscription.id)
                if _is_plan_charge(SourceRef.parse(p.source_ref)) and p.period_end is not None
            ),
            default=None,
        )
        if charged_until != effective:
            return  # the period was charged in full before the cancellation was asked for
        rest = Period(effective, full.end)
        charges = [plan_charge(subscription, terms, rest, full)]
        charges.extend(addon_charges(subscription, terms, self._addons(subscription), rest, full))
        self.charger.add(charges, now)

    def cancel_immediately(self, subscription_id: int, now: datetime) -> Subscription:
        """Admin: end now. Arrear plans are charged up to now, advance plans credited the rest."""
        authorize(self.actor, self.scope, Action.CANCEL_IMMEDIATELY)
        subscription = self._locked(subscription_id)
        if subscription.status == SubscriptionStatus.CANCELED:
            raise SubscriptionAlreadyCanceled()
        before = {"status": str(subscription.status)}
        self._end(subscription, now)
        self._audit("subscription.cancel_immediately", subscription, before, {"status": "canceled"})
        subscription_mails.canceled(self.session, self.scope, subscription, self.charger.time_zone)
        return subscription

    def withdraw(self, subscription_id: int, now: datetime) -> Subscription:
        """Statutory withdrawal: consumers in the EU may withdraw within 14 days of ordering; the
        unused part is credited (or refunded through a credit note if already paid)."""
        subscription = self._authorized(Action.WITHDRAW_SUBSCRIPTION, subscription_id)
        profile = billing_profile(self.session, self.scope, subscription.customer_account_id)
        if profile is None or profile.customer_type != CustomerType.PRIVATE:
            raise WithdrawalForConsumersOnly()
        if not is_eu_country(profile.country):
            raise WithdrawalInEuOnly(profile.country)
        if subscription.status == SubscriptionStatus.CANCELED:
            raise SubscriptionAlreadyEnded()
        assert subscription.started_at is not None
        deadline = add_days(subscription.started_at, WITHDRAWAL_DAYS, self.charger.time_zone)
        if now > deadline:
            raise WithdrawalPeriodOver(deadline.date())
        before = {"status": str(subscription.status)}
        subscription.withdrawn_at = now
        self._end(subscription, now)
        self._audit("subscription.withdraw", subscription, before, {"status": "canceled"})
        subscription_mails.canceled(self.session, self.scope, subscription, self.charger.time_zone)
        return subscription

    def _end(self, subscription: Subscription, at: datetime) -> None:
        """Finish the subscription at `at`: final charge (arrear) or credit (advance)."""
        if subscription.anchor_at is not None and subscription.status != SubscriptionStatus.TRIALING:
            subscription.cancel_effective_at = min(subscription.cancel_effective_at or at, at)
            if not terms_of(subscription).in_advance:
                subscription.next_billing_at = at
            self.charger.bill([subscription], at)
            self._credit_unused(subscription, at)
        subscription.status = SubscriptionStatus.CANCELED
        subscription.cancel_effective_at = min(subscription.cancel_effective_at or at, at)
        subscription.canceled_at = at
        subscription.next_billing_at = None
        self.session.flush()

    def _credit_unused(self, subscription: Subscription, at: datetime) -> None:
        """Advance billing: credit whatever was charged for time after `at`."""
        if terms_of(subscription).in_advance:
            self._apply([], self.unused.credits_after(subscription, at), at)

    def expire(self, subscription_id: int) -> bool:
        """Carry out a cancellation whose effective time has come: the final charge (arrear) or
        the credit for time after it (advance), then canceled. False when nothing was due."""
        authorize(self.actor, self.scope, Action.EXPIRE_SUBSCRIPTION)
        subscription = self._locked(subscription_id)
        effective = subscription.cancel_effective_at
        if subscription.status != SubscriptionStatus.PENDING_CANCEL or effective is None:
            return False
        if subscription.anchor_at is not None:
            self.charger.bill([subscription], effective)
            self._credit_unused(subscription, effective)
        subscription.status, subscription.canceled_at = SubscriptionStatus.CANCELED, effective
        subscription.next_billing_at = None
        subscription_mails.canceled(self.session, self.scope, subscription, self.charger.time_zone)
        return True

    # --- dunning --------------------------------------------------------------------------------

    def mark_past_due(self, subscription_id: int, now: datetime, *, suspend: bool = False) -> Subscription:
        """After the last payment reminder: past due, and optionally suspended (servers stopped)."""
        authorize(self.actor, self.scope, Action.MARK_PAST_DUE)
        subscription = self._locked(subscription_id)
        if subscription.status not in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
            raise CannotBecomePastDue(subscription.status)
        before = {"status": str(subscription.status)}
        subscription.status = SubscriptionStatus.PAST_DUE
        if suspend and subscription.suspended_at is None:
            subscription.suspended_at = now
        self.session.flush()
        self._audit("subscription.past_due", subscription, before, {"suspended": suspend})
        return subscription

    def reinstate(self, subscription_id: int, now: datetime) -> Subscription:
        """Paid again: back to active and no longer suspended."""
        authorize(self.actor, self.scope, Action.REINSTATE_SUBSCRIPTION)
        subscription = self._locked(subscription_id)
        if subscription.status != SubscriptionStatus.PAST_DUE:
            raise SubscriptionNotPastDue()
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.suspended_at = None
        self.session.flush()
        self._audit("subscription.reinstate", subscription, {"status": "past_due"}, {"status": "active"})
        return subscription


def _is_plan_charge(ref: SourceRef) -> bool:
    return ref.is_plan and not ref.is_credit


def _day(at: datetime | None) -> date | None:
    return at.date() if at else None
