"""Open positions (every charge waiting to be invoiced, keyed by its source reference), and the
subscriptions and attached addons a billing run reads."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm.attributes import set_committed_value

from backend.kit import bulk
from backend.kit.repository import TenantRepository
from backend.models import (
    Addon,
    CustomerProfile,
    OpenPosition,
    Subscription,
    SubscriptionAddon,
    SubscriptionStatus,
    TaxCategory,
)
from backend.models.statuses import RUNNING_SUBSCRIPTION_STATUSES


class ConflictingSourceRef(RuntimeError):
    """Two different charges under one source reference: a bug, never to be skipped silently."""


@dataclass(slots=True)
class UnbilledCharge:
    """An unbilled open position as the invoice run reads it: its columns as plain values, not an
    ORM object (an invoice run reads thousands; drafts and promotions read the same attributes)."""

    id: int
    tenant_id: int
    customer_account_id: int
    subscription_id: int | None
    source_ref: str
    description: str
    period_start: datetime | None
    period_end: datetime | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    currency: str
    tax_category: TaxCategory
    invoice_id: int | None
    created_at: datetime


UNBILLED_COLUMNS = tuple(field.name for field in fields(UnbilledCharge))  # every column, in order


class OpenPositionRepository(TenantRepository[OpenPosition]):
    model = OpenPosition

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

    def mark_billed(self, billed: list[tuple[Any, int]]) -> None:
        """Link charges (`OpenPosition`s or `UnbilledCharge` rows) to the invoice they were billed
        on (one statement); an `OpenPosition` of them the session holds reads the link."""
        self.check_owned(position for position, _ in billed)
        rows = [{"id": position.id, "invoice_id": invoice_id} for position, invoice_id in billed]
        bulk.update_rows(self.session, OpenPosition.__table__, "id", rows, tenant_id=self.scope.tenant_id)
        loaded = {
            key[1][0]: instance
            for key, instance in self.session.identity_map.items()
            if key[0] is OpenPosition
        }
        for position, invoice_id in billed:
            if isinstance(position, OpenPosition):
                set_committed_value(position, "invoice_id", invoice_id)
            else:
                position.invoice_id = invoice_id
                if position.id in loaded:
                    set_committed_value(loaded[position.id], "invoice_id", invoice_id)

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

    def lock_unbilled(self, customer_ids: list[int], now: datetime) -> list[UnbilledCharge]:
        """Unbilled charges of `customer_ids` as plain rows (no ORM object per row), locked; a
        concurrent run waits, then finds them billed."""
        if not customer_ids:
            return []
        table = OpenPosition.__table__
        statement = (
            self.scoped(select(*(table.c[name] for name in UNBILLED_COLUMNS)))
            .where(
                # The range lets the unbilled index narrow the scan; the list picks the customers.
                OpenPosition.customer_account_id.between(min(customer_ids), max(customer_ids)),
                bulk.among(self.session, OpenPosition.customer_account_id, customer_ids),
                OpenPosition.invoice_id.is_(None),
                OpenPosition.created_at <= now,
            )
            .order_by(OpenPosition.customer_account_id, OpenPosition.id)
            .with_for_update()
        )
        return [UnbilledCharge(*row) for row in self.session.execute(statement)]

    def for_subscription(self, subscription_id: int) -> list[OpenPosition]:
        statement = self.select().where(OpenPosition.subscription_id == subscription_id)
        return list(self.session.scalars(statement.order_by(OpenPosition.period_start, OpenPosition.id)))


# The billing pointers a run moves forward.
BILLING_STATE = (
    "status",
    "current_period_start",
    "current_period_end",
    "period_index",
    "next_billing_at",
    "anchor_at",
)  # plan_snapshot changes only with a price change: the ORM flush writes it then


@dataclass(slots=True)
class DueSubscription:
    """A due subscription as a billing unit reads it: the columns billing uses as plain values, no
    ORM object. `charging.bill_subscription` moves it on exactly as it moves a `Subscription`."""

    id: int
    tenant_id: int
    customer_account_id: int
    plan_id: int
    status: SubscriptionStatus
    current_period_start: datetime | None
    current_period_end: datetime | None
    next_billing_at: datetime | None
    trial_end: datetime | None
    anchor_at: datetime | None
    period_index: int
    cancel_effective_at: datetime | None
    plan_snapshot: dict[str, Any]
    # The snapshot and its parsed terms; `charging.terms_of` uses them while the snapshot is
    # unchanged (a refresh assigns a new snapshot).
    terms_cache: tuple[dict[str, Any], Any] | None = None


# What a billing unit reads of a due subscription, in the order of `DueSubscription`.
DUE_COLUMNS = tuple(field.name for field in fields(DueSubscription))[:-1]


class DueSubscriptionRepository(TenantRepository[Subscription]):
    """The subscriptions a billing run reads and moves forward: due ones, locked, saved in bulk."""

    model = Subscription

    def save_billing_state(self, subscriptions: list[Subscription]) -> None:
        """Write the billing pointers of many subscriptions in one statement (a billing unit moves
        hundreds at once; one UPDATE per row would dominate its time)."""
        self.check_owned(subscriptions)
        rows = [{"id": s.id, **{name: getattr(s, name) for name in BILLING_STATE}} for s in subscriptions]
        bulk.update_rows(self.session, Subscription.__table__, "id", rows, tenant_id=self.scope.tenant_id)
        for subscription, row in zip(subscriptions, rows, strict=True):
            for name in BILLING_STATE:
                set_committed_value(subscription, name, row[name])

    def lock_due_rows(self, now: datetime, first_id: int, last_id: int) -> list[tuple[Any, ...]]:
        """`lock_due` as plain rows of `DUE_COLUMNS` (no ORM object per row; the plan snapshot as
        JSON text): what a billing unit reads. Locked until commit: a concurrent unit waits, then
        finds them no longer due."""
        table = Subscription.__table__
        columns = [table.c[name] for name in DUE_COLUMNS[:-1]]
        statement = (
            # The snapshot as its JSON text: the caller parses each distinct one once.
            self.scoped(select(*columns, cast(table.c.plan_snapshot, Text)))
            .where(*self._due(now), Subscription.id.between(first_id, last_id))
            .order_by(Subscription.id)
            .with_for_update()
        )
        return [tuple(row) for row in self.session.execute(statement)]

    def save_due_state(self, moved: list[Any], repriced: list[Any]) -> None:
        """Write the billing pointers of `moved` and the refreshed terms of `repriced` (rows read by
        `lock_due_rows`), one statement each; a `Subscription` of them the session holds is expired
        so it reads the new values."""
        self.check_owned([*moved, *repriced])
        tenant = self.scope.tenant_id
        table = Subscription.__table__
        rows = [{"id": s.id, **{name: getattr(s, name) for name in BILLING_STATE}} for s in moved]
        bulk.update_rows(self.session, table, "id", rows, tenant_id=tenant)
        snapshots = [{"id": s.id, "plan_snapshot": s.plan_snapshot} for s in repriced]
        bulk.update_rows(self.session, table, "id", snapshots, tenant_id=tenant)
        changed = {s.id for s in moved} | {s.id for s in repriced}
        if changed and self.session.identity_map:
            for key in list(self.session.identity_map.keys()):
                if key[0] is Subscription and key[1][0] in changed:
                    self.session.expire(self.session.identity_map[key])

    def due_buckets(self, now: datetime, bucket_size: int) -> list[int]:
        """Id buckets (id // bucket_size) holding subscriptions with a charge due at `now`."""
        bucket = Subscription.id // bucket_size
        statement = self.scoped(select(bucket).where(*self._due(now)).group_by(bucket).order_by(bucket))
        return [int(value) for value in self.session.scalars(statement)]

    def lock_due(self, now: datetime, first_id: int, last_id: int) -> list[Subscription]:
        """Due subscriptions in an id range, locked until commit (a concurrent unit waits)."""
        statement = (
            self.select()
            .where(*self._due(now), Subscription.id.between(first_id, last_id))
            .order_by(Subscription.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(statement))

    def due_for_customers(self, customer_ids: list[int], now: datetime) -> list[Subscription]:
        if not customer_ids:
            return []
        statement = (
            self.select()
            .where(*self._due(now), Subscription.customer_account_id.in_(customer_ids))
            .order_by(Subscription.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(statement))

    @staticmethod
    def _due(now: datetime) -> tuple[Any, ...]:
        return (Subscription.status.in_(RUNNING_SUBSCRIPTION_STATUSES), Subscription.next_billing_at <= now)


class AttachedAddonRepository(TenantRepository[SubscriptionAddon]):
    model = SubscriptionAddon

    def with_addons_for(self, subscription_ids: list[int]) -> list[tuple[SubscriptionAddon, Addon]]:
        """Attached addons (removed ones too: a removal mid-period still bills its used part)."""
        if not subscription_ids:
            return []
        statement: Any = self.scoped(
            select(SubscriptionAddon, Addon)
            .join(Addon, Addon.id == SubscriptionAddon.addon_id)
            .where(bulk.among(self.session, SubscriptionAddon.subscription_id, subscription_ids))
            .order_by(SubscriptionAddon.id),
            Addon,
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]
