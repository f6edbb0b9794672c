"""Tenant-wide aggregates for the admin overview, computed in SQL."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from backend.models import Invoice, InvoiceStatus, Subscription, SubscriptionStatus
from backend.repositories.base import TenantRepository
from backend.repositories.billing import UNPAID_STATUSES
from backend.repositories.subscriptions import SubscriptionRepository
from backend.repositories.tenancy import CustomerAccountRepository

LIVE_SUBSCRIPTION_STATUSES = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.PENDING_CANCEL,
    SubscriptionStatus.PAST_DUE,
)


class TenantFigures(TenantRepository[Invoice]):
    model = Invoice

    def customer_count(self) -> int:
        return CustomerAccountRepository(self.session, self.scope).count()

    def live_subscription_count(self) -> int:
        statement = SubscriptionRepository(self.session, self.scope).scoped(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.status.in_(LIVE_SUBSCRIPTION_STATUSES))
        )
        return int(self.session.scalar(statement) or 0)

    def unpaid_by_currency(self) -> dict[str, tuple[Decimal, int, int]]:
        """Per currency: (balance due, unpaid count, overdue count)."""
        overdue = func.count().filter(Invoice.status == InvoiceStatus.OVERDUE)
        statement = self.scoped(
            select(Invoice.currency, func.sum(Invoice.balance_due), func.count(), overdue)
            .where(Invoice.status.in_(UNPAID_STATUSES))
            .group_by(Invoice.currency)
        )
        return {c: (Decimal(t or 0), int(n), int(o or 0)) for c, t, n, o in self.session.execute(statement)}

    def paid_since(self, since: datetime) -> dict[str, Decimal]:
        statement = self.scoped(
            select(Invoice.currency, func.sum(Invoice.gross))
            .where(Invoice.status == InvoiceStatus.PAID, Invoice.paid_at >= since)
            .group_by(Invoice.currency)
        )
        return {currency: Decimal(total or 0) for currency, total in self.session.execute(statement)}
