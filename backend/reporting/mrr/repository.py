"""MRR in SQL: each subscription's monthly value from its own terms (`plan_snapshot`), the changes of
each customer's MRR between month-end snapshots, and MRR by plan (docs/metrics.md).

A subscription pays from its start (after any trial) until it is canceled; an addon while it is
attached to a paying subscription. Both are turned into events (+MRR when paying starts, -MRR when
it ends); a customer's MRR at a snapshot is the sum of their events before it. Events are grouped
per customer and snapshot bucket and summed with a window, so the work grows with the number of
subscriptions, not with subscriptions x months.

The terms are matched by their stored JSON text (no JSON is parsed in SQL): the distinct snapshots
are read once and valued in Python with `monthly_micros`, exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.sql import Select, Subquery

from backend.kit.repository import TenantRepository
from backend.models import Addon, Plan, Subscription, SubscriptionAddon, SubscriptionStatus
from backend.models.types import UtcDateTime
from backend.reporting.revenue_sql import count_where, micros_to_amount, monthly_micros

MOVEMENT_KINDS = ("new", "expansion", "contraction", "churn", "reactivation")


@dataclass(frozen=True, slots=True)
class MonthMovement:
    """Between snapshot idx-1 and idx, exact amounts."""

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


def _pick(condition: ColumnElement[bool], then: Any, otherwise: Any) -> Any:
    return case((condition, then), else_=otherwise)


class MrrFigures(TenantRepository[Subscription]):
    model = Subscription

    def _terms_table(self, currency: str) -> Subquery:
        """(snapshot JSON text, MRR micros) of every distinct started subscription's terms in `currency`."""
        text = cast(Subscription.plan_snapshot, Text)
        statement = (
            self.select().with_only_columns(text).where(Subscription.started_at.is_not(None)).distinct()
        )
        rows = []
        for (snapshot,) in self.session.execute(statement):
            terms = json.loads(snapshot)
            if terms.get("currency") != currency or "price" not in terms:
                continue
            micros = monthly_micros(
                Decimal(str(terms["price"])), terms["interval_unit"], int(terms["interval_count"])
            )
            rows.append(select(literal(snapshot, Text()).label("snapshot"), literal(micros).label("mrr")))
        if not rows:
            return (
                select(literal("", Text()).label("snapshot"), literal(0).label("mrr"))
                .where(false())
                .subquery()
            )
        return (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("terms")

    def subscriptions_cte(self, currency: str) -> CTE:
        """Started subscriptions of `currency` that paid at some instant: customer, plan, when their
        paid life starts (after any trial) and ends (when canceled), and their MRR in micros."""
        terms = self._terms_table(currency)
        paid_from = _pick(
            and_(Subscription.trial_end.is_not(None), Subscription.trial_end > Subscription.started_at),
            Subscription.trial_end,
            Subscription.started_at,
        )
        ended_at = case(
            (
                Subscription.status == SubscriptionStatus.CANCELED,
                func.coalesce(Subscription.canceled_at, Subscription.cancel_effective_at, paid_from),
            ),
            else_=None,
        )
        statement = self.select().with_only_columns(
            Subscription.id.label("id"),
            Subscription.customer_account_id.label("customer"),
            Subscription.plan_id.label("plan_id"),
            paid_from.label("start"),
            ended_at.label("end"),
            terms.c.mrr.label("mrr"),
        )
        statement = statement.join(terms, terms.c.snapshot == cast(Subscription.plan_snapshot, Text)).where(
            Subscription.started_at.is_not(None)
        )
        return statement.cte("subs").prefix_with("MATERIALIZED", dialect="postgresql")

    @staticmethod
    def live_at(subs: CTE, at: Any) -> ColumnElement[bool]:
        """Paying at the instant `at`: started before it and not ended before it."""
        return and_(subs.c.start < at, or_(subs.c.end.is_(None), subs.c.end >= at))

    def _addon_prices(self, currency: str) -> dict[int, int]:
        """Addon id -> its price per month in micros, for the addons priced in `currency`."""
        statement = self.scoped(
            select(Addon.id, Addon.price, Addon.interval_unit, Addon.interval_count).where(
                Addon.currency == currency
            ),
            Addon,
            own_model=False,
        )
        return {int(i): monthly_micros(p, str(u), int(c)) for i, p, u, c in self.session.execute(statement)}

    def _events(self, currency: str, subs: CTE) -> Subquery:
        """(customer, at, delta micros): paying starts (+) and ends (-) of subscriptions and addons.
        A life that ends before it starts (canceled during the trial) never pays: no events."""
        pays = or_(subs.c.end.is_(None), subs.c.start < subs.c.end)
        parts: list[Select[Any]] = [
            select(subs.c.customer, subs.c.start.label("at"), subs.c.mrr.label("delta")).where(pays),
            select(subs.c.customer, subs.c.end, -subs.c.mrr).where(subs.c.end.is_not(None), pays),
        ]
        prices = self._addon_prices(currency)
        if prices:
            addon = SubscriptionAddon
            value = (
                case(*[(addon.addon_id == i, literal(m)) for i, m in prices.items()], else_=0)
                * addon.quantity
            )
            low = _pick(addon.added_at > subs.c.start, addon.added_at, subs.c.start)
            high = case(
                (subs.c.end.is_(None), addon.removed_at),
                (addon.removed_at.is_(None), subs.c.end),
                (subs.c.end < addon.removed_at, subs.c.end),
                else_=addon.removed_at,
            )
            attached = (
                select(subs.c.customer, low.label("low"), high.label("high"), value.label("value"))
                .join(addon, addon.subscription_id == subs.c.id)
                .where(addon.tenant_id == self.scope.tenant_id, addon.addon_id.in_(prices))
                .subquery("attached")
            )
            paying = or_(attached.c.high.is_(None), attached.c.low < attached.c.high)
            parts.append(select(attached.c.customer, attached.c.low, attached.c.value).where(paying))
            parts.append(
                select(attached.c.customer, attached.c.high, -attached.c.value).where(
                    attached.c.high.is_not(None), paying
                )
            )
        return union_all(*parts).subquery("events")

    def _room_to_sort(self) -> None:
        """PostgreSQL's default work_mem (4 MB) spills the per-customer window to disk at 100,000
        subscriptions; this transaction may use more (the setting ends with it)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SET LOCAL work_mem = '64MB'"))

    def classified(self, currency: str, instants: list[datetime]) -> Subquery:
        """Per customer and snapshot bucket with a change: the bucket (`idx`: events before snapshot
        idx and not before idx-1), the MRR after it (`cur`), before it (`prev`), the change
        (`delta`) and the customer's first bucket (`first`)."""
        self._room_to_sort()
        subs = self.subscriptions_cte(currency)
        events = self._events(currency, subs)
        bucket = case(
            *[(events.c.at < literal(at, UtcDateTime()), literal(i)) for i, at in enumerate(instants)],
            else_=literal(len(instants)),
        ).label("idx")
        per_bucket = (
            select(events.c.customer, bucket, func.sum(events.c.delta).label("delta"))
            .group_by(events.c.customer, bucket)
            .subquery("per_bucket")
        )
        window = {"partition_by": per_bucket.c.customer, "order_by": per_bucket.c.idx}
        cumulative = func.sum(per_bucket.c.delta).over(**window, rows=(None, 0))
        return select(
            per_bucket.c.customer,
            per_bucket.c.idx,
            per_bucket.c.delta,
            cumulative.label("cur"),
            (cumulative - per_bucket.c.delta).label("prev"),
            func.min(per_bucket.c.idx).over(partition_by=per_bucket.c.customer).label("first"),
        ).subquery("classified")

    @staticmethod
    def movements(rows: Subquery) -> dict[str, tuple[ColumnElement[bool], Any]]:
        """Movement kind -> (condition, amount in micros) on a classified row."""
        cur, prev = rows.c.cur, rows.c.prev
        starts = and_(prev == 0, cur > 0)
        return {
            "new": (and_(starts, rows.c.first == rows.c.idx), cur),
            "reactivation": (and_(starts, rows.c.first < rows.c.idx), cur),
            "expansion": (and_(prev > 0, cur > prev), cur - prev),
            "contraction": (and_(cur > 0, prev > cur), prev - cur),
            "churn": (and_(prev > 0, cur == 0), prev),
        }

    def mrr_movement(self, currency: str, instants: list[datetime]) -> list[MonthMovement]:
        """Per snapshot idx >= 1: MRR, opening MRR, paying customers and the movement by kind."""
        rows = self.classified(currency, instants)
        kinds = self.movements(rows)

        def amount(kind: str) -> Any:
            condition, value = kinds[kind]
            return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

        statement = (
            select(
                rows.c.idx,
                func.coalesce(func.sum(rows.c.delta), 0),
                count_where(and_(rows.c.prev == 0, rows.c.cur > 0)),
                count_where(kinds["churn"][0]),
                *[amount(kind) for kind in MOVEMENT_KINDS],
            )
            .where(rows.c.idx < len(instants))
            .group_by(rows.c.idx)
        )
        found = {int(r[0]): r[1:] for r in self.session.execute(statement)}
        movements, mrr, customers = [], 0, 0
        for idx in range(len(instants)):
            delta, starts, stops, new, expansion, contraction, churn, reactivation = found.get(idx, (0,) * 8)
            opening_mrr, opening_customers = mrr, customers
            mrr, customers = mrr + int(delta), customers + int(starts) - int(stops)
            if idx:
                movements.append(
                    MonthMovement(
                        idx,
                        micros_to_amount(mrr),
                        micros_to_amount(opening_mrr),
                        customers,
                        opening_customers,
                        micros_to_amount(new),
                        micros_to_amount(expansion),
                        micros_to_amount(contraction),
                        micros_to_amount(churn),
                        micros_to_amount(reactivation),
                        int(stops),
                    )
                )
        return movements

    def mrr_by_plan(self, currency: str, at: datetime) -> list[PlanMrr]:
        """Subscriptions paying at `at` and their plan MRR (addons not included), per plan."""
        subs = self.subscriptions_cte(currency)
        statement = self.scoped(
            select(Plan.id, Plan.name, func.count(), func.coalesce(func.sum(subs.c.mrr), 0))
            .join(subs, subs.c.plan_id == Plan.id)
            .where(self.live_at(subs, literal(at, UtcDateTime())))
            .group_by(Plan.id, Plan.name)
            .order_by(Plan.name),
            Plan,
            own_model=False,
        )
        return [
            PlanMrr(int(i), str(name), int(n), micros_to_amount(m))
            for i, name, n, m in self.session.execute(statement)
        ]
