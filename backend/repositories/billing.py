"""Open positions, invoices, lines and credit notes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from backend.models import (
    CreditNote,
    CreditNoteLine,
    CustomerProfile,
    DocumentKind,
    DocumentNumberSequence,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OpenPosition,
)
from backend.repositories import bulk
from backend.repositories.base import TenantRepository

UNPAID_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE)


def _dialect_insert(session: Session) -> Any:
    """INSERT with ON CONFLICT support for the session's database."""
    dialect = session.get_bind().dialect.name
    builders = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    if dialect not in builders:
        raise NotImplementedError(f"idempotent inserts are not implemented for {dialect}")
    return builders[dialect]


class ConflictingSourceRef(RuntimeError):
    """Two different charges under one source reference: a bug, never to be skipped silently."""


class OpenPositionRepository(TenantRepository[OpenPosition]):
    model = OpenPosition

    def unbilled_for_customer(self, customer_account_id: int) -> list[OpenPosition]:
        statement = self.select().where(
            OpenPosition.customer_account_id == customer_account_id, OpenPosition.invoice_id.is_(None)
        )
        return list(self.session.scalars(statement.order_by(OpenPosition.period_start, OpenPosition.id)))

    def add_charges(self, rows: list[dict[str, Any]], created_at: datetime) -> int:
        """Insert charges; the same charge already present under its source reference is skipped
        (this makes charging idempotent). Returns how many were new. One statement, however many rows.

        A source reference names exactly one charge: another period or amount under an existing
        reference raises `ConflictingSourceRef` instead of silently losing the charge.
        """
        values = [{**row, "tenant_id": self.scope.tenant_id, "created_at": created_at} for row in rows]
        table = OpenPosition.__table__
        inserted = len(
            bulk.insert_rows(
                self.session, table, values, skip_conflicts_on=("tenant_id", "source_ref"), returning_id=True
            )
        )
        if inserted < len(rows):
            self._check_same_charges(rows)
        return inserted

    def _check_same_charges(self, rows: list[dict[str, Any]]) -> None:
        existing = {
            position.source_ref: position
            for position in self.session.scalars(
                self.select().where(OpenPosition.source_ref.in_([row["source_ref"] for row in rows]))
            )
        }
        for row in rows:
            found = existing[row["source_ref"]]
            if (found.period_start, found.period_end, found.amount, found.currency) != (
                row["period_start"],
                row["period_end"],
                row["amount"],
                row["currency"],
            ):
                raise ConflictingSourceRef(
                    f"source reference {row['source_ref']} already names another charge"
                    f" ({found.period_start} - {found.period_end}, {found.amount} {found.currency})"
                )

    def mark_billed(self, billed: list[tuple[OpenPosition, int]]) -> None:
        """Link charges to the invoice they were billed on (one statement)."""
        self.check_owned(position for position, _ in billed)
        rows = [{"id": position.id, "invoice_id": invoice_id} for position, invoice_id in billed]
        bulk.update_rows(self.session, OpenPosition.__table__, "id", rows, tenant_id=self.scope.tenant_id)
        for position, invoice_id in billed:
            set_committed_value(position, "invoice_id", invoice_id)

    def unbilled_customers(
        self, now: datetime, first_id: int | None = None, last_id: int | None = None
    ) -> list[tuple[int, int, datetime]]:
        """(customer id, billing day, earliest unbilled charge) of customers with unbilled charges."""
        statement = self.scoped(
            select(
                OpenPosition.customer_account_id,
                CustomerProfile.billing_day,
                func.min(OpenPosition.created_at),
            )
            .join(CustomerProfile, CustomerProfile.customer_account_id == OpenPosition.customer_account_id)
            .where(OpenPosition.invoice_id.is_(None), OpenPosition.created_at <= now)
            .group_by(OpenPosition.customer_account_id, CustomerProfile.billing_day)
            .order_by(OpenPosition.customer_account_id),
            CustomerProfile,
        )
        if first_id is not None and last_id is not None:
            statement = statement.where(OpenPosition.customer_account_id.between(first_id, last_id))
        return [(int(c), int(d), e) for c, d, e in self.session.execute(statement)]

    def lock_unbilled(self, customer_ids: list[int], now: datetime) -> list[OpenPosition]:
        """Unbilled charges of `customer_ids`, locked; a concurrent run waits, then finds them billed."""
        if not customer_ids:
            return []
        statement = (
            self.select()
            .where(
                # The range lets the unbilled index narrow the scan; the list picks the customers.
                OpenPosition.customer_account_id.between(min(customer_ids), max(customer_ids)),
                OpenPosition.customer_account_id.in_(customer_ids),
                OpenPosition.invoice_id.is_(None),
                OpenPosition.created_at <= now,
            )
            .order_by(OpenPosition.customer_account_id, OpenPosition.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(statement))

    def by_source_ref(self, source_ref: str) -> OpenPosition | None:
        return self.session.scalars(self.select().where(OpenPosition.source_ref == source_ref)).first()

    def latest_with_prefix(self, prefix: str) -> OpenPosition | None:
        """The latest charge whose source reference starts with `prefix` (one subscription part)."""
        statement = (
            self.select()
            .where(OpenPosition.source_ref.startswith(prefix, autoescape=True))
            .order_by(OpenPosition.period_start.desc(), OpenPosition.id.desc())
            .limit(1)
        )
        return self.session.scalars(statement).first()

    def for_subscription(self, subscription_id: int) -> list[OpenPosition]:
        statement = self.select().where(OpenPosition.subscription_id == subscription_id)
        return list(self.session.scalars(statement.order_by(OpenPosition.period_start, OpenPosition.id)))


class InvoiceRepository(TenantRepository[Invoice]):
    model = Invoice

    def by_number(self, number: str) -> Invoice | None:
        return self.session.scalars(self.select().where(Invoice.number == number)).first()

    def lock(self, invoice_id: int) -> Invoice | None:
        return self.session.scalars(
            self.select()
            .where(Invoice.id == invoice_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def customers_invoiced_since(self, since: datetime, customer_ids: list[int]) -> set[int]:
        """Which of `customer_ids` were issued an invoice at or after `since`. Bounded by the ids'
        range rather than a list, so an invoice run over 100,000 customers stays one short statement."""
        if not customer_ids:
            return set()
        statement = self.scoped(
            select(Invoice.customer_account_id).where(
                Invoice.customer_account_id.between(min(customer_ids), max(customer_ids)),
                Invoice.issued_at >= since,
            )
        )
        found = {int(customer_id) for customer_id in self.session.scalars(statement.distinct())}
        return found & set(customer_ids)

    def insert_issued(self, invoices: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> list[int]:
        """Insert invoices and their lines as rows of this tenant (two statements); returns the
        invoice ids in the order given."""
        tenant = self.scope.tenant_id
        table = Invoice.__table__
        rows = [
            {**invoice, "tenant_id": tenant, "created_at": invoice["issued_at"]} for invoice, _ in invoices
        ]
        if bulk.is_postgresql(self.session):
            ids = bulk.reserve_ids(self.session, table, len(rows))
            with_ids = [{"id": invoice_id, **row} for invoice_id, row in zip(ids, rows, strict=True)]
            bulk.copy_rows(self.session, table, with_ids)
        else:
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids = list(self.session.connection().execute(statement, rows).scalars())
        lines = [
            {**line, "tenant_id": tenant, "invoice_id": invoice_id}
            for invoice_id, (_, invoice_lines) in zip(ids, invoices, strict=True)
            for line in invoice_lines
        ]
        bulk.copy_rows(self.session, InvoiceLine.__table__, lines)
        return ids

    def by_ids(self, invoice_ids: list[int]) -> list[Invoice]:
        if not invoice_ids:
            return []
        statement = self.select().where(Invoice.id.in_(invoice_ids)).order_by(Invoice.id)
        return list(self.session.scalars(statement))

    def count_overdue_candidates(self, now: datetime) -> int:
        statement = self.scoped(select(func.count()).select_from(Invoice).where(*self._overdue(now)))
        return int(self.session.scalar(statement) or 0)

    def mark_overdue(self, now: datetime) -> int:
        invoices = list(
            self.session.scalars(
                self.select()
                .where(*self._overdue(now))
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        for invoice in invoices:
            invoice.status, invoice.overdue_at = InvoiceStatus.OVERDUE, now
        self.session.flush()
        return len(invoices)

    @staticmethod
    def _overdue(now: datetime) -> tuple[Any, ...]:
        return (Invoice.status == InvoiceStatus.ISSUED, Invoice.due_at < now, Invoice.balance_due > 0)

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

    def for_open_position(self, open_position_id: int) -> InvoiceLine | None:
        statement = self.select().where(InvoiceLine.open_position_id == open_position_id)
        return self.session.scalars(statement).first()


class CreditNoteRepository(TenantRepository[CreditNote]):
    model = CreditNote

    def for_invoice(self, invoice_id: int) -> list[CreditNote]:
        statement = self.select().where(CreditNote.invoice_id == invoice_id).order_by(CreditNote.id)
        return list(self.session.scalars(statement))

    def count_for_invoice(self, invoice_id: int) -> int:
        statement = self.scoped(
            select(func.count()).select_from(CreditNote).where(CreditNote.invoice_id == invoice_id)
        )
        return int(self.session.scalar(statement) or 0)

    def credited_total(self, invoice_id: int) -> Decimal:
        return sum((note.gross for note in self.for_invoice(invoice_id)), Decimal(0))

    def credited_net_by_line(self, invoice_id: int) -> dict[int, Decimal]:
        statement = self.scoped(
            select(CreditNoteLine.invoice_line_id, func.sum(CreditNoteLine.net))
            .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
            .where(CreditNote.invoice_id == invoice_id, CreditNoteLine.invoice_line_id.is_not(None))
            .group_by(CreditNoteLine.invoice_line_id),
            CreditNoteLine,
        )
        return {int(line_id): Decimal(total) for line_id, total in self.session.execute(statement)}

    def credited_windows(self, position_ids: list[int]) -> list[tuple[int, datetime | None, datetime | None]]:
        """(open position id, credited from, the invoice line's start) of every credit note line
        crediting the invoice lines of `position_ids`."""
        if not position_ids:
            return []
        statement = self.scoped(
            select(InvoiceLine.open_position_id, CreditNoteLine.period_start, InvoiceLine.period_start)
            .select_from(CreditNoteLine)
            .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
            .join(InvoiceLine, InvoiceLine.id == CreditNoteLine.invoice_line_id)
            .where(InvoiceLine.open_position_id.in_(position_ids)),
            CreditNoteLine,
            InvoiceLine,
        )
        return [(int(pid), credited, start) for pid, credited, start in self.session.execute(statement)]


class CreditNoteLineRepository(TenantRepository[CreditNoteLine]):
    model = CreditNoteLine


class DocumentSequenceRepository(TenantRepository[DocumentNumberSequence]):
    """Gapless counters: the row is locked until commit, so numbers are handed out one run at a time."""

    model = DocumentNumberSequence

    def take(self, kind: DocumentKind, year: int, count: int) -> list[int]:
        """Reserve the next `count` numbers of `kind` in `year`."""
        if count <= 0:
            return []
        self.session.execute(
            _dialect_insert(self.session)(DocumentNumberSequence)
            .values(tenant_id=self.scope.tenant_id, kind=kind, year=year, last_value=0)
            .on_conflict_do_nothing(index_elements=["tenant_id", "kind", "year"])
        )
        statement = (
            self.select()
            .where(DocumentNumberSequence.kind == kind, DocumentNumberSequence.year == year)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        sequence = self.session.scalars(statement).one()
        first = sequence.last_value + 1
        sequence.last_value += count
        self.session.flush()
        return list(range(first, first + count))
