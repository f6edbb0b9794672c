"""What every step of the subscription lifecycle needs, within one unit of work of one tenant.

`LifecycleSteps` holds the session, the tenant's scope and the actor, and does what ordering, plan
changes and the ending steps share: find the subscription an action is about once the policy lets
the actor act on it, find a plan that can still be ordered, book charges and credits, and write
the audit entry. `Lifecycle` (service.py) is built from these steps; callers use it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from backend.audit import service as audit
from backend.billing.charging import Charge, Charger
from backend.catalog.plans import find_plan
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import Addon, Plan, Subscription, SubscriptionAddon
from backend.subscriptions.credits import Credit, UnusedTime
from backend.subscriptions.errors import PlanNotAvailable
from backend.subscriptions.repository import SubscriptionAddonRepository, SubscriptionRepository


class LifecycleSteps:
    """The shared part of the lifecycle operations of one tenant's subscriptions, done by `actor`
    (each operation asks the policy first: customers act on their own subscriptions only)."""

    def __init__(self, session: Session, scope: TenantScope, actor: audit.Actor) -> None:
        self.session = session
        self.scope = scope
        self.actor = actor
        self.charger = Charger(session, scope)
        self.subscriptions = SubscriptionRepository(session, scope)
        self.attached = SubscriptionAddonRepository(session, scope)
        self.unused = UnusedTime(session, scope, actor)

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

    def _orderable_plan(self, plan_id: int) -> Plan:
        plan = find_plan(self.session, self.scope, plan_id)
        if plan is None:
            raise NotFoundError("Plan not found.")
        if not plan.active:
            raise PlanNotAvailable(plan.name)
        return plan

    def _addons(self, subscription: Subscription) -> list[tuple[SubscriptionAddon, Addon]]:
        assert subscription.id is not None
        return self.charger.attached_addons([subscription.id])

    def _apply(self, charges: list[Charge], credits: list[Credit], now: datetime) -> None:
        """Add charges and credits; a credit for an invoiced charge becomes a credit note."""
        self.charger.add([*charges, *self.unused.apply(credits, now)], now)

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
