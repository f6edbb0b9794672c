"""Subscriptions and their provisioned items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.models import Plan, Subscription, SubscriptionItem
from backend.repositories.base import TenantRepository


class SubscriptionRepository(TenantRepository[Subscription]):
    model = Subscription

    def by_number(self, number: str) -> Subscription | None:
        return self.session.scalars(self.select().where(Subscription.number == number)).first()

    def with_plans_for_customer(self, customer_account_id: int) -> list[tuple[Subscription, Plan]]:
        """A customer's subscriptions with their plans, newest first."""
        statement: Any = self.scoped(
            select(Subscription, Plan)
            .join(Plan, Plan.id == Subscription.plan_id)
            .where(Subscription.customer_account_id == customer_account_id)
            .order_by(Subscription.created_at.desc(), Subscription.id.desc()),
            Plan,
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]


class SubscriptionItemRepository(TenantRepository[SubscriptionItem]):
    model = SubscriptionItem

    def for_subscriptions(self, subscription_ids: list[int]) -> list[SubscriptionItem]:
        if not subscription_ids:
            return []
        statement = self.select().where(SubscriptionItem.subscription_id.in_(subscription_ids))
        return list(self.session.scalars(statement.order_by(SubscriptionItem.id)))
