"""The revenue analytics' aggregates over documents and money, each one SQL statement grouped in
the database and scoped to the tenant for every table it names (MRR: mrr_repository.py). One
currency at a time; definitions in docs/metrics.md.

Turnover is issued invoices (void ones included: their credit note takes them back) minus credit
notes, by the day of issue.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_, select, union_all
from sqlalchemy.sql import Select

from backend.kit.repository import TenantRepository
from backend.models import (
    CreditNote,
    Dispute,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    Payout,
    Plan,
    Refund,
    RefundStatus,
)
from backend.models.statuses import UNPAID_INVOICE_STATUSES
from backend.reporting.revenue_sql import (
    Grain,
    bucket_index,
    bucket_starts,
    money_total,
)

# Unpaid invoices by days past due: (key, the most days past due in it; None: no limit).
AGEING_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-30", 30),
    ("31-60", 60),
    ("61-90", 90),
    ("over 90", None),
)
NOT_DUE = "not yet due"
SUCCEEDED_PAYMENTS = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)
VOLUME_KINDS = ("payments", "refunds", "disputes", "disputes lost", "payouts")


@dataclass(frozen=True, slots=True)
class DocumentTotals:
    key: str
    invoiced_net: Decimal
    invoiced_gross: Decimal
    credited_net: Decimal
    credited_gross: Decimal
    invoices: int
    credit_notes: int


class RevenueFigures(TenantRepository[Invoice]):
    model = Invoice

    # --- turnover --------------------------------------------------------------------------------
    def _documents(
        self, currency: str, start: datetime, end: datetime, invoice_key: Any, credit_key: Any
    ) -> Select[Any]:
        """Issued invoices and credit notes in [start, end), each table grouped by its key on its
        own (an index range scan each), then the two sets of groups added up."""
        invoices = self.scoped(
            select(
                invoice_key.label("key"),
                money_total(Invoice.net).label("inv_net"),
                money_total(Invoice.gross).label("inv_gross"),
                literal(0).label("cn_net"),
                literal(0).label("cn_gross"),
                func.count().label("inv_n"),
                literal(0).label("cn_n"),
            )
            .where(
                Invoice.currency == currency,
                Invoice.status != InvoiceStatus.DRAFT,
                Invoice.issued_at >= start,
                Invoice.issued_at < end,
            )
            .group_by(invoice_key)
        )
        credits = self.scoped(
            select(
                credit_key.label("key"),
                literal(0).label("inv_net"),
                literal(0).label("inv_gross"),
                money_total(CreditNote.net).label("cn_net"),
                money_total(CreditNote.gross).label("cn_gross"),
                literal(0).label("inv_n"),
                func.count().label("cn_n"),
            )
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(CreditNote.currency == currency, CreditNote.issued_at >= start, CreditNote.issued_at < end)
            .group_by(credit_key),
            CreditNote,
        )
        rows = union_all(invoices, credits).subquery("documents")
        return select(
            rows.c.key,
            money_total(rows.c.inv_net),
            money_total(rows.c.inv_gross),
            money_total(rows.c.cn_net),
            money_total(rows.c.cn_gross),
            func.sum(rows.c.inv_n),
            func.sum(rows.c.cn_n),
        ).group_by(rows.c.key)

    def _totals(self, statement: Select[Any]) -> list[DocumentTotals]:
        return [
            DocumentTotals(
                "" if key is None else str(key), inet, igross, cnet, cgross, int(n_inv or 0), int(n_cn or 0)
            )
            for key, inet, igross, cnet, cgross, n_inv, n_cn in self.session.execute(statement)
        ]

    def turnover(self, currency: str, start: datetime, end: datetime, grain: Grain) -> list[DocumentTotals]:
        """Per day, week or month of issue (key = its first day, YYYY-MM-DD), oldest first."""
        starts = bucket_starts(start.date(), (end - timedelta(microseconds=1)).date(), grain)
        statement = self._documents(
            currency,
            start,
            end,
            bucket_index(Invoice.issued_at, starts),
            bucket_index(CreditNote.issued_at, starts),
        )
        return [
            replace(row, key=starts[int(row.key)].isoformat())
            for row in sorted(self._totals(statement), key=lambda row: int(row.key))
        ]

    def turnover_by_country(self, currency: str, start: datetime, end: datetime) -> list[DocumentTotals]:
        """Per buyer country at issue (a credit note counts in its invoice's country)."""
        return self._totals(
            self._documents(currency, start, end, Invoice.buyer_country, Invoice.buyer_country)
        )

    def turnover_by_tax_mode(self, currency: str, start: datetime, end: datetime) -> list[DocumentTotals]:
        return self._totals(self._documents(currency, start, end, Invoice.tax_mode, Invoice.tax_mode))

    # --- receivables -----------------------------------------------------------------------------
    def ageing_key(self, now: datetime) -> ColumnElement[str]:
        """The ageing bucket of an unpaid invoice at `now`, by its due date."""
        whens = [(or_(Invoice.due_at.is_(None), Invoice.due_at >= now), literal(NOT_DUE))]
        for key, upper in AGEING_BUCKETS:
            if upper is not None:
                whens.append((Invoice.due_at >= now - timedelta(days=upper), literal(key)))
        return case(*whens, else_=literal(AGEING_BUCKETS[-1][0]))

    def receivables(self, currency: str, now: datetime) -> dict[str, tuple[Decimal, int]]:
        """Unpaid balance and invoice count per ageing bucket at `now`."""
        key = self.ageing_key(now).label("bucket")
        statement = self.scoped(
            select(key, money_total(Invoice.balance_due), func.count())
            .where(
                Invoice.currency == currency,
                Invoice.status.in_(UNPAID_INVOICE_STATUSES),
                Invoice.balance_due > 0,
            )
            .group_by(key)
        )
        return {bucket: (amount, int(n)) for bucket, amount, n in self.session.execute(statement)}

    # --- card volume -----------------------------------------------------------------------------
    def volume(
        self, currency: str, start: datetime, end: datetime
    ) -> dict[tuple[str, str], tuple[Decimal, int]]:
        """(kind, month) -> (amount, count) for payments received, refunds, disputes opened, disputes
        lost (at closing) and payouts paid (at arrival)."""
        months = bucket_starts(start.date(), (end - timedelta(microseconds=1)).date(), "month")

        def part(kind: str, model: Any, amount: Any, at: Any, *conditions: Any) -> Select[Any]:
            return self.scoped(
                select(
                    literal(kind).label("kind"),
                    bucket_index(at, months).label("month"),
                    amount.label("amount"),
                ).where(model.currency == currency, at >= start, at < end, *conditions),
                model,
                own_model=False,
            )

        rows = union_all(
            part(
                "payments",
                Payment,
                Payment.amount,
                Payment.succeeded_at,
                Payment.status.in_(SUCCEEDED_PAYMENTS),
            ),
            part(
                "refunds", Refund, Refund.amount, Refund.created_at, Refund.status == RefundStatus.SUCCEEDED
            ),
            part("disputes", Dispute, Dispute.amount, Dispute.opened_at),
            part("disputes lost", Dispute, Dispute.amount, Dispute.closed_at, Dispute.status == "lost"),
            part("payouts", Payout, Payout.amount, Payout.arrival_at, Payout.status == "paid"),
        ).subquery("volume")
        statement = select(rows.c.kind, rows.c.month, money_total(rows.c.amount), func.count()).group_by(
            rows.c.kind, rows.c.month
        )
        return {
            (k, months[int(m)].isoformat()): (amount, int(n))
            for k, m, amount, n in self.session.execute(statement)
        }

    def currencies(self) -> list[str]:
        """Currencies the tenant invoiced or sells plans in, for the page's selector."""
        invoices = self.scoped(select(Invoice.currency).distinct())
        plans = self.scoped(select(Plan.currency).distinct(), Plan, own_model=False)
        return sorted({str(c) for (c,) in self.session.execute(invoices.union(plans))})
