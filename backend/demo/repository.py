"""Queries of the scenario runner: when billing next has work, and everything billing produced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from backend.kit.repository import M, TenantRepository, TenantScope
from backend.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OpenPosition,
    Subscription,
    SubscriptionStatus,
)
from backend.models.statuses import RUNNING_SUBSCRIPTION_STATUSES


class Timeline(TenantRepository[Subscription]):
    """The next instants at which the billing coordinators find work, from the rows themselves."""

    model = Subscription

    def next_billing_at(self) -> datetime | None:
        """The earliest time a live subscription has a period to charge (or a trial ends)."""
        statement = select(func.min(Subscription.next_billing_at)).where(
            Subscription.status.in_(RUNNING_SUBSCRIPTION_STATUSES)
        )
        return self.session.scalar(self.scoped(statement))

    def next_cancellation_at(self) -> datetime | None:
        """The earliest time a pending cancellation takes effect."""
        statement = select(func.min(Subscription.cancel_effective_at)).where(
            Subscription.status == SubscriptionStatus.PENDING_CANCEL
        )
        return self.session.scalar(self.scoped(statement))

    def next_due_at(self) -> datetime | None:
        """The earliest due date of an issued invoice with something left to pay (it turns overdue)."""
        return _InvoiceRows(self.session, self.scope).next_due_at()


class _Rows(TenantRepository[M]):
    def in_order(self, *order: Any) -> list[M]:
        return list(self.session.scalars(self.select().order_by(*order)))


class _InvoiceRows(_Rows[Invoice]):
    model = Invoice

    def next_due_at(self) -> datetime | None:
        statement = select(func.min(Invoice.due_at)).where(
            Invoice.status == InvoiceStatus.ISSUED, Invoice.balance_due > 0
        )
        return self.session.scalar(self.scoped(statement))


class _InvoiceLineRows(_Rows[InvoiceLine]):
    model = InvoiceLine


class _CreditNoteRows(_Rows[CreditNote]):
    model = CreditNote


class _CreditNoteLineRows(_Rows[CreditNoteLine]):
    model = CreditNoteLine


class _PositionRows(_Rows[OpenPosition]):
    model = OpenPosition


class _SubscriptionRows(_Rows[Subscription]):
    model = Subscription


class BillingRecords:
    """Every document, charge and subscription of one tenant, in a stable order."""

    def __init__(self, session: Session, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope

    def invoices(self) -> list[Invoice]:
        """Issued invoices (drafts have no number), in order of issue."""
        rows = _InvoiceRows(self.session, self.scope).in_order(Invoice.issued_at, Invoice.id)
        return [invoice for invoice in rows if invoice.number is not None]

    def invoice_lines(self) -> list[InvoiceLine]:
        return _InvoiceLineRows(self.session, self.scope).in_order(
            InvoiceLine.invoice_id, InvoiceLine.position
        )

    def credit_notes(self) -> list[CreditNote]:
        return _CreditNoteRows(self.session, self.scope).in_order(CreditNote.issued_at, CreditNote.id)

    def credit_note_lines(self) -> list[CreditNoteLine]:
        rows = _CreditNoteLineRows(self.session, self.scope)
        return rows.in_order(CreditNoteLine.credit_note_id, CreditNoteLine.position)

    def positions(self) -> list[OpenPosition]:
        return _PositionRows(self.session, self.scope).in_order(OpenPosition.id)

    def subscriptions(self) -> list[Subscription]:
        return _SubscriptionRows(self.session, self.scope).in_order(Subscription.id)
