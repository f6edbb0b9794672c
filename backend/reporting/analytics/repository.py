"""The revenue analytics' aggregates over documents and money, each one SQL statement grouped in
the database and scoped to the tenant for every table it names (MRR: reporting/mrr/repository.py),
and the lists behind each figure, one page at a time (LIMIT/OFFSET in SQL, with the count), using
the same filters as the aggregate they explain. One currency at a time; docs/metrics.md.

Turnover is issued invoices (void ones included: their credit note takes them back) minus credit
notes, by the day of issue.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, case, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.sql import Select

from backend.kit.repository import TenantRepository
from backend.models import (
    Addon,
    CreditNote,
    CustomerAccount,
    Dispute,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    Payout,
    Plan,
    Refund,
    RefundStatus,
    RevenueDaily,
    RevenueRollupMark,
    Subscription,
)
from backend.models.statuses import UNPAID_INVOICE_STATUSES
from backend.models.types import UtcDateTime
from backend.money import MoneyAmount
from backend.reporting.mrr.repository import MrrFigures
from backend.reporting.revenue_sql import (
    Grain,
    bucket_index,
    bucket_starts,
    day_start,
    money_total,
)

ONE_DAY = timedelta(days=1)

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
    invoiced_net: Decimal
    invoiced_gross: Decimal
    credited_net: Decimal
    credited_gross: Decimal
    invoices: int
    credit_notes: int

    def __add__(self, other: DocumentTotals) -> DocumentTotals:
        return DocumentTotals(
            self.invoiced_net + other.invoiced_net,
            self.invoiced_gross + other.invoiced_gross,
            self.credited_net + other.credited_net,
            self.credited_gross + other.credited_gross,
            self.invoices + other.invoices,
            self.credit_notes + other.credit_notes,
        )


@dataclass(frozen=True, slots=True)
class TurnoverCell:
    bucket: str
    country: str
    tax_mode: str
    totals: DocumentTotals


class RevenueFigures(TenantRepository[Invoice]):
    model = Invoice

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # --- turnover --------------------------------------------------------------------------------
    def _documents(
        self, currency: str, start: datetime, end: datetime, invoice_keys: list[Any], credit_keys: list[Any]
    ) -> Select[Any]:
        """Issued invoices and credit notes in [start, end), each table grouped by its keys on its
        own (an index range scan each), then the two sets of groups added up."""
        names = [f"k{i}" for i in range(len(invoice_keys))]
        invoices = self.scoped(
            select(
                *[key.label(name) for key, name in zip(invoice_keys, names, strict=True)],
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
            .group_by(*invoice_keys)
        )
        credits = self.scoped(
            select(
                *[key.label(name) for key, name in zip(credit_keys, names, strict=True)],
                literal(0).label("inv_net"),
                literal(0).label("inv_gross"),
                money_total(CreditNote.net).label("cn_net"),
                money_total(CreditNote.gross).label("cn_gross"),
                literal(0).label("inv_n"),
                func.count().label("cn_n"),
            )
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(CreditNote.currency == currency, CreditNote.issued_at >= start, CreditNote.issued_at < end)
            .group_by(*credit_keys),
            CreditNote,
        )
        rows = union_all(invoices, credits).subquery("documents")
        keys = [rows.c[name] for name in names]
        return select(
            *keys,
            money_total(rows.c.inv_net),
            money_total(rows.c.inv_gross),
            money_total(rows.c.cn_net),
            money_total(rows.c.cn_gross),
            func.sum(rows.c.inv_n),
            func.sum(rows.c.cn_n),
        ).group_by(*keys)

    def turnover_cube(
        self, currency: str, start: datetime, end: datetime, grain: Grain
    ) -> list[TurnoverCell]:
        """Turnover per day, week or month of issue (its first day, YYYY-MM-DD), buyer country and
        tax mode at issue (a credit note counts in its invoice's country and mode): one scan gives
        the page's turnover and both of its splits.

        Whole days before the tenant's rollup mark come from the daily rollup (their sums never
        change, backend/invoicing/daily_rollup.py), the rest of the range (today, days the job has
        not reached yet, a range edge inside a day) from the documents: the same figures either way."""
        starts = bucket_starts(start.date(), (end - timedelta(microseconds=1)).date(), grain)
        cells: dict[tuple[int, str, str], DocumentTotals] = {}
        rolled = self._rolled_span(start, end)
        raw_spans = [(start, end)] if rolled is None else [(start, rolled[0]), (rolled[1], end)]
        for span_start, span_end in raw_spans:
            if span_start < span_end:
                self._add_documents(cells, currency, span_start, span_end, starts)
        if rolled is not None:
            self._add_rollup(cells, currency, rolled, starts)
        return [
            TurnoverCell(starts[bucket].isoformat(), country, mode, totals)
            for (bucket, country, mode), totals in cells.items()
        ]

    def _rolled_span(self, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
        """The whole UTC days of [start, end) that the rollup holds, as instants, or None."""
        until = self.session.scalar(
            self.scoped(select(RevenueRollupMark.rolled_until), RevenueRollupMark, own_model=False)
        )
        if until is None:
            return None
        first = day_start(start.astimezone(UTC).date())
        if first < start:  # the range starts inside a day: that day comes from the documents
            first += ONE_DAY
        last = min(day_start(end.astimezone(UTC).date()), day_start(until))
        return (first, last) if first < last else None

    def _add_documents(
        self,
        cells: dict[tuple[int, str, str], DocumentTotals],
        currency: str,
        start: datetime,
        end: datetime,
        starts: list[date],
    ) -> None:
        statement = self._documents(
            currency,
            start,
            end,
            [bucket_index(Invoice.issued_at, starts, self.dialect), Invoice.buyer_country, Invoice.tax_mode],
            [
                bucket_index(CreditNote.issued_at, starts, self.dialect),
                Invoice.buyer_country,
                Invoice.tax_mode,
            ],
        )
        for bucket, country, mode, inet, igross, cnet, cgross, n_inv, n_cn in self.session.execute(statement):
            totals = DocumentTotals(inet, igross, cnet, cgross, int(n_inv or 0), int(n_cn or 0))
            _add_cell(cells, (int(bucket), str(country or ""), str(mode)), totals)

    def _add_rollup(
        self,
        cells: dict[tuple[int, str, str], DocumentTotals],
        currency: str,
        rolled: tuple[datetime, datetime],
        starts: list[date],
    ) -> None:
        statement = self.scoped(
            select(
                RevenueDaily.day,
                RevenueDaily.buyer_country,
                RevenueDaily.tax_mode,
                RevenueDaily.invoiced_net,
                RevenueDaily.invoiced_gross,
                RevenueDaily.credited_net,
                RevenueDaily.credited_gross,
                RevenueDaily.invoices,
                RevenueDaily.credit_notes,
            ).where(
                RevenueDaily.currency == currency,
                RevenueDaily.day >= rolled[0].date(),
                RevenueDaily.day < rolled[1].date(),
            ),
            RevenueDaily,
            own_model=False,
        )
        for day, country, mode, inet, igross, cnet, cgross, n_inv, n_cn in self.session.execute(statement):
            bucket = bisect_right(starts, day) - 1
            _add_cell(
                cells,
                (bucket, str(country or ""), str(mode)),
                DocumentTotals(inet, igross, cnet, cgross, n_inv, n_cn),
            )

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
                    bucket_index(at, months, self.dialect).label("month"),
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
        """Currencies the tenant sells plans and addons in, for the page's selector (a scan of every
        invoice's currency would cost more than the whole report on a large tenant)."""
        plans = self.scoped(select(Plan.currency).distinct(), Plan, own_model=False)
        addons = self.scoped(select(Addon.currency).distinct(), Addon, own_model=False)
        return sorted({str(c) for (c,) in self.session.execute(plans.union(addons))})


@dataclass(frozen=True, slots=True)
class ListedItem:
    """One row behind a figure: what it is, its reference, whose it is, when, and its amounts."""

    kind: str
    object_id: int
    reference: str
    customer: str
    at: datetime | None
    amount: Decimal
    second_amount: Decimal | None = None
    status: str = ""


@dataclass(frozen=True, slots=True)
class ListedPage:
    items: list[ListedItem]
    total: int


class RevenueLists(RevenueFigures):
    def _listed(self, rows: Any, order: list[Any], limit: int, offset: int) -> ListedPage:
        total = int(self.session.scalar(select(func.count()).select_from(rows)) or 0)
        found = self.session.execute(select(rows).order_by(*order).limit(limit).offset(offset))
        items = [
            ListedItem(
                kind=r.kind,
                object_id=int(r.object_id),
                reference=r.reference or "",
                customer=r.customer or "",
                at=r.at,
                amount=r.amount,
                second_amount=getattr(r, "second_amount", None),
                status=str(r.status or ""),
            )
            for r in found
        ]
        return ListedPage(items, total)

    def _invoice_rows(self, at: Any, amount: Any) -> Select[Any]:
        """Invoices as listed rows (their date and first amount chosen by the list), with the
        customer's name, scoped; the caller adds its filters."""
        return self.scoped(
            select(
                literal("invoice").label("kind"),
                Invoice.id.label("object_id"),
                Invoice.number.label("reference"),
                CustomerAccount.name.label("customer"),
                at.label("at"),
                amount.label("amount"),
                Invoice.gross.label("second_amount"),
                type_coerce(Invoice.status, String()).label("status"),
            ).join(CustomerAccount, CustomerAccount.id == Invoice.customer_account_id),
            CustomerAccount,
        )

    def documents(
        self,
        currency: str,
        start: datetime,
        end: datetime,
        *,
        dimension: str | None = None,
        value: str | None = None,
        limit: int,
        offset: int,
    ) -> ListedPage:
        """Invoices and credit notes of [start, end), optionally of one buyer country or tax mode."""
        column = {"country": Invoice.buyer_country, "tax_mode": Invoice.tax_mode, None: None}[dimension]
        extra: list[ColumnElement[bool]] = [column == value] if column is not None else []
        invoices = self._invoice_rows(Invoice.issued_at, Invoice.net).where(
            Invoice.currency == currency,
            Invoice.status != InvoiceStatus.DRAFT,
            Invoice.issued_at >= start,
            Invoice.issued_at < end,
            *extra,
        )
        credits = self.scoped(
            select(
                literal("credit note"),
                Invoice.id,
                CreditNote.number,
                CustomerAccount.name,
                CreditNote.issued_at,
                -CreditNote.net,
                -CreditNote.gross,
                literal("credited"),
            )
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .join(CustomerAccount, CustomerAccount.id == Invoice.customer_account_id)
            .where(
                CreditNote.currency == currency,
                CreditNote.issued_at >= start,
                CreditNote.issued_at < end,
                *extra,
            ),
            CreditNote,
            CustomerAccount,
        )
        rows = union_all(invoices, credits).subquery("listed")
        return self._listed(rows, [rows.c.at.desc(), rows.c.reference], limit, offset)

    def unpaid(self, currency: str, now: datetime, bucket: str, *, limit: int, offset: int) -> ListedPage:
        """The unpaid invoices of one ageing bucket (`ageing_key`), the oldest due first."""
        rows = (
            self._invoice_rows(Invoice.due_at, Invoice.balance_due)
            .where(
                Invoice.currency == currency,
                Invoice.status.in_(UNPAID_INVOICE_STATUSES),
                Invoice.balance_due > 0,
                self.ageing_key(now) == bucket,
            )
            .subquery("listed")
        )
        return self._listed(rows, [rows.c.at, rows.c.object_id], limit, offset)

    def movement_customers(
        self, currency: str, instants: list[datetime], idx: int, kind: str, *, limit: int, offset: int
    ) -> ListedPage:
        """Customers whose MRR moved by `kind` between snapshot idx-1 and idx; amount is the new MRR,
        second_amount the opening one, the largest movement first."""
        mrr = MrrFigures(self.session, self.scope)
        joined = mrr.classified(currency, instants)
        condition, moved = mrr.movements(joined)[kind]
        rows = self.scoped(
            select(
                literal("customer").label("kind"),
                CustomerAccount.id.label("object_id"),
                CustomerAccount.number.label("reference"),
                CustomerAccount.name.label("customer"),
                literal(None, UtcDateTime()).label("at"),
                type_money(joined.c.cur).label("amount"),
                type_money(joined.c.prev).label("second_amount"),
                literal(kind).label("status"),
                moved.label("moved"),
            )
            .join(joined, joined.c.customer == CustomerAccount.id)
            .where(joined.c.idx == idx, condition),
            CustomerAccount,
            own_model=False,
        ).subquery("listed")
        return self._listed(rows, [rows.c.moved.desc(), rows.c.object_id], limit, offset)

    def plan_subscriptions(
        self, currency: str, at: datetime, plan_id: int, *, limit: int, offset: int
    ) -> ListedPage:
        """Subscriptions of a plan paying at `at`, with their MRR, the largest first."""
        mrr = MrrFigures(self.session, self.scope)
        subs = mrr.subscriptions_cte(currency)
        rows = self.scoped(
            select(
                literal("subscription").label("kind"),
                Subscription.id.label("object_id"),
                Subscription.number.label("reference"),
                CustomerAccount.name.label("customer"),
                subs.c.start.label("at"),
                type_money(subs.c.mrr).label("amount"),
                type_coerce(Subscription.status, String()).label("status"),
            )
            .join(subs, subs.c.id == Subscription.id)
            .join(CustomerAccount, CustomerAccount.id == Subscription.customer_account_id)
            .where(subs.c.plan_id == plan_id, mrr.live_at(subs, literal(at, UtcDateTime()))),
            Subscription,
            CustomerAccount,
            own_model=False,
        ).subquery("listed")
        return self._listed(rows, [rows.c.amount.desc(), rows.c.object_id], limit, offset)

    def volume_items(
        self, currency: str, kind: str, start: datetime, end: datetime, *, limit: int, offset: int
    ) -> ListedPage:
        """The payments, refunds, disputes (opened or lost) or payouts behind a volume figure."""
        statement = self._volume_statement(currency, kind, start, end).subquery("listed")
        return self._listed(statement, [statement.c.at.desc(), statement.c.object_id], limit, offset)

    def _volume_statement(self, currency: str, kind: str, start: datetime, end: datetime) -> Select[Any]:
        def rows(
            model: Any, at: Any, reference: Any, status: Any, link: Any, *conditions: Any
        ) -> Select[Any]:
            statement = select(
                literal(kind).label("kind"),
                link.label("object_id"),
                reference.label("reference"),
                literal("").label("customer"),
                at.label("at"),
                model.amount.label("amount"),
                type_coerce(status, String()).label("status"),
            ).where(model.currency == currency, at >= start, at < end, *conditions)
            return self.scoped(statement, model, own_model=False)

        if kind == "payments":
            return rows(
                Payment,
                Payment.succeeded_at,
                func.coalesce(Payment.external_id, Payment.idempotency_key),
                Payment.status,
                func.coalesce(Payment.invoice_id, 0),
                Payment.status.in_(SUCCEEDED_PAYMENTS),
            )
        if kind == "refunds":
            return rows(
                Refund,
                Refund.created_at,
                func.coalesce(Refund.external_id, Refund.idempotency_key),
                Refund.status,
                Refund.payment_id,
                Refund.status == RefundStatus.SUCCEEDED,
            )
        if kind in ("disputes", "disputes lost"):
            lost = kind == "disputes lost"
            at = Dispute.closed_at if lost else Dispute.opened_at
            conditions = [Dispute.status == "lost"] if lost else []
            return rows(
                Dispute,
                at,
                Dispute.external_id,
                Dispute.status,
                func.coalesce(Dispute.invoice_id, 0),
                *conditions,
            )
        return rows(
            Payout, Payout.arrival_at, Payout.external_id, Payout.status, Payout.id, Payout.status == "paid"
        )


def _add_cell(
    cells: dict[tuple[int, str, str], DocumentTotals], key: tuple[int, str, str], totals: DocumentTotals
) -> None:
    found = cells.get(key)
    cells[key] = totals if found is None else found + totals


def type_money(column: Any) -> Any:
    """A micros column read back as an amount (the MoneyAmount type), without changing the SQL."""
    return type_coerce(column, MoneyAmount())
