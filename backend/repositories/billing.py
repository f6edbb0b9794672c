"""Open positions, invoices, lines and credit notes."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from backend.models import CreditNote, Invoice, InvoiceLine, InvoiceStatus, OpenPosition
from backend.repositories.base import TenantRepository

UNPAID_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE)


class OpenPositionRepository(TenantRepository[OpenPosition]):
    model = OpenPosition

    def unbilled_for_customer(self, customer_account_id: int) -> list[OpenPosition]:
        statement = self.select().where(
            OpenPosition.customer_account_id == customer_account_id, OpenPosition.invoice_id.is_(None)
        )
        return list(self.session.scalars(statement.order_by(OpenPosition.period_start, OpenPosition.id)))


class InvoiceRepository(TenantRepository[Invoice]):
    model = Invoice

    def by_number(self, number: str) -> Invoice | None:
        return self.session.scalars(self.select().where(Invoice.number == number)).first()

    def for_customer(self, customer_account_id: int, *, limit: int = 50) -> list[Invoice]:
        statement = (
            self.select()
            .where(Invoice.customer_account_id == customer_account_id, Invoice.status != InvoiceStatus.DRAFT)
            .order_by(Invoice.issued_at.desc(), Invoice.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(statement))

    def open_balance_by_currency(self, customer_account_id: int) -> dict[str, tuple[Decimal, int, int]]:
        """Per currency: (balance due, unpaid invoice count, overdue invoice count)."""
        overdue = func.count().filter(Invoice.status == InvoiceStatus.OVERDUE)
        statement = self.scoped(
            select(Invoice.currency, func.sum(Invoice.balance_due), func.count(), overdue)
            .where(Invoice.customer_account_id == customer_account_id, Invoice.status.in_(UNPAID_STATUSES))
            .group_by(Invoice.currency)
        )
        return {
            currency: (Decimal(total or 0), int(count), int(overdue_count or 0))
            for currency, total, count, overdue_count in self.session.execute(statement)
        }


class InvoiceLineRepository(TenantRepository[InvoiceLine]):
    model = InvoiceLine

    def for_invoice(self, invoice_id: int) -> list[InvoiceLine]:
        statement = self.select().where(InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.position)
        return list(self.session.scalars(statement))


class CreditNoteRepository(TenantRepository[CreditNote]):
    model = CreditNote
