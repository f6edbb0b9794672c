"""The subscription lifecycle: order, plan change, cancel, resume, withdrawal, past due (SPEC §4).

Every transition is checked against the subscription's state; an impossible one raises a
`SubscriptionError` with a message a customer understands and changes nothing. Charges a
transition causes (the first period, a prorated part, a credit for unused time) are computed by
the same functions the billing job uses, so a plan-change preview equals what is charged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.audit import service as audit
from backend.billing.charging import (
    BUCKET_SIZE,
    Charge,
    Charger,
    addon_charges,
    open_grid,
    parse_range,
    plan_charge,
    schedule_of,
    terms_of,
)
from backend.billing.source_ref import SourceRef
from backend.catalog.repository import (
    AddonRepository,
    PlanAddonRepository,
    PlanRepository,
    PromotionRedemptionRepository,
    PromotionRepository,
)
from backend.catalog.terms import PlanTerms
from backend.customers.repository import CustomerAccountRepository, CustomerProfileRepository
from backend.invoicing.repository import DocumentSequenceRepository
from backend.kit.coordination import Coordinator
from backend.kit.errors import DomainError, NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import (
    Addon,
    CustomerType,
    DocumentKind,
    Plan,
    Promotion,
    PromotionBenefit,
    PromotionEligibility,
    PromotionRedemption,
    Subscription,
    SubscriptionAddon,
    SubscriptionStatus,
)
from backend.models.statuses import CHANGEABLE_SUBSCRIPTION_STATUSES
from backend.money import Money
from backend.periods import Period, Schedule, add_days, first_anchor
from backend.subscriptions.credits import Credit, UnusedTime
from backend.subscriptions.repository import SubscriptionAddonRepository, SubscriptionRepository

WITHDRAWAL_DAYS = 14


class SubscriptionError(DomainError):
    """A lifecycle step the subscription's state or terms do not allow."""


@dataclass(frozen=True, slots=True)
class OrderRequest:
    customer_account_id: int
    plan_id: int
    options: dict[str, Any] = field(default_factory=dict)
    addons: dict[int, int] = field(default_factory=dict)  # addon id -> quantity
    promotion_code: str = ""


@dataclass(frozen=True, slots=True)
class PreviewLine:
    description: str
    period_start: datetime
    period_end: datetime
    amount: Decimal  # net, negative for a credit


@dataclass(frozen=True, slots=True)
class PlanChangePreview:
    subscription_id: int
    from_plan: str
    to_plan: str
    currency: str
    lines: list[PreviewLine]
    total: Decimal  # net due now (negative: credited)
    next_period_price: Decimal


class Lifecycle:
    """Lifecycle operations of one tenant's subscriptions within one unit of work, done by `actor`
    (each operation asks the policy first: customers act on their own subscriptions only)."""

    def __init__(self, session: Session, scope: TenantScope, actor: audit.Actor) -> None:
        self.session = session
        self.scope = scope
        self.actor = actor
        self.charger = Charger(session, scope)
        self.subscriptions = SubscriptionRepository(session, scope)
        self.attached = SubscriptionAddonRepository(session, scope)
        self.plans = PlanRepository(session, scope)
        self.unused = UnusedTime(session, scope, actor)

    # --- order ---------------------------------------------------------------------------------

    def order(self, request: OrderRequest, now: datetime) -> Subscription:
        """Order a plan: options and addons checked against the plan, the promotion against its
        limits and eligibility; the first period is charged at once when billed in advance."""
        authorize(
            self.actor, self.scope, Action.ORDER_SUBSCRIPTION, owner_account_id=request.customer_account_id
        )
        customer = CustomerAccountRepository(self.session, self.scope).get(request.customer_account_id)
        if customer is None:
            raise NotFoundError("Customer not found.")
        if (
            CustomerProfileRepository(self.session, self.scope).for_account(request.customer_account_id)
            is None
        ):
            raise SubscriptionError("Please complete your billing profile before ordering.")
        plan = self._orderable_plan(request.plan_id)
        options = self._checked_options(plan, request.options)
        addons = self._checked_addons(plan, request.addons)
        promotion = self._checked_promotion(request.promotion_code, plan, request.customer_account_id, now)
        terms = PlanTerms.of(plan)
        number = DocumentSequenceRepository(self.session, self.scope).take(DocumentKind.SUBSCRIPTION, 0, 1)[0]
        subscription = Subscription(
            number=f"SUB-{number:06d}",
            customer_account_id=request.customer_account_id,
            plan_id=plan.id,  # type: ignore[arg-type]
            status=SubscriptionStatus.ACTIVE,
            options=options,
            plan_snapshot=terms.to_json(),
            promotion_id=promotion.id if promotion else None,
            started_at=now,
        )
        if terms.trial_days > 0:
            subscription.status = SubscriptionStatus.TRIALING
            subscription.trial_end = add_days(now, terms.trial_days, self.charger.time_zone)
            subscription.current_period_start, subscription.current_period_end = now, subscription.trial_end
            subscription.next_billing_at = subscription.trial_end
        else:
            open_grid(subscription, terms, self.charger.time_zone, now)
        self.subscriptions.add(subscription)
        for addon, quantity in addons:
            self.attached.add(
                SubscriptionAddon(
                    subscription_id=subscription.id,  # type: ignore[arg-type]
                    addon_id=addon.id,  # type: ignore[arg-type]
                    quantity=quantity,
                    added_at=now,
                )
            )
        if promotion is not None:
            PromotionRedemptionRepository(self.session, self.scope).add(
                PromotionRedemption(
                    promotion_id=promotion.id,  # type: ignore[arg-type]
                    customer_account_id=request.customer_account_id,
                    subscription_id=subscription.id,
                    redeemed_at=now,
                )
            )
        self.charger.bill([subscription], now)
        audit.record(
            self.session,
            self.scope,
            self.actor,
            "subscription.order",
            object_type="subscription",
            object_id=subscription.number,
            after={"plan": plan.key, "options": options, "addons": {a.key: q for a, q in addons}},
        )
        return subscription

    def _orderable_plan(self, plan_id: int) -> Plan:
        plan = self.plans.get(plan_id)
        if plan is None:
            raise NotFoundError("Plan not found.")
        if not plan.active:
            raise SubscriptionError(f"The plan {plan.name} is no longer available.")
        return plan

    @staticmethod
    def _checked_options(plan: Plan, chosen: dict[str, Any]) -> dict[str, Any]:
        allowed = plan.allowed_options or {}
        for key, value in chosen.items():
            if key not in allowed:
                raise SubscriptionError(f"The plan {plan.name} has no option {key!r}.")
            if isinstance(allowed[key], list) and value not in allowed[key]:
                choices = ", ".join(str(choice) for choice in allowed[key])
                raise SubscriptionError(f"{value!r} is not available for {key}; choose one of: {choices}.")
        return dict(chosen)

    def _checked_addons(self, plan: Plan, wanted: dict[int, int]) -> list[tuple[Addon, int]]:
        if not wanted:
            return []
        assert plan.id is not None
        allowed = {link.addon_id for link in PlanAddonRepository(self.session, self.scope).for_plan(plan.id)}
        addons = AddonRepository(self.session, self.scope)
        result = []
        for addon_id, quantity in sorted(wanted.items()):
            addon = addons.get(addon_id)
            if addon is None:
                raise NotFoundError("Addon not found.")
            if addon_id not in allowed or not addon.active:
                raise SubscriptionError(f"The addon {addon.name} is not available with {plan.name}.")
            if quantity < 1:
                raise SubscriptionError(f"Choose at least one {addon.name}.")
            if addon.currency != plan.currency:
                raise SubscriptionError(
                    f"The addon {addon.name} is priced in another currency than {plan.name}."
                )
            result.append((addon, quantity))
        return result

    def _checked_promotion(self, code: str, plan: Plan, customer_id: int, now: datetime) -> Promotion | None:
        code = code.strip().upper()
        if not code:
            return None
        promotion = PromotionRepository(self.session, self.scope).by_code(code)
        if promotion is None or not promotion.active:
            raise SubscriptionError(f"The promotion code {code} is not valid.")
        if promotion.valid_from and now < promotion.valid_from:
            raise SubscriptionError(f"The promotion code {code} is not valid yet.")
        if promotion.valid_until and now >= promotion.valid_until:
            raise SubscriptionError(f"The promotion code {code} has expired.")
        if promotion.eligible_plan_ids and plan.id not in promotion.eligible_plan_ids:
            raise SubscriptionError(f"The promotion code {code} does not apply to {plan.name}.")
        if promotion.benefit == PromotionBenefit.AMOUNT_OFF and promotion.currency != plan.currency:
            raise SubscriptionError(f"The promotion code {code} does not apply to prices in {plan.currency}.")
        assert promotion.id is not None
        total, mine = PromotionRedemptionRepository(self.session, self.scope).counts(
            promotion.id, customer_id
        )
        if promotion.max_redemptions is not None and total >= promotion.max_redemptions:
            raise SubscriptionError(f"The promotion code {code} has been used up.")
        if promotion.max_per_customer is not None and mine >= promotion.max_per_customer:
            raise SubscriptionError(f"You have already used the promotion code {code}.")
        existing = self.subscriptions.count_for_customer(customer_id)
        if promotion.eligibility == PromotionEligibility.NEW_CUSTOMERS and existing:
            raise SubscriptionError(f"The promotion code {code} is for new customers only.")
        if promotion.eligibility == PromotionEligibility.EXISTING_CUSTOMERS and not existing:
            raise SubscriptionError(f"The promotion code {code} is for existing customers only.")
        return promotion

    # --- plan change ---------------------------------------------------------------------------

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
            raise SubscriptionError(
                "This subscription is being canceled; resume it before changing its plan."
            )
        if subscription.status not in CHANGEABLE_SUBSCRIPTION_STATUSES:
            raise SubscriptionError(f"A {subscription.status} subscription cannot change its plan.")
        plan = self._orderable_plan(new_plan_id)
        if plan.id == subscription.plan_id:
            raise SubscriptionError(f"You are already on {plan.name}.")
        current = terms_of(subscription)
        if plan.currency != current.currency:
            raise SubscriptionError(
                f"{plan.name} is priced in {plan.currency}, your subscription in {current.currency}."
            )
        assert plan.id is not None and subscription.id is not None
        allowed = {link.addon_id for link in PlanAddonRepository(self.session, self.scope).for_plan(plan.id)}
        for attached, addon in self.charger.attached_addons([subscription.id]):
            if attached.removed_at is None and attached.addon_id not in allowed:
                raise SubscriptionError(
                    f"{plan.name} does not include the addon {addon.name}; remove it first."
                )
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
        lines = [PreviewLine(c.description, c.covered.start, c.covered.end, c.amount) for c in charges]
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

    def _apply(self, charges: list[Charge], credits: list[Credit], now: datetime) -> None:
        """Add charges and credits; a credit for an invoiced charge becomes a credit note."""
        self.charger.add([*charges, *self.unused.apply(credits, now)], now)

    # --- cancel, resume, withdraw ----------------------------------------------------------------

    def cancel(self, subscription_id: int, now: datetime) -> Subscription:
        """Cancel at the end of the period (after the notice period); refused during the minimum
        commitment. A trial canceled before it ends costs nothing."""
        subscription = self._authorized(Action.CANCEL_SUBSCRIPTION, subscription_id)
        if subscription.status in CHANGEABLE_SUBSCRIPTION_STATUSES:
            self.charger.bill([subscription], now)  # due periods first, whenever the job last ran
        terms = terms_of(subscription)
        if subscription.status == SubscriptionStatus.PENDING_CANCEL:
            raise SubscriptionError(
                f"This subscription already ends on {_day(subscription.cancel_effective_at)}."
            )
        if subscription.status not in CHANGEABLE_SUBSCRIPTION_STATUSES:
            raise SubscriptionError(f"A {subscription.status} subscription cannot be canceled.")
        if subscription.status == SubscriptionStatus.TRIALING:
            effective = subscription.trial_end or now
            subscription.next_billing_at = None
        else:
            assert subscription.started_at is not None
            committed_until = add_days(
                subscription.started_at, terms.minimum_commitment_days, self.charger.time_zone
            )
            if now < committed_until:
                raise SubscriptionError(
                    f"Your plan has a minimum term until {_day(committed_until)};"
                    " you can cancel from then on."
                )
            effective = self._effective_cancel_time(subscription, terms, now)
            if not terms.in_advance and subscription.next_billing_at is not None:
                subscription.next_billing_at = min(subscription.next_billing_at, effective)
        before = {"status": str(subscription.status)}
        subscription.status = SubscriptionStatus.PENDING_CANCEL
        subscription.cancel_requested_at, subscription.cancel_effective_at = now, effective
        self.session.flush()
        self._audit("subscription.cancel", subscription, before, {"effective": effective.isoformat()})
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
            raise SubscriptionError("Only a subscription that is being canceled can be resumed.")
        self.charger.bill([subscription], now)
        assert subscription.cancel_effective_at is not None
        if now >= subscription.cancel_effective_at:
            raise SubscriptionError("This cancellation has already taken effect.")
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
                for p in self.charger.positions.for_subscription(subscription.id)
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
            raise SubscriptionError("This subscription is already canceled.")
        before = {"status": str(subscription.status)}
        self._end(subscription, now)
        self._audit("subscription.cancel_immediately", subscription, before, {"status": "canceled"})
        return subscription

    def withdraw(self, subscription_id: int, now: datetime) -> Subscription:
        """Statutory withdrawal: consumers may withdraw within 14 days of ordering; the unused
        part is credited (or refunded through a credit note if already paid)."""
        subscription = self._authorized(Action.WITHDRAW_SUBSCRIPTION, subscription_id)
        profile = CustomerProfileRepository(self.session, self.scope).for_account(
            subscription.customer_account_id
        )
        if profile is None or profile.customer_type != CustomerType.PRIVATE:
            raise SubscriptionError("The right of withdrawal applies to consumers only.")
        if subscription.status == SubscriptionStatus.CANCELED:
            raise SubscriptionError("This subscription has already ended.")
        assert subscription.started_at is not None
        deadline = add_days(subscription.started_at, WITHDRAWAL_DAYS, self.charger.time_zone)
        if now > deadline:
            raise SubscriptionError(f"The withdrawal period ended on {_day(deadline)}.")
        before = {"status": str(subscription.status)}
        subscription.withdrawn_at = now
        self._end(subscription, now)
        self._audit("subscription.withdraw", subscription, before, {"status": "canceled"})
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
        return True

    # --- dunning --------------------------------------------------------------------------------

    def mark_past_due(self, subscription_id: int, now: datetime, *, suspend: bool = False) -> Subscription:
        """After the last payment reminder: past due, and optionally suspended (servers stopped)."""
        authorize(self.actor, self.scope, Action.MARK_PAST_DUE)
        subscription = self._locked(subscription_id)
        if subscription.status not in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
            raise SubscriptionError(f"A {subscription.status} subscription cannot become past due.")
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
            raise SubscriptionError("Only a past-due subscription can be reinstated.")
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.suspended_at = None
        self.session.flush()
        self._audit("subscription.reinstate", subscription, {"status": "past_due"}, {"status": "active"})
        return subscription

    # --- helpers --------------------------------------------------------------------------------

    def _authorized(self, action: Action, subscription_id: int, *, lock: bool = True) -> Subscription:
        """The subscription `action` is about, once the policy lets the actor act on it.

        Asked twice: before the lookup whether the actor may do this to a subscription of their own
        at all (nothing is read or locked for someone refused anyway), then with the real owner.
        """
        authorize(self.actor, self.scope, action, owner_account_id=self.actor.customer_account_id)
        subscription = self._locked(subscription_id) if lock else self._get(subscription_id)
        authorize(self.actor, self.scope, action, owner_account_id=subscription.customer_account_id)
        return subscription

    def _get(self, subscription_id: int) -> Subscription:
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None:
            raise NotFoundError("Subscription not found.")
        return subscription

    def _locked(self, subscription_id: int) -> Subscription:
        subscription = self.subscriptions.lock(subscription_id)
        if subscription is None:
            raise NotFoundError("Subscription not found.")
        return subscription

    def _addons(self, subscription: Subscription) -> list[tuple[SubscriptionAddon, Addon]]:
        assert subscription.id is not None
        return self.charger.attached_addons([subscription.id])

    def _audit(
        self, action: str, subscription: Subscription, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        audit.record(
            self.session,
            self.scope,
            self.actor,
            action,
            object_type="subscription",
            object_id=subscription.number,
            before=before,
            after={key: str(value) for key, value in after.items()},
        )


def _is_plan_charge(ref: SourceRef) -> bool:
    return ref.is_plan and not ref.is_credit


def _next_terms(subscription: Subscription, plan: Plan) -> PlanTerms:
    """The terms of `plan` as the subscription's next revision (see `PlanTerms.revision`)."""
    return replace(PlanTerms.of(plan), revision=terms_of(subscription).revision + 1)


def _day(at: datetime | None) -> str:
    return at.date().isoformat() if at else "?"


def find_expiration_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    ids = SubscriptionRepository(session, scope).due_cancellations(now)
    buckets = sorted({i // BUCKET_SIZE for i in ids})
    return [f"ids:{b * BUCKET_SIZE}-{(b + 1) * BUCKET_SIZE - 1}" for b in buckets]


def run_expiration_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Execute cancellations whose effective time has passed: final charge, then canceled."""
    first, last = parse_range(key)
    lifecycle = Lifecycle(session, scope, audit.SYSTEM)
    done = sum(
        lifecycle.expire(subscription_id)
        for subscription_id in lifecycle.subscriptions.due_cancellations(now)
        if first <= subscription_id <= last
    )
    session.flush()
    return done


EXPIRATION = Coordinator(
    name="expiration",
    queue="billing",
    description="Execute cancellations whose effective time passed (final charge, then canceled)",
    find_units=find_expiration_units,
    run_unit=run_expiration_unit,
    interval_seconds=60,
)
