"""Subscriptions (looked up, locked, counted) and the addons attached to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from backend.kit.pagination import Page
from backend.kit.repository import TenantRepository
from backend.models import Subscription, SubscriptionAddon, SubscriptionStatus


class SubscriptionRepository(TenantRepository[Subscription]):
    model = Subscription

    def by_number(self, number: str) -> Subscription | None:
        return self.session.scalars(self.select().where(Subscription.number == number)).first()

    def page_for_customer(
        self, customer_account_id: int, *, limit: int, starting_after: int | None = None
    ) -> Page[Subscription]:
        """The customer account's subscriptions after `starting_after`, oldest first."""
        statement = self.select().where(Subscription.customer_account_id == customer_account_id)
        return self._page(statement, limit=limit, starting_after=starting_after, newest_first=False)

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

    def renewing_between(
        self, after: datetime, until: datetime, *, first_id: int = 0, last_id: int | None = None
    ) -> list[Subscription]:
        """Running subscriptions (active or trialing, no cancellation pending) whose current period
        ends in (after, until], by id."""
        statement = self.select().where(
            Subscription.status.in_([SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING]),  # type: ignore[attr-defined]
            Subscription.cancel_effective_at.is_(None),  # type: ignore[union-attr]
            Subscription.current_period_end > after,  # type: ignore[operator]
            Subscription.current_period_end <= until,  # type: ignore[operator]
            Subscription.id >= first_id,  # type: ignore[operator]
        )
        if last_id is not None:
            statement = statement.where(Subscription.id <= last_id)  # type: ignore[operator]
        return list(self.session.scalars(statement.order_by(Subscription.id)))

    def count_for_customer(self, customer_account_id: int) -> int:
        statement = self.scoped(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.customer_account_id == customer_account_id)
        )
        return int(self.session.scalar(statement) or 0)


class SubscriptionAddonRepository(TenantRepository[SubscriptionAddon]):
    """Addons attached to subscriptions, written by the lifecycle (a billing run reads them through
    billing's `AttachedAddonRepository`)."""

    model = SubscriptionAddon
