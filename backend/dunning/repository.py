"""Every query of the dunning domain, tenant-scoped through kit's base repository.

Dunning keeps no table of its own: an invoice's reminder step is `Invoice.dunning_level` (the last
step sent, 0 for none) and `last_reminder_at`, written under the invoice's row lock, so a step is
recorded exactly once whatever runs twice. The subscriptions an invoice billed are found through
its lines' charges.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, or_, select

from backend.kit.repository import TenantRepository
from backend.models import Invoice, InvoiceLine, InvoiceStatus, OpenPosition, Subscription, SubscriptionStatus


class DunningInvoiceRepository(TenantRepository[Invoice]):
    """Overdue invoices as dunning sees them: which step each has reached, which is due next."""

    model = Invoice

    @staticmethod
    def _step_due(thresholds: list[datetime]) -> Any:
        """Overdue, something left to pay, and the next step's day reached: `thresholds[n]` is the
        latest due date for which step n + 1 is due now (level n = n steps sent)."""
        reached = [
            and_(Invoice.dunning_level == level, Invoice.due_at <= threshold)
            for level, threshold in enumerate(thresholds)
        ]
        return and_(
            Invoice.status == InvoiceStatus.OVERDUE,
            Invoice.balance_due > 0,
            or_(*reached) if reached else false(),
        )

    def with_step_due(self, thresholds: list[datetime], first: int = 0, last: int | None = None) -> list[int]:
        """Ids (in [first, last]) of the overdue invoices whose next reminder step is due."""
        statement = self.scoped(select(Invoice.id)).where(self._step_due(thresholds), Invoice.id >= first)
        if last is not None:
            statement = statement.where(Invoice.id <= last)
        return list(self.session.scalars(statement.order_by(Invoice.id)))

    def lock_with_step_due(self, thresholds: list[datetime], first: int, last: int) -> list[Invoice]:
        """The same invoices, locked and re-read: a concurrent or repeated run waits here and then
        sees the step already recorded."""
        statement = (
            self.select()
            .where(self._step_due(thresholds), Invoice.id.between(first, last))
            .order_by(Invoice.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(statement))

    def earliest_pending(self, steps: int) -> list[tuple[datetime, int]]:
        """(earliest due date, level) per reminder level below `steps` among overdue invoices with
        something left to pay: when the next step of any of them falls due."""
        statement = self.scoped(
            select(func.min(Invoice.due_at), Invoice.dunning_level)
            .where(
                Invoice.status == InvoiceStatus.OVERDUE,
                Invoice.balance_due > 0,
                Invoice.dunning_level < steps,
                Invoice.due_at.is_not(None),
            )
            .group_by(Invoice.dunning_level)
        )
        return [(due, int(level)) for due, level in self.session.execute(statement)]

    def billed_subscriptions(self, invoice_id: int) -> list[tuple[int, SubscriptionStatus, bool]]:
        """(id, status, suspended) of the subscriptions whose charges are on the invoice's lines."""
        statement = self.scoped(
            select(Subscription.id, Subscription.status, Subscription.suspended_at.is_not(None))
            .join(OpenPosition, OpenPosition.subscription_id == Subscription.id)
            .join(InvoiceLine, InvoiceLine.open_position_id == OpenPosition.id)
            .where(InvoiceLine.invoice_id == invoice_id)
            .distinct()
            .order_by(Subscription.id),
            InvoiceLine,
            OpenPosition,
            Subscription,
            own_model=False,
        )
        return [
            (int(sid), SubscriptionStatus(status), bool(suspended))
            for sid, status, suspended in self.session.execute(statement)
        ]

    def still_final(self, subscription_ids: list[int], steps: int, settled_invoice_id: int) -> set[int]:
        """Which of the subscriptions another unpaid invoice that got its last reminder still keeps
        past due (an invoice other than the one just settled)."""
        if not subscription_ids or steps <= 0:
            return set()
        statement = self.scoped(
            select(OpenPosition.subscription_id)
            .join(InvoiceLine, InvoiceLine.open_position_id == OpenPosition.id)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(
                OpenPosition.subscription_id.in_(subscription_ids),
                Invoice.id != settled_invoice_id,
                Invoice.status == InvoiceStatus.OVERDUE,
                Invoice.balance_due > 0,
                Invoice.dunning_level >= steps,
            )
            .distinct(),
            OpenPosition,
            InvoiceLine,
        )
        return {int(sid) for sid in self.session.scalars(statement)}
