"""The revenue analytics' aggregates, each one SQL statement grouped in the database and scoped to
the tenant for every table it names. One currency at a time; definitions in docs/metrics.md.

Turnover is issued invoices (void ones included: their credit note takes them back) minus credit
notes, by the day of issue. MRR is read at month-end snapshots from the subscriptions' terms
(`plan_snapshot`) and their addons; the movement between two snapshots is classified per customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import CTE, ColumnElement, and_, case, func, literal, or_, select, union_all
from sqlalchemy.sql import Select

from backend.kit.repository import TenantRepository
from backend.models import (
    Addon,
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
    Subscription,
    SubscriptionAddon,
    SubscriptionStatus,
)
from backend.models.statuses import UNPAID_INVOICE_STATUSES
from backend.reporting.revenue_sql import (
    Grain,
    bucket_key,
    count_where,
    instants_table,
    micros_to_amount,
    money_total,
    monthly_micros,
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
MOVEMENT_KINDS = ("new", "expansion", "contraction", "churn", "reactivation")
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


@dataclass(frozen=True, slots=True)
class MonthMovement:
    """Between snapshot idx-1 and idx, in micros-exact amounts."""

    idx: int
    mrr: Decimal
    opening_mrr: Decimal
    customers: int
    opening_customers: int
    new: Decimal
    expansion: Decimal
    contraction: Decimal
    churn: Decimal
    reactivation: Decimal
    churned_customers: int


@dataclass(frozen=True, slots=True)
class PlanMrr:
    plan_id: int
    plan_name: str
    subscriptions: int
    mrr: Decimal


class RevenueFigures(TenantRepository[Invoice]):
    model = Invoice

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # --- turnover --------------------------------------------------------------------------------
    def _documents(
        self, currency: str, start: datetime, end: datetime, invoice_key: Any, credit_key: Any
    ) -> Select[Any]:
        """Issued invoices and credit notes in [start, end) as rows (key, amounts, counts)."""
        invoices = self.scoped(
            select(
                invoice_key.label("key"),
                Invoice.net.label("inv_net"),
                Invoice.gross.label("inv_gross"),
                literal(0).label("cn_net"),
                literal(0).label("cn_gross"),
                literal(1).label("inv_n"),
                literal(0).label("cn_n"),
            ).where(
                Invoice.currency == currency,
                Invoice.status != InvoiceStatus.DRAFT,
                Invoice.issued_at >= start,
                Invoice.issued_at < end,
            )
        )
        credits = self.scoped(
            select(
                credit_key.label("key"),
                literal(0).label("inv_net"),
                literal(0).label("inv_gross"),
                CreditNote.net,
                CreditNote.gross,
                literal(0).label("inv_n"),
                literal(1).label("cn_n"),
            )
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(
                CreditNote.currency == currency, CreditNote.issued_at >= start, CreditNote.issued_at < end
            ),
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
            DocumentTotals(str(key or ""), inet, igross, cnet, cgross, int(n_inv or 0), int(n_cn or 0))
            for key, inet, igross, cnet, cgross, n_inv, n_cn in self.session.execute(statement)
        ]

    def turnover(self, currency: str, start: datetime, end: datetime, grain: Grain) -> list[DocumentTotals]:
        """Per day, week or month of issue (key = its first day), oldest first."""
        statement = self._documents(
            currency,
            start,
            end,
            bucket_key(Invoice.issued_at, grain, self.dialect),
            bucket_key(CreditNote.issued_at, grain, self.dialect),
        )
        return self._totals(statement.order_by("key"))

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
        dialect = self.dialect

        def part(kind: str, model: Any, amount: Any, at: Any, *conditions: Any) -> Select[Any]:
            return self.scoped(
                select(
                    literal(kind).label("kind"),
                    bucket_key(at, "month", dialect).label("month"),
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
        return {(k, m): (amount, int(n)) for k, m, amount, n in self.session.execute(statement)}

    # --- recurring revenue -----------------------------------------------------------------------
    def subscription_terms(self, currency: str) -> list[tuple[str, str, int]]:
        """The distinct (price, interval unit, interval count) of the started subscriptions' terms."""
        snapshot = Subscription.plan_snapshot
        statement = self.scoped(
            select(
                snapshot["price"].as_string(),
                snapshot["interval_unit"].as_string(),
                snapshot["interval_count"].as_integer(),
            )
            .where(snapshot["currency"].as_string() == currency, Subscription.started_at.is_not(None))
            .distinct(),
            Subscription,
            own_model=False,
        )
        return [(str(p), str(u), int(c)) for p, u, c in self.session.execute(statement) if p is not None]

    def addon_prices(self, currency: str) -> dict[int, int]:
        """Addon id -> its price per month in micros, for the addons priced in `currency`."""
        statement = self.scoped(
            select(Addon.id, Addon.price, Addon.interval_unit, Addon.interval_count).where(
                Addon.currency == currency
            ),
            Addon,
            own_model=False,
        )
        return {int(i): monthly_micros(p, str(u), int(c)) for i, p, u, c in self.session.execute(statement)}

    def subscriptions_cte(self, currency: str) -> CTE:
        """Started subscriptions of `currency`: customer, plan, when their paid life starts (after any
        trial) and ends (when canceled), and their MRR in micros from their terms."""
        snapshot = Subscription.plan_snapshot
        price = snapshot["price"].as_string()
        unit = snapshot["interval_unit"].as_string()
        count = snapshot["interval_count"].as_integer()
        whens = [
            (and_(price == p, unit == u, count == c), literal(monthly_micros(Decimal(p), u, c)))
            for p, u, c in self.subscription_terms(currency)
        ]
        mrr = case(*whens, else_=literal(0)) if whens else literal(0)
        paid_from = case(
            (
                and_(Subscription.trial_end.is_not(None), Subscription.trial_end > Subscription.started_at),
                Subscription.trial_end,
            ),
            else_=Subscription.started_at,
        )
        ended_at = case(
            (
                Subscription.status == SubscriptionStatus.CANCELED,
                func.coalesce(Subscription.canceled_at, Subscription.cancel_effective_at, paid_from),
            ),
            else_=None,
        )
        statement = self.scoped(
            select(
                Subscription.id.label("id"),
                Subscription.customer_account_id.label("customer"),
                Subscription.plan_id.label("plan_id"),
                paid_from.label("start"),
                ended_at.label("end"),
                mrr.label("mrr"),
            ).where(snapshot["currency"].as_string() == currency, Subscription.started_at.is_not(None)),
            Subscription,
            own_model=False,
        )
        return statement.cte("subs").prefix_with("MATERIALIZED", dialect="postgresql")

    @staticmethod
    def live_at(subs: CTE, at: Any) -> ColumnElement[bool]:
        """Paying at the instant `at`: started before it and not ended before it."""
        return and_(subs.c.start < at, or_(subs.c.end.is_(None), subs.c.end >= at))

    def customer_mrr_cte(self, currency: str, instants: list[datetime], subs: CTE) -> CTE:
        """(customer, idx, mrr micros) at each snapshot instant: plans plus addons."""
        snaps = instants_table(instants)
        plans = select(subs.c.customer, snaps.c.idx, subs.c.mrr.label("mrr")).select_from(
            subs.join(snaps, self.live_at(subs, snaps.c.at))
        )
        parts = [plans]
        prices = self.addon_prices(currency)
        if prices:
            addon_mrr = case(
                *[(SubscriptionAddon.addon_id == i, literal(m)) for i, m in prices.items()], else_=0
            )
            addons = (
                select(subs.c.customer, snaps.c.idx, (addon_mrr * SubscriptionAddon.quantity).label("mrr"))
                .select_from(
                    subs.join(SubscriptionAddon, SubscriptionAddon.subscription_id == subs.c.id).join(
                        snaps,
                        and_(
                            self.live_at(subs, snaps.c.at),
                            SubscriptionAddon.added_at < snaps.c.at,
                            or_(
                                SubscriptionAddon.removed_at.is_(None),
                                SubscriptionAddon.removed_at >= snaps.c.at,
                            ),
                        ),
                    )
                )
                .where(SubscriptionAddon.tenant_id == self.scope.tenant_id)
            )
            parts.append(addons)
        rows = union_all(*parts).subquery("mrr_rows")
        return (
            select(rows.c.customer, rows.c.idx, func.sum(rows.c.mrr).label("mrr"))
            .group_by(rows.c.customer, rows.c.idx)
            .cte("customer_mrr")
        )

    def movement_pairs(self, currency: str, instants: list[datetime]) -> tuple[CTE, Any]:
        """Per customer and snapshot idx >= 1: (cur, prev) MRR micros, and the conditions and
        amounts of each movement kind (docs/metrics.md)."""
        subs = self.subscriptions_cte(currency)
        customer_mrr = self.customer_mrr_cte(currency, instants, subs)
        current = select(
            customer_mrr.c.customer,
            customer_mrr.c.idx,
            customer_mrr.c.mrr.label("cur"),
            literal(0).label("prev"),
        )
        previous = select(
            customer_mrr.c.customer,
            (customer_mrr.c.idx + 1).label("idx"),
            literal(0).label("cur"),
            customer_mrr.c.mrr.label("prev"),
        )
        both = union_all(current, previous).subquery("both_snapshots")
        firsts = (
            select(subs.c.customer, func.min(subs.c.start).label("first_start"))
            .group_by(subs.c.customer)
            .subquery("firsts")
        )
        snaps = instants_table(instants)
        pairs = (
            select(
                both.c.customer,
                both.c.idx,
                func.sum(both.c.cur).label("cur"),
                func.sum(both.c.prev).label("prev"),
            )
            .where(both.c.idx >= 1, both.c.idx < len(instants))
            .group_by(both.c.customer, both.c.idx)
            .cte("pairs")
        )
        joined = (
            select(pairs.c.customer, pairs.c.idx, pairs.c.cur, pairs.c.prev, firsts.c.first_start, snaps.c.at)
            .join(firsts, firsts.c.customer == pairs.c.customer)
            .join(snaps, snaps.c.idx == pairs.c.idx - 1)
            .subquery("classified")
        )
        return pairs, joined

    @staticmethod
    def movements(joined: Any) -> dict[str, tuple[ColumnElement[bool], Any]]:
        """Movement kind -> (condition, amount in micros) on a classified row (prev `at` = opening)."""
        cur, prev = joined.c.cur, joined.c.prev
        starts = and_(prev == 0, cur > 0)
        return {
            "new": (and_(starts, joined.c.first_start >= joined.c.at), cur),
            "reactivation": (and_(starts, joined.c.first_start < joined.c.at), cur),
            "expansion": (and_(prev > 0, cur > prev), cur - prev),
            "contraction": (and_(cur > 0, prev > cur), prev - cur),
            "churn": (and_(prev > 0, cur == 0), prev),
        }

    def mrr_movement(self, currency: str, instants: list[datetime]) -> list[MonthMovement]:
        """Per snapshot idx >= 1: MRR, opening MRR, customers and the movement by kind."""
        _, joined = self.movement_pairs(currency, instants)
        kinds = self.movements(joined)

        def amount(kind: str) -> Any:
            condition, value = kinds[kind]
            return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

        statement = (
            select(
                joined.c.idx,
                func.coalesce(func.sum(joined.c.cur), 0),
                func.coalesce(func.sum(joined.c.prev), 0),
                count_where(joined.c.cur > 0),
                count_where(joined.c.prev > 0),
                *[amount(kind) for kind in MOVEMENT_KINDS],
                count_where(kinds["churn"][0]),
            )
            .group_by(joined.c.idx)
            .order_by(joined.c.idx)
        )
        found = {}
        for idx, mrr, opening, n, n_open, new, exp, con, churn, react, churned in self.session.execute(
            statement
        ):
            found[int(idx)] = MonthMovement(
                int(idx),
                micros_to_amount(mrr),
                micros_to_amount(opening),
                int(n),
                int(n_open),
                micros_to_amount(new),
                micros_to_amount(exp),
                micros_to_amount(con),
                micros_to_amount(churn),
                micros_to_amount(react),
                int(churned),
            )
        zero = Decimal(0)
        return [
            found.get(i, MonthMovement(i, zero, zero, 0, 0, zero, zero, zero, zero, zero, 0))
            for i in range(1, len(instants))
        ]

    def mrr_by_plan(self, currency: str, at: datetime) -> list[PlanMrr]:
        """Subscriptions paying at `at` and their plan MRR (addons not included), per plan."""
        subs = self.subscriptions_cte(currency)
        statement = self.scoped(
            select(Plan.id, Plan.name, func.count(), func.coalesce(func.sum(subs.c.mrr), 0))
            .join(subs, subs.c.plan_id == Plan.id)
            .where(self.live_at(subs, literal(at, subs.c.start.type)))
            .group_by(Plan.id, Plan.name)
            .order_by(Plan.name),
            Plan,
            own_model=False,
        )
        return [
            PlanMrr(int(i), str(name), int(n), micros_to_amount(m))
            for i, name, n, m in self.session.execute(statement)
        ]

    def currencies(self) -> list[str]:
        """Currencies the tenant invoiced or sells plans in, for the page's selector."""
        invoices = self.scoped(select(Invoice.currency).distinct())
        plans = self.scoped(select(Plan.currency).distinct(), Plan, own_model=False)
        return sorted({str(c) for (c,) in self.session.execute(invoices.union(plans))})
