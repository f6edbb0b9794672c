"""Open positions (every charge waiting to be invoiced, keyed by its source reference), and the
subscriptions and attached addons a billing run reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from backend.kit import bulk
from backend.kit.repository import TenantRepository
from backend.models import Addon, CustomerProfile, OpenPosition, Subscription, SubscriptionAddon
from backend.models.statuses import RUNNING_SUBSCRIPTION_STATUSES


class ConflictingSourceRef(RuntimeError):
    """Two different charges under one source reference: a bug, never to be skipped silently."""


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
            .where(SubscriptionAddon.subscription_id.in_(subscription_ids))
            .order_by(SubscriptionAddon.id),
            Addon,
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]
