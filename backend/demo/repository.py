"""Queries of the demo and the scenario runner: when billing next has work, everything billing
produced, and the demo's own invoices and simulated servers (read and written here, so the demo
needs no other domain's repository)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from backend.kit.repository import M, TenantRepository, TenantScope
from backend.models import (
    CreditNote,
    CreditNoteLine,
    CustomerProfile,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OpenPosition,
    ProvisioningLogEntry,
    SimulatedServer,
    Subscription,
    SubscriptionItem,
    SubscriptionStatus,
)
from backend.models.statuses import RUNNING_SUBSCRIPTION_STATUSES, UNPAID_INVOICE_STATUSES


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

    def billing_days_with_unbilled_charges(self, now: datetime) -> set[int]:
        """The billing days of the customers with charges made by `now` that no invoice holds yet."""
        statement = self.scoped(
            select(CustomerProfile.billing_day)
            .join(OpenPosition, OpenPosition.customer_account_id == CustomerProfile.customer_account_id)
            .where(OpenPosition.invoice_id.is_(None), OpenPosition.created_at <= now)
            .distinct(),
            CustomerProfile,
            OpenPosition,
            own_model=False,
        )
        return {int(day) for day in self.session.scalars(statement)}


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


class DemoInvoices(TenantRepository[Invoice]):
    """The demo story's invoices: how many it made, and which an invoice run just issued."""

    model = Invoice

    def issued_unpaid(self, customer_account_id: int, issued_at: datetime) -> list[Invoice]:
        """The customer's invoices issued at `issued_at` that are still unpaid, newest first."""
        statement = (
            self.select()
            .where(
                Invoice.customer_account_id == customer_account_id,
                Invoice.issued_at == issued_at,
                Invoice.status.in_(UNPAID_INVOICE_STATUSES),
            )
            .order_by(Invoice.id.desc())
        )
        return list(self.session.scalars(statement))


class DemoServers(TenantRepository[SubscriptionItem]):
    """The demo's simulated servers: the demo provisions them itself, as no provider runs there."""

    model = SubscriptionItem

    def of_subscription(self, subscription_id: int) -> list[SubscriptionItem]:
        statement = self.select().where(SubscriptionItem.subscription_id == subscription_id)
        return list(self.session.scalars(statement.order_by(SubscriptionItem.id)))

    def log(self, entry: ProvisioningLogEntry) -> ProvisioningLogEntry:
        entry.tenant_id = self.scope.tenant_id
        self.session.add(entry)
        return entry

    def add_simulated(self, server: SimulatedServer) -> SimulatedServer:
        """The simulated provider's own row (no tenant column: the provider account names it)."""
        self.session.add(server)
        self.session.flush()
        return server

    def power_off_simulated(self, ref: str) -> None:
        server = self.session.get(SimulatedServer, int(ref)) if ref.isdigit() else None
        if server is not None:
            server.status = "off"
