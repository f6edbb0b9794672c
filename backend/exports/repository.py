"""Every query of the exports: the rows of one kind in a range of days, read in batches through a
server-side cursor (never the whole result in memory), and the export jobs of the tenant."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import aliased

from backend.kit.repository import TenantRepository
from backend.models import (
    CreditNote,
    CustomerAccount,
    CustomerProfile,
    ExportJob,
    ExportKind,
    ExportStatus,
    Invoice,
    Payment,
    Plan,
    Subscription,
)

# Rows fetched from the cursor at a time: one CSV chunk and one progress step each.
BATCH_ROWS = 1000

ValueKind = Literal["text", "money", "time", "number"]


@dataclass(frozen=True, slots=True)
class ExportColumn:
    header: str  # the CSV header, stable for scripts reading the file
    expression: ColumnElement[Any] | Any
    kind: ValueKind = "text"  # money: a decimal string in the row's `currency`; time: ISO 8601 UTC


@dataclass(frozen=True, slots=True)
class ExportQuery:
    columns: tuple[ExportColumn, ...]
    dated_by: Any  # the timestamp the range of days applies to
    models: tuple[type[Any], ...]  # every tenant-owned table the query reads (each is scoped)
    order_by: tuple[Any, ...]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


_Invoiced = aliased(Invoice)
_Paid = aliased(Invoice)

QUERIES: dict[ExportKind, ExportQuery] = {
    ExportKind.INVOICES: ExportQuery(
        columns=(
            ExportColumn("invoice_number", Invoice.number),
            ExportColumn("status", Invoice.status),
            ExportColumn("customer_number", CustomerAccount.number),
            ExportColumn("customer_name", CustomerAccount.name),
            ExportColumn("currency", Invoice.currency),
            ExportColumn("net", Invoice.net, "money"),
            ExportColumn("tax", Invoice.tax, "money"),
            ExportColumn("gross", Invoice.gross, "money"),
            ExportColumn("balance_due", Invoice.balance_due, "money"),
            ExportColumn("tax_mode", Invoice.tax_mode),
            ExportColumn("tax_country", Invoice.tax_country),
            ExportColumn("buyer_country", Invoice.buyer_country),
            ExportColumn("buyer_vat_id", Invoice.buyer_vat_id),
            ExportColumn("issued_at_utc", Invoice.issued_at, "time"),
            ExportColumn("due_at_utc", Invoice.due_at, "time"),
            ExportColumn("paid_at_utc", Invoice.paid_at, "time"),
            ExportColumn("voided_at_utc", Invoice.voided_at, "time"),
        ),
        dated_by=Invoice.issued_at,
        models=(Invoice, CustomerAccount),
        order_by=(Invoice.issued_at, Invoice.id),
    ),
    ExportKind.CREDIT_NOTES: ExportQuery(
        columns=(
            ExportColumn("credit_note_number", CreditNote.number),
            ExportColumn("invoice_number", _Invoiced.number),
            ExportColumn("customer_number", CustomerAccount.number),
            ExportColumn("customer_name", CustomerAccount.name),
            ExportColumn("currency", CreditNote.currency),
            ExportColumn("net", CreditNote.net, "money"),
            ExportColumn("tax", CreditNote.tax, "money"),
            ExportColumn("gross", CreditNote.gross, "money"),
            ExportColumn("refund_amount", CreditNote.refund_amount, "money"),
            ExportColumn("reason", CreditNote.reason),
            ExportColumn("issued_at_utc", CreditNote.issued_at, "time"),
        ),
        dated_by=CreditNote.issued_at,
        models=(CreditNote, _Invoiced, CustomerAccount),
        order_by=(CreditNote.issued_at, CreditNote.id),
    ),
    ExportKind.PAYMENTS: ExportQuery(
        columns=(
            ExportColumn("payment_id", Payment.id, "number"),
            ExportColumn("invoice_number", _Paid.number),
            ExportColumn("customer_number", CustomerAccount.number),
            ExportColumn("customer_name", CustomerAccount.name),
            ExportColumn("processor", Payment.processor),
            ExportColumn("method", Payment.kind),
            ExportColumn("status", Payment.status),
            ExportColumn("currency", Payment.currency),
            ExportColumn("amount", Payment.amount, "money"),
            ExportColumn("refunded_amount", Payment.refunded_amount, "money"),
            ExportColumn("external_id", Payment.external_id),
            ExportColumn("created_at_utc", Payment.created_at, "time"),
            ExportColumn("succeeded_at_utc", Payment.succeeded_at, "time"),
        ),
        dated_by=Payment.created_at,
        models=(Payment, CustomerAccount),
        order_by=(Payment.created_at, Payment.id),
    ),
    ExportKind.CUSTOMERS: ExportQuery(
        columns=(
            ExportColumn("customer_number", CustomerAccount.number),
            ExportColumn("name", CustomerAccount.name),
            ExportColumn("customer_type", CustomerAccount.customer_type),
            ExportColumn("company_name", CustomerProfile.company_name),
            ExportColumn("email", CustomerProfile.email),
            ExportColumn("country", CustomerProfile.country),
            ExportColumn("vat_id", CustomerProfile.vat_id),
            ExportColumn("billing_day", CustomerProfile.billing_day, "number"),
            ExportColumn("created_at_utc", CustomerAccount.created_at, "time"),
        ),
        dated_by=CustomerAccount.created_at,
        models=(CustomerAccount,),
        order_by=(CustomerAccount.created_at, CustomerAccount.id),
    ),
    ExportKind.SUBSCRIPTIONS: ExportQuery(
        columns=(
            ExportColumn("subscription_number", Subscription.number),
            ExportColumn("customer_number", CustomerAccount.number),
            ExportColumn("customer_name", CustomerAccount.name),
            ExportColumn("plan", Plan.name),
            ExportColumn("status", Subscription.status),
            ExportColumn("started_at_utc", Subscription.started_at, "time"),
            ExportColumn("current_period_start_utc", Subscription.current_period_start, "time"),
            ExportColumn("current_period_end_utc", Subscription.current_period_end, "time"),
            ExportColumn("trial_end_utc", Subscription.trial_end, "time"),
            ExportColumn("cancel_effective_at_utc", Subscription.cancel_effective_at, "time"),
            ExportColumn("canceled_at_utc", Subscription.canceled_at, "time"),
            ExportColumn("created_at_utc", Subscription.created_at, "time"),
        ),
        dated_by=Subscription.created_at,
        models=(Subscription, CustomerAccount, Plan),
        order_by=(Subscription.created_at, Subscription.id),
    ),
}


def _joined(kind: ExportKind, statement: Select[Any]) -> Select[Any]:
    """The joins of each kind (outer where the related row may be missing)."""
    if kind == ExportKind.INVOICES:
        return statement.select_from(Invoice).join(
            CustomerAccount, CustomerAccount.id == Invoice.customer_account_id
        )
    if kind == ExportKind.CREDIT_NOTES:
        return (
            statement.select_from(CreditNote)
            .join(_Invoiced, _Invoiced.id == CreditNote.invoice_id)
            .join(CustomerAccount, CustomerAccount.id == _Invoiced.customer_account_id)
        )
    if kind == ExportKind.PAYMENTS:
        return (
            statement.select_from(Payment)
            .join(CustomerAccount, CustomerAccount.id == Payment.customer_account_id)
            .outerjoin(_Paid, _Paid.id == Payment.invoice_id)
        )
    if kind == ExportKind.CUSTOMERS:
        return statement.select_from(CustomerAccount).outerjoin(
            CustomerProfile, CustomerProfile.customer_account_id == CustomerAccount.id
        )
    return (
        statement.select_from(Subscription)
        .join(CustomerAccount, CustomerAccount.id == Subscription.customer_account_id)
        .join(Plan, Plan.id == Subscription.plan_id)
    )


class ExportRowsRepository(TenantRepository[Any]):
    """The rows of an export: every table it reads is scoped to the tenant (`scoped` on each)."""

    model = CustomerAccount  # every kind reads customer accounts; the kind's own tables are added

    def _statement(
        self, kind: ExportKind, columns: Sequence[Any], start: datetime, end: datetime
    ) -> Select[Any]:
        query = QUERIES[kind]
        statement = _joined(kind, select(*columns)).where(query.dated_by >= start, query.dated_by < end)
        return self.scoped(statement, *query.models, own_model=False)

    def count_in_range(self, kind: ExportKind, start: datetime, end: datetime) -> int:
        """How many rows the export of [start, end) holds."""
        return int(self.session.scalar(self._statement(kind, [func.count()], start, end)) or 0)

    def batches(self, kind: ExportKind, start: datetime, end: datetime) -> Iterator[Sequence[Any]]:
        """The rows of [start, end) in date order, `BATCH_ROWS` at a time from a server-side cursor
        (yield_per): memory holds one batch, however many rows the range has."""
        query = QUERIES[kind]
        statement = self._statement(kind, [column.expression for column in query.columns], start, end)
        result = self.session.execute(
            statement.order_by(*query.order_by).execution_options(yield_per=BATCH_ROWS)
        )
        try:
            yield from result.partitions()
        finally:
            result.close()


class ExportJobRepository(TenantRepository[ExportJob]):
    """The tenant's export jobs."""

    model = ExportJob

    def lock(self, job_id: int) -> ExportJob | None:
        """The job, locked until commit: one worker at a time starts it."""
        return self.session.scalars(
            self.select()
            .where(ExportJob.id == job_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def unfinished_ids(self) -> list[int]:
        """Jobs waiting for a worker or cut short (a worker died): the coordinator queues them."""
        statement = self.scoped(
            select(ExportJob.id)
            .where(ExportJob.status.in_([ExportStatus.QUEUED, ExportStatus.RUNNING]))
            .order_by(ExportJob.id)
        )
        return [int(job_id) for job_id in self.session.scalars(statement)]

    def newest(self, limit: int) -> list[ExportJob]:
        return list(self.session.scalars(self.select().order_by(ExportJob.id.desc()).limit(limit)))
