"""The read side's own SQL: tenant-wide aggregates for the admin overview, and a customer's
account, subscriptions and servers for the customer dashboard.

Reporting reads the tables of customers, subscriptions and invoicing directly (each query scoped
to the tenant for every table it names) and writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from backend.kit.repository import TenantRepository
from backend.models import (
    Addon,
    CustomerAccount,
    Invoice,
    InvoiceStatus,
    Plan,
    Subscription,
    SubscriptionAddon,
    SubscriptionItem,
)
from backend.models.statuses import RUNNING_SUBSCRIPTION_STATUSES, UNPAID_INVOICE_STATUSES


class TenantFigures(TenantRepository[Invoice]):
    model = Invoice

    def customer_count(self) -> int:
        statement = self.scoped(
            select(func.count()).select_from(CustomerAccount), CustomerAccount, own_model=False
        )
        return int(self.session.scalar(statement) or 0)

    def live_subscription_count(self) -> int:
        statement = self.scoped(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.status.in_(RUNNING_SUBSCRIPTION_STATUSES)),
            Subscription,
            own_model=False,
        )
        return int(self.session.scalar(statement) or 0)

    def unpaid_by_currency(
        self, customer_account_id: int | None = None
    ) -> dict[str, tuple[Decimal, int, int]]:
        """Per currency: (balance due, unpaid count, overdue count), of one customer when given."""
        overdue = func.count().filter(Invoice.status == InvoiceStatus.OVERDUE)
        statement = (
            select(Invoice.currency, func.sum(Invoice.balance_due), func.count(), overdue)
            .where(Invoice.status.in_(UNPAID_INVOICE_STATUSES))
            .group_by(Invoice.currency)
        )
        if customer_account_id is not None:
            statement = statement.where(Invoice.customer_account_id == customer_account_id)
        rows = self.session.execute(self.scoped(statement))
        return {c: (Decimal(t or 0), int(n), int(o or 0)) for c, t, n, o in rows}

    def paid_since(self, since: datetime) -> dict[str, Decimal]:
        statement = self.scoped(
            select(Invoice.currency, func.sum(Invoice.gross))
            .where(Invoice.status == InvoiceStatus.PAID, Invoice.paid_at >= since)
            .group_by(Invoice.currency)
        )
        return {currency: Decimal(total or 0) for currency, total in self.session.execute(statement)}


class CustomerHoldings(TenantRepository[CustomerAccount]):
    """A customer account (`get`) with what it holds: subscriptions on their plans, and servers."""

    model = CustomerAccount

    def subscriptions_with_plans(
        self, customer_account_id: int, *, limit: int | None = None, offset: int = 0
    ) -> list[tuple[Subscription, Plan]]:
        """The customer's subscriptions with their plans, newest first (`limit` of them from `offset`)."""
        statement: Any = self.scoped(
            select(Subscription, Plan)
            .join(Plan, Plan.id == Subscription.plan_id)
            .where(Subscription.customer_account_id == customer_account_id)
            .order_by(Subscription.created_at.desc(), Subscription.id.desc())
            .offset(offset)
            .limit(limit),
            Subscription,
            Plan,
            own_model=False,
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]

    def subscription_count(self, customer_account_id: int) -> int:
        statement = self.scoped(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.customer_account_id == customer_account_id),
            Subscription,
            own_model=False,
        )
        return int(self.session.scalar(statement) or 0)

    def subscription_with_plan(
        self, customer_account_id: int, number: str
    ) -> tuple[Subscription, Plan] | None:
        """The customer's subscription numbered `number` with its plan; None for anyone else's."""
        statement: Any = self.scoped(
            select(Subscription, Plan)
            .join(Plan, Plan.id == Subscription.plan_id)
            .where(Subscription.customer_account_id == customer_account_id, Subscription.number == number),
            Subscription,
            Plan,
            own_model=False,
        )
        row = self.session.execute(statement).first()
        return (row[0], row[1]) if row else None

    def addons_of(self, subscription_id: int) -> list[tuple[SubscriptionAddon, Addon]]:
        """The addons attached to a subscription and not removed, in the order they were added."""
        statement: Any = self.scoped(
            select(SubscriptionAddon, Addon)
            .join(Addon, Addon.id == SubscriptionAddon.addon_id)
            .where(
                SubscriptionAddon.subscription_id == subscription_id, SubscriptionAddon.removed_at.is_(None)
            )
            .order_by(SubscriptionAddon.id),
            SubscriptionAddon,
            Addon,
            own_model=False,
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]

    def servers(self, subscription_ids: list[int]) -> list[SubscriptionItem]:
        """The provisioned items of the subscriptions, in the order they were made."""
        if not subscription_ids:
            return []
        statement = self.scoped(
            select(SubscriptionItem)
            .where(SubscriptionItem.subscription_id.in_(subscription_ids))
            .order_by(SubscriptionItem.id),
            SubscriptionItem,
            own_model=False,
        )
        return list(self.session.scalars(statement))
