"""The lists behind the revenue figures, one page at a time (LIMIT/OFFSET in SQL, with the count):
the documents of a turnover bucket, country or tax mode; the unpaid invoices of an ageing bucket;
the customers of an MRR movement; the subscriptions of a plan; the payments, refunds, disputes or
payouts of a month. Each uses the same filters as the aggregate it explains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, func, literal, select, type_coerce, union_all
from sqlalchemy.sql import Select

from backend.models import (
    CreditNote,
    CustomerAccount,
    Dispute,
    Invoice,
    InvoiceStatus,
    Payment,
    Payout,
    Refund,
    RefundStatus,
    Subscription,
)
from backend.models.statuses import UNPAID_INVOICE_STATUSES
from backend.models.types import UtcDateTime
from backend.money import MoneyAmount
from backend.reporting.mrr_repository import MrrFigures
from backend.reporting.revenue_repository import SUCCEEDED_PAYMENTS, RevenueFigures


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
    def _page(self, rows: Any, order: list[Any], limit: int, offset: int) -> ListedPage:
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
        invoices = self.scoped(
            select(
                literal("invoice").label("kind"),
                Invoice.id.label("object_id"),
                Invoice.number.label("reference"),
                CustomerAccount.name.label("customer"),
                Invoice.issued_at.label("at"),
                Invoice.net.label("amount"),
                Invoice.gross.label("second_amount"),
                type_coerce(Invoice.status, String()).label("status"),
            )
            .join(CustomerAccount, CustomerAccount.id == Invoice.customer_account_id)
            .where(
                Invoice.currency == currency,
                Invoice.status != InvoiceStatus.DRAFT,
                Invoice.issued_at >= start,
                Invoice.issued_at < end,
                *extra,
            ),
            CustomerAccount,
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
        return self._page(rows, [rows.c.at.desc(), rows.c.reference], limit, offset)

    def unpaid(self, currency: str, now: datetime, bucket: str, *, limit: int, offset: int) -> ListedPage:
        """The unpaid invoices of one ageing bucket (`ageing_key`), the oldest due first."""
        rows = self.scoped(
            select(
                literal("invoice").label("kind"),
                Invoice.id.label("object_id"),
                Invoice.number.label("reference"),
                CustomerAccount.name.label("customer"),
                Invoice.due_at.label("at"),
                Invoice.balance_due.label("amount"),
                Invoice.gross.label("second_amount"),
                type_coerce(Invoice.status, String()).label("status"),
            )
            .join(CustomerAccount, CustomerAccount.id == Invoice.customer_account_id)
            .where(
                Invoice.currency == currency,
                Invoice.status.in_(UNPAID_INVOICE_STATUSES),
                Invoice.balance_due > 0,
                self.ageing_key(now) == bucket,
            ),
            CustomerAccount,
        ).subquery("listed")
        return self._page(rows, [rows.c.at, rows.c.object_id], limit, offset)

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
        return self._page(rows, [rows.c.moved.desc(), rows.c.object_id], limit, offset)

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
        return self._page(rows, [rows.c.amount.desc(), rows.c.object_id], limit, offset)

    def volume_items(
        self, currency: str, kind: str, start: datetime, end: datetime, *, limit: int, offset: int
    ) -> ListedPage:
        """The payments, refunds, disputes (opened or lost) or payouts behind a volume figure."""
        statement = self._volume_statement(currency, kind, start, end).subquery("listed")
        return self._page(statement, [statement.c.at.desc(), statement.c.object_id], limit, offset)

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


def type_money(column: Any) -> Any:
    """A micros column read back as an amount (the MoneyAmount type), without changing the SQL."""
    return type_coerce(column, MoneyAmount())
