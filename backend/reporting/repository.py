"""Tenant-wide aggregates for the admin overview, computed in SQL."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from backend.customers.repository import CustomerAccountRepository
from backend.kit.repository import TenantRepository
from backend.models import Invoice, InvoiceStatus, Subscription
from backend.models.statuses import RUNNING_SUBSCRIPTION_STATUSES, UNPAID_INVOICE_STATUSES
from backend.subscriptions.repository import SubscriptionRepository


class TenantFigures(TenantRepository[Invoice]):
    model = Invoice

    def customer_count(self) -> int:
        return CustomerAccountRepository(self.session, self.scope).count()

    def live_subscription_count(self) -> int:
        statement = SubscriptionRepository(self.session, self.scope).scoped(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.status.in_(RUNNING_SUBSCRIPTION_STATUSES))
        )
        return int(self.session.scalar(statement) or 0)

    def unpaid_by_currency(self) -> dict[str, tuple[Decimal, int, int]]:
        """Per currency: (balance due, unpaid count, overdue count)."""
        overdue = func.count().filter(Invoice.status == InvoiceStatus.OVERDUE)
        statement = self.scoped(
            select(Invoice.currency, func.sum(Invoice.balance_due), func.count(), overdue)
            .where(Invoice.status.in_(UNPAID_INVOICE_STATUSES))
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
