"""Subscriptions and their provisioned items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from backend.models import Addon, Plan, Subscription, SubscriptionAddon, SubscriptionItem, SubscriptionStatus
from backend.repositories import bulk
from backend.repositories.base import TenantRepository

# Statuses whose periods keep being charged (a suspended past-due subscription still runs up its
# periods; its service is stopped, not ended).
BILLING_STATE = (
    "status",
    "current_period_start",
    "current_period_end",
    "period_index",
    "next_billing_at",
    "anchor_at",
)  # plan_snapshot changes only with a price change: the ORM flush writes it then
BILLABLE_STATUSES = (
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PENDING_CANCEL,
    SubscriptionStatus.PAST_DUE,
)


class SubscriptionRepository(TenantRepository[Subscription]):
    model = Subscription

    def by_number(self, number: str) -> Subscription | None:
        return self.session.scalars(self.select().where(Subscription.number == number)).first()

    def save_billing_state(self, subscriptions: list[Subscription]) -> None:
        """Write the billing pointers of many subscriptions in one statement (a billing unit moves
        hundreds at once; one UPDATE per row would dominate its time)."""
        self.check_owned(subscriptions)
        rows = [{"id": s.id, **{name: getattr(s, name) for name in BILLING_STATE}} for s in subscriptions]
        bulk.update_rows(self.session, Subscription.__table__, "id", rows, tenant_id=self.scope.tenant_id)
        for subscription, row in zip(subscriptions, rows, strict=True):
            for name in BILLING_STATE:
                set_committed_value(subscription, name, row[name])

    def due_buckets(self, now: datetime, bucket_size: int) -> list[int]:
        """Id buckets (id // bucket_size) holding subscriptions with a charge due at `now`."""
        bucket = Subscription.id // bucket_size
        statement = self.scoped(select(bucket).where(*self._due(now)).group_by(bucket).order_by(bucket))
        return [int(value) for value in self.session.scalars(statement)]

    def lock_due(self, now: datetime, first_id: int, last_id: int) -> list[Subscription]:
        """Due subscriptions in an id range, locked until commit (a concurrent unit waits)."""
        statement = (
            self.select()
            .where(*self._due(now), Subscription.id.between(first_id, last_id))
            .order_by(Subscription.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(statement))

    def lock(self, subscription_id: int) -> Subscription | None:
        statement = (
            self.select()
            .where(Subscription.id == subscription_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(statement).first()

    def due_cancellations(self, now: datetime, *, limit: int = 10_000) -> list[int]:
        statement = (
            self.scoped(select(Subscription.id))
            .where(
                Subscription.status == SubscriptionStatus.PENDING_CANCEL,
                Subscription.cancel_effective_at <= now,
            )
            .order_by(Subscription.id)
            .limit(limit)
        )
        return list(self.session.scalars(statement))

    def due_for_customers(self, customer_ids: list[int], now: datetime) -> list[Subscription]:
        if not customer_ids:
            return []
        statement = (
            self.select()
            .where(*self._due(now), Subscription.customer_account_id.in_(customer_ids))
            .order_by(Subscription.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(statement))

    def count_for_customer(self, customer_account_id: int) -> int:
        statement = self.scoped(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.customer_account_id == customer_account_id)
        )
        return int(self.session.scalar(statement) or 0)

    @staticmethod
    def _due(now: datetime) -> tuple[Any, ...]:
        return (Subscription.status.in_(BILLABLE_STATUSES), Subscription.next_billing_at <= now)

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


class SubscriptionAddonRepository(TenantRepository[SubscriptionAddon]):
    model = SubscriptionAddon

    def with_addons_for(self, subscription_ids: list[int]) -> list[tuple[SubscriptionAddon, Addon]]:
        """Attached addons (removed ones too: a removal mid-period still bills its used part)."""
        if not subscription_ids:
            return []
        statement: Any = self.scoped(
            select(SubscriptionAddon, Addon)
            .join(Addon, Addon.id == SubscriptionAddon.addon_id)
            .where(SubscriptionAddon.subscription_id.in_(subscription_ids))
            .order_by(SubscriptionAddon.id),
            Addon,
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]


class SubscriptionItemRepository(TenantRepository[SubscriptionItem]):
    model = SubscriptionItem

    def for_subscriptions(self, subscription_ids: list[int]) -> list[SubscriptionItem]:
        if not subscription_ids:
            return []
        statement = self.select().where(SubscriptionItem.subscription_id.in_(subscription_ids))
        return list(self.session.scalars(statement.order_by(SubscriptionItem.id)))
