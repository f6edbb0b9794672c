"""Ordering a subscription (SPEC §4): what an order is checked against, and what it creates.

An order names a customer with a completed billing profile and a plan that can still be ordered;
its options must be ones the plan offers, its addons ones the plan allows (active, in the plan's
currency, at least one of each), and its promotion code one whose dates, plans, currency, limits
and eligibility fit. A refused order raises a named `SubscriptionError` and creates nothing.
The subscription starts in its trial, or with its first period charged at once when billed in
advance; its number comes from the tenant's gapless counter (`SUB-000001`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from backend.audit import service as audit
from backend.billing.charging import open_grid
from backend.catalog.addons import find_addon
from backend.catalog.plans import addon_ids_allowed_with
from backend.catalog.promotion_codes import find_promotion, promotion_view
from backend.catalog.redemptions import redeem, redemption_counts
from backend.catalog.schemas import PromotionView
from backend.catalog.service_types import get_service_type
from backend.catalog.terms import PlanTerms
from backend.customers.service import billing_profile, customer_account
from backend.invoicing.issuing import reserve_document_numbers
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import (
    Addon,
    DocumentKind,
    Plan,
    Promotion,
    PromotionBenefit,
    PromotionEligibility,
    ProviderKind,
    Subscription,
    SubscriptionAddon,
    SubscriptionStatus,
)
from backend.periods import add_days
from backend.subscriptions import mails as subscription_mails
from backend.subscriptions.errors import (
    AddonCurrencyMismatch,
    AddonNotAvailable,
    AddonQuantityTooLow,
    BillingProfileMissing,
    OptionValueNotAvailable,
    PromotionAlreadyUsed,
    PromotionCodeInvalid,
    PromotionExpired,
    PromotionForExistingCustomersOnly,
    PromotionForNewCustomersOnly,
    PromotionNotForCurrency,
    PromotionNotForPlan,
    PromotionNotValidYet,
    PromotionUsedUp,
    UnknownOption,
)
from backend.subscriptions.order_preview import price_order
from backend.subscriptions.schemas import OrderPreview
from backend.subscriptions.steps import LifecycleSteps


@dataclass(frozen=True, slots=True)
class OrderRequest:
    customer_account_id: int
    plan_id: int
    options: dict[str, Any] = field(default_factory=dict)
    addons: dict[int, int] = field(default_factory=dict)  # addon id -> quantity
    promotion_code: str = ""


class Ordering(LifecycleSteps):
    """Orders of one tenant's customers."""

    def order(self, request: OrderRequest, now: datetime, *, provision: bool = False) -> Subscription:
        """Order a plan: options and addons checked against the plan, the promotion against its
        limits and eligibility; the first period is charged at once when billed in advance.

        With `provision` (the order wizard, which records the server in the same transaction), a
        plan whose service type creates servers is placed PROVISIONING and billed nothing until
        `begin_service`; without it (the REST order, the demo's seeding) it starts now as before."""
        authorize(
            self.actor, self.scope, Action.ORDER_SUBSCRIPTION, owner_account_id=request.customer_account_id
        )
        subscription = self._place(request, now, provision=provision)
        subscription_mails.created(self.session, self.scope, subscription, self.charger.time_zone)
        return subscription

    def preview_order(self, request: OrderRequest, now: datetime) -> OrderPreview:
        """What the order costs this customer, computed by the engine that charges it: the order is
        placed and billed (up to its first charged period and one full period after it) in a
        savepoint, priced as its invoice will be (promotions, tax), and rolled back. A refused
        order raises the same error `order` would; nothing is kept either way."""
        authorize(self.actor, self.scope, Action.PREVIEW_ORDER, owner_account_id=request.customer_account_id)
        savepoint = self.session.begin_nested()
        try:
            subscription = self._place(request, now)
            return price_order(self.session, self.scope, self.charger, subscription, now)
        finally:
            savepoint.rollback()

    def check_promotion(self, request: OrderRequest, now: datetime) -> PromotionView | None:
        """Whether the order's promotion code would be accepted now, by the checks `order` runs
        (dates, plan, currency, limits, eligibility): its view, None without a code, or the named
        `PromotionCodeRefused` that says why not. Needs no billing profile and changes nothing."""
        authorize(self.actor, self.scope, Action.PREVIEW_ORDER, owner_account_id=request.customer_account_id)
        if customer_account(self.session, self.scope, request.customer_account_id) is None:
            raise NotFoundError("Customer not found.")
        plan = self._orderable_plan(request.plan_id)
        promotion = self._checked_promotion(request.promotion_code, plan, request.customer_account_id, now)
        return promotion_view(promotion) if promotion else None

    def _place(self, request: OrderRequest, now: datetime, *, provision: bool = False) -> Subscription:
        """The order itself, once the policy allowed it (`order` keeps it, `preview_order` not).

        With `provision`, a plan whose service type creates servers is placed PROVISIONING and
        billed nothing ("provision, then bill"): `begin_service` starts it once its server runs. The
        preview prices every order as if its service started now."""
        if customer_account(self.session, self.scope, request.customer_account_id) is None:
            raise NotFoundError("Customer not found.")
        if billing_profile(self.session, self.scope, request.customer_account_id) is None:
            raise BillingProfileMissing()
        plan = self._orderable_plan(request.plan_id)
        options = _checked_options(plan, request.options)
        addons = self._checked_addons(plan, request.addons)
        promotion = self._checked_promotion(request.promotion_code, plan, request.customer_account_id, now)
        terms = PlanTerms.of(plan)
        number = reserve_document_numbers(self.session, self.scope, DocumentKind.SUBSCRIPTION, 0, 1)[0]
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
        provisioned = provision and is_provisioned(self.session, self.scope, plan)
        if provisioned:
            subscription.status = SubscriptionStatus.PROVISIONING
        else:
            self._start_terms(subscription, terms, now)
        self.subscriptions.add(subscription)
        assert subscription.id is not None
        for addon, quantity in addons:
            self.attached.add(
                SubscriptionAddon(
                    subscription_id=subscription.id,
                    addon_id=addon.id,  # type: ignore[arg-type]
                    quantity=quantity,
                    added_at=now,
                )
            )
        if promotion is not None:
            redeem(self.session, self.scope, promotion, subscription, now)
        if not provisioned:
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

    def _start_terms(self, subscription: Subscription, terms: PlanTerms, now: datetime) -> None:
        """The service starts at `now`: its trial, or its period grid from `now`."""
        if terms.trial_days > 0:
            subscription.status = SubscriptionStatus.TRIALING
            subscription.trial_end = add_days(now, terms.trial_days, self.charger.time_zone)
            subscription.current_period_start, subscription.current_period_end = now, subscription.trial_end
            subscription.next_billing_at = subscription.trial_end
        else:
            subscription.status = SubscriptionStatus.ACTIVE
            open_grid(subscription, terms, self.charger.time_zone, now)

    def begin_service(self, subscription_id: int, now: datetime) -> Subscription:
        """The subscription's server runs: its trial or first period starts now and is charged as an
        order is (the provisioning unit calls this in the transaction that records the server
        running). A subscription not PROVISIONING is left as it is (a rerun changes nothing)."""
        authorize(self.actor, self.scope, Action.PROVISION_SERVERS)
        subscription = self.subscriptions.lock(subscription_id)
        if subscription is None:
            raise NotFoundError("Subscription not found.")
        if subscription.status != SubscriptionStatus.PROVISIONING:
            return subscription
        subscription.started_at = now
        self._start_terms(subscription, PlanTerms.from_json(subscription.plan_snapshot), now)
        self.session.flush()
        self.charger.bill([subscription], now)
        audit.record(
            self.session,
            self.scope,
            self.actor,
            "subscription.service_started",
            object_type="subscription",
            object_id=subscription.number,
            after={"status": str(subscription.status), "started_at": now.isoformat()},
        )
        return subscription

    def _checked_addons(self, plan: Plan, wanted: dict[int, int]) -> list[tuple[Addon, int]]:
        if not wanted:
            return []
        assert plan.id is not None
        allowed = addon_ids_allowed_with(self.session, self.scope, plan.id)
        result = []
        for addon_id, quantity in sorted(wanted.items()):
            addon = find_addon(self.session, self.scope, addon_id)
            if addon is None:
                raise NotFoundError("Addon not found.")
            if addon_id not in allowed or not addon.active:
                raise AddonNotAvailable(addon.name, plan.name)
            if quantity < 1:
                raise AddonQuantityTooLow(addon.name)
            if addon.currency != plan.currency:
                raise AddonCurrencyMismatch(addon.name, plan.name)
            result.append((addon, quantity))
        return result

    def _checked_promotion(self, code: str, plan: Plan, customer_id: int, now: datetime) -> Promotion | None:
        code = code.strip().upper()
        if not code:
            return None
        promotion = find_promotion(self.session, self.scope, code)
        if promotion is None or not promotion.active:
            raise PromotionCodeInvalid(code)
        if promotion.valid_from and now < promotion.valid_from:
            raise PromotionNotValidYet(code)
        if promotion.valid_until and now >= promotion.valid_until:
            raise PromotionExpired(code)
        if promotion.eligible_plan_ids and plan.id not in promotion.eligible_plan_ids:
            raise PromotionNotForPlan(code, plan.name)
        if promotion.benefit == PromotionBenefit.AMOUNT_OFF and promotion.currency != plan.currency:
            raise PromotionNotForCurrency(code, plan.currency)
        assert promotion.id is not None
        total, mine = redemption_counts(self.session, self.scope, promotion.id, customer_id)
        if promotion.max_redemptions is not None and total >= promotion.max_redemptions:
            raise PromotionUsedUp(code)
        if promotion.max_per_customer is not None and mine >= promotion.max_per_customer:
            raise PromotionAlreadyUsed(code)
        existing = self.subscriptions.count_for_customer(customer_id)
        if promotion.eligibility == PromotionEligibility.NEW_CUSTOMERS and existing:
            raise PromotionForNewCustomersOnly(code)
        if promotion.eligibility == PromotionEligibility.EXISTING_CUSTOMERS and not existing:
            raise PromotionForExistingCustomersOnly(code)
        return promotion


def is_provisioned(session: Session, scope: TenantScope, plan: Plan) -> bool:
    """Whether ordering `plan` creates a server (its service type has a provider other than none)."""
    if plan.service_type_id is None:
        return False
    return get_service_type(session, scope, plan.service_type_id).provider != ProviderKind.NONE


def _checked_options(plan: Plan, chosen: dict[str, Any]) -> dict[str, Any]:
    """The options of an order, each one the plan offers with a value it allows."""
    allowed = plan.allowed_options or {}
    for key, value in chosen.items():
        if key not in allowed:
            raise UnknownOption(plan.name, key)
        if isinstance(allowed[key], list) and value not in allowed[key]:
            raise OptionValueNotAvailable(key, value, allowed[key])
    return dict(chosen)
