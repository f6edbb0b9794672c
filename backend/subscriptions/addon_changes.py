"""Addon changes on a running subscription (SPEC §4: "the old price up to the change, the new price
after; in advance billing a credit for the unused part"), and their previews.

An attached addon is a `SubscriptionAddon` row with `added_at` and `removed_at`; billing charges it
per plan period for the part of the period it was attached (`addon_charges`, its price converted
to the plan's interval by `price_factor`), so the period charges after a change need nothing here.
What happens at the change itself:
- added, billed in advance: the rest of the period already charged is charged now, prorated by the
  second, under the attachment's own source reference starting now (the next period's charge starts
  at the period boundary: billing never charges the same time twice);
- added, billed in arrears (or during a trial): nothing now; the period's charge at its end covers
  the time from the addition;
- removed, billed in advance: the unused part of the addon's charges is credited (a credit note
  when the charge was invoiced);
- removed, billed in arrears: the used part is charged now, under the very source reference the
  period's charge at its end would use, so that charge finds it and inserts nothing.
A preview runs the same step in a savepoint that is always rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from backend.billing.charging import Charge, addon_charges, schedule_of, terms_of
from backend.billing.source_ref import ChargedPart, SourceRef
from backend.catalog.addons import find_addon
from backend.catalog.plans import addon_ids_allowed_with
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action
from backend.models import Addon, IntervalUnit, Subscription, SubscriptionAddon, SubscriptionStatus
from backend.models.statuses import CHANGEABLE_SUBSCRIPTION_STATUSES, RUNNING_SUBSCRIPTION_STATUSES
from backend.money import Money
from backend.periods import Interval, Period
from backend.periods import price_factor as periods_price_factor
from backend.subscriptions.credits import Credit
from backend.subscriptions.errors import (
    AddonAlreadyAttached,
    AddonCurrencyMismatch,
    AddonNotAttached,
    AddonNotAvailable,
    AddonQuantityOutOfRange,
    AddonsNotChangeable,
    AddonWhileCanceling,
)
from backend.subscriptions.schemas import MAX_ADDON_QUANTITY, AddonChangePreview, PlanChangeLine
from backend.subscriptions.steps import LifecycleSteps

Step = Callable[[Subscription, datetime], AddonChangePreview]


class AddonChanges(LifecycleSteps):
    """Adding and removing addons of one tenant's running subscriptions."""

    def preview_add_addon(
        self, subscription_id: int, addon_id: int, quantity: int, now: datetime
    ) -> AddonChangePreview:
        """What adding the addon now charges: `add_addon` itself, rolled back."""
        subscription = self._authorized(Action.PREVIEW_ADDON_CHANGE, subscription_id, lock=False)
        return self._addon_rolled_back(
            subscription, lambda s, at: self._attach(s, addon_id, quantity, at), now
        )

    def add_addon(
        self, subscription_id: int, addon_id: int, quantity: int, now: datetime
    ) -> AddonChangePreview:
        """Attach an addon the plan allows; billed in advance, the rest of the charged period is
        charged now (prorated), the full price from the next period on."""
        subscription = self._authorized(Action.ADD_ADDON, subscription_id)
        change = self._attach(subscription, addon_id, quantity, now)
        self._audit(
            "subscription.add_addon",
            subscription,
            {"addons": self._attached_keys(subscription, but=change.addon_id)},
            {"addon": change.addon_name, "quantity": quantity, "charged_now": change.total},
        )
        return change

    def preview_remove_addon(self, subscription_id: int, addon_id: int, now: datetime) -> AddonChangePreview:
        """What removing the addon now credits or charges: `remove_addon` itself, rolled back."""
        subscription = self._authorized(Action.PREVIEW_ADDON_CHANGE, subscription_id, lock=False)
        return self._addon_rolled_back(subscription, lambda s, at: self._detach(s, addon_id, at), now)

    def remove_addon(self, subscription_id: int, addon_id: int, now: datetime) -> AddonChangePreview:
        """Detach the addon now: billed in advance its unused time is credited, in arrears its used
        part is charged."""
        subscription = self._authorized(Action.REMOVE_ADDON, subscription_id)
        change = self._detach(subscription, addon_id, now)
        self._audit(
            "subscription.remove_addon",
            subscription,
            {"addon": change.addon_name, "quantity": change.quantity},
            {"removed": True, "charged_now": change.total},
        )
        return change

    # --- the steps ------------------------------------------------------------------------------

    def _addon_rolled_back(self, subscription: Subscription, step: Step, now: datetime) -> AddonChangePreview:
        savepoint = self.session.begin_nested()
        try:
            return step(subscription, now)
        finally:
            savepoint.rollback()
            self.session.expire_all()

    def _attach(
        self, subscription: Subscription, addon_id: int, quantity: int, now: datetime
    ) -> AddonChangePreview:
        if subscription.status == SubscriptionStatus.PENDING_CANCEL:
            raise AddonWhileCanceling()
        if subscription.status not in CHANGEABLE_SUBSCRIPTION_STATUSES:
            raise AddonsNotChangeable(subscription.status)
        addon = find_addon(self.session, self.scope, addon_id)
        if addon is None:
            raise NotFoundError("Addon not found.")
        terms = terms_of(subscription)
        if addon.id not in addon_ids_allowed_with(self.session, self.scope, subscription.plan_id):
            raise AddonNotAvailable(addon.name, terms.name)
        if not addon.active:
            raise AddonNotAvailable(addon.name, terms.name)
        if addon.currency != terms.currency:
            raise AddonCurrencyMismatch(addon.name, terms.name)
        if not 1 <= quantity <= MAX_ADDON_QUANTITY:
            raise AddonQuantityOutOfRange(addon.name, MAX_ADDON_QUANTITY)
        if self._attachment_of(subscription, addon.id) is not None:
            raise AddonAlreadyAttached(addon.name)
        self.charger.bill([subscription], now)  # periods that are due are charged first
        before = self._recurring_price(subscription)
        assert subscription.id is not None
        attached = SubscriptionAddon(
            tenant_id=self.scope.tenant_id,
            subscription_id=subscription.id,
            addon_id=addon.id,  # type: ignore[arg-type]
            quantity=quantity,
            added_at=now,
        )
        self.session.add(attached)
        self.session.flush()
        charges: list[Charge] = []
        if _billed(subscription) and terms.in_advance:
            # The period charged last (at its start) runs now: the addon's share of its rest.
            full = schedule_of(subscription, terms, self.charger.time_zone).period(
                subscription.period_index - 1
            )
            if full.start <= now < full.end:
                charges = addon_charges(subscription, terms, [(attached, addon)], Period(now, full.end), full)
        self._apply(charges, [], now)
        return self._addon_change(subscription, addon, quantity, False, now, charges, [], before)

    def _detach(self, subscription: Subscription, addon_id: int, now: datetime) -> AddonChangePreview:
        if subscription.status not in RUNNING_SUBSCRIPTION_STATUSES:
            raise AddonsNotChangeable(subscription.status)
        found = self._attachment_of(subscription, addon_id)
        if found is None:
            addon = find_addon(self.session, self.scope, addon_id)
            if addon is None:
                raise NotFoundError("Addon not found.")
            raise AddonNotAttached(addon.name)
        attached, addon = found
        self.charger.bill([subscription], now)
        before = self._recurring_price(subscription)
        attached.removed_at = now
        self.session.flush()
        terms = terms_of(subscription)
        charges: list[Charge] = []
        credits: list[Credit] = []
        if _billed(subscription):
            if terms.in_advance:
                credits = [
                    credit
                    for credit in self.unused.credits_after(subscription, now)
                    if _of_attachment(credit.charge.source_ref, attached)
                ]
            else:
                full = schedule_of(subscription, terms, self.charger.time_zone).period(
                    subscription.period_index
                )
                start = subscription.current_period_start or full.start
                if start < now:
                    charges = addon_charges(
                        subscription, terms, [(attached, addon)], Period(start, now), full
                    )
        self._apply(charges, credits, now)
        return self._addon_change(subscription, addon, attached.quantity, True, now, charges, credits, before)

    # --- helpers --------------------------------------------------------------------------------

    def _attachment_of(
        self, subscription: Subscription, addon_id: int
    ) -> tuple[SubscriptionAddon, Addon] | None:
        """The attachment of `addon_id` that is not removed yet."""
        for attached, addon in self._addons(subscription):
            if attached.addon_id == addon_id and attached.removed_at is None:
                return attached, addon
        return None

    def _attached_keys(self, subscription: Subscription, *, but: int) -> list[str]:
        return sorted(
            addon.key
            for attached, addon in self._addons(subscription)
            if attached.removed_at is None and addon.id != but
        )

    def _recurring_price(self, subscription: Subscription) -> Decimal:
        """A full period's net price: the plan and each attached addon, rounded per line as invoiced."""
        terms = terms_of(subscription)
        total = Money.of(terms.price, terms.currency).round_to_minor()
        for attached, addon in self._addons(subscription):
            if attached.removed_at is None:
                total = (
                    total
                    + Money.of(
                        addon_price(addon, terms.interval) * attached.quantity, terms.currency
                    ).round_to_minor()
                )
        return total.amount

    def _addon_change(
        self,
        subscription: Subscription,
        addon: Addon,
        quantity: int,
        removing: bool,
        now: datetime,
        charges: list[Charge],
        credits: list[Credit],
        before: Decimal,
    ) -> AddonChangePreview:
        assert subscription.id is not None and addon.id is not None
        terms = terms_of(subscription)
        booked = [*charges, *(credit.charge for credit in credits)]
        lines = [PlanChangeLine(c.description, c.covered.start, c.covered.end, c.amount) for c in booked]
        running = _billed(subscription)
        return AddonChangePreview(
            subscription_id=subscription.id,
            addon_id=addon.id,
            addon_name=addon.name,
            quantity=quantity,
            removing=removing,
            currency=terms.currency,
            effective_at=now,
            lines=lines,
            total=sum((line.amount for line in lines), Money.of(0, terms.currency).round_to_minor().amount),
            charged_at_period_end=running and not terms.in_advance and not removing,
            recurring_before=before,
            recurring_after=self._recurring_price(subscription),
        )


def addon_price(addon: Addon, period: Interval) -> Decimal:
    """The addon's price per plan period (exact), as billing converts it."""
    return addon.price * periods_price_factor(
        Interval(IntervalUnit(addon.interval_unit), addon.interval_count), period
    )


def _of_attachment(ref: SourceRef, attached: SubscriptionAddon) -> bool:
    return ref.part == ChargedPart.ADDON and ref.item_id == attached.id


def _billed(subscription: Subscription) -> bool:
    """Past its trial, on a period grid: its periods are charged."""
    return subscription.status != SubscriptionStatus.TRIALING and subscription.anchor_at is not None
