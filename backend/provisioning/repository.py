"""Provisioning's rows, scoped to one tenant: servers (subscription items), backorders, the log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from backend.kit.repository import CrossTenantWrite, TenantRepository
from backend.models import Backorder, ProvisioningLogEntry, Subscription, SubscriptionItem, SubscriptionStatus
from backend.models.enums import BackorderStatus, ItemStatus

# Items the provisioning unit still has to move (created, polled, powered, torn down).
_IN_FLIGHT = (ItemStatus.PENDING, ItemStatus.PROVISIONING)


class ItemRepository(TenantRepository[SubscriptionItem]):
    model = SubscriptionItem

    def lock(self, item_id: int) -> SubscriptionItem | None:
        statement = (
            self.select()
            .where(SubscriptionItem.id == item_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(statement).first()

    def of_subscription(self, subscription_id: int) -> list[SubscriptionItem]:
        statement = self.select().where(SubscriptionItem.subscription_id == subscription_id)
        return list(self.session.scalars(statement.order_by(SubscriptionItem.id)))

    def live_of_subscription(self, subscription_id: int) -> list[SubscriptionItem]:
        return [i for i in self.of_subscription(subscription_id) if i.status != ItemStatus.DEPROVISIONED]

    def of_customer(self, customer_account_id: int) -> list[tuple[SubscriptionItem, Subscription]]:
        """The customer's items with their subscriptions, newest first."""
        statement = self.scoped(
            select(SubscriptionItem, Subscription)
            .join(Subscription, Subscription.id == SubscriptionItem.subscription_id)
            .where(Subscription.customer_account_id == customer_account_id)
            .order_by(SubscriptionItem.id.desc()),  # type: ignore[union-attr]
            Subscription,
        )
        return [(item, subscription) for item, subscription in self.session.execute(statement)]

    def live_count_of_service_type(self, service_type_id: int) -> int:
        statement = self.scoped(select(func.count()).select_from(SubscriptionItem)).where(
            SubscriptionItem.service_type_id == service_type_id,
            SubscriptionItem.status != ItemStatus.DEPROVISIONED,
        )
        return int(self.session.scalar(statement) or 0)

    def active_of_service_type(self, service_type_id: int) -> list[SubscriptionItem]:
        """The running servers of a service type (ACTIVE, with a provider reference): what the
        status poller writes one list of provider states onto."""
        statement = (
            self.select()
            .where(
                SubscriptionItem.service_type_id == service_type_id,
                SubscriptionItem.status == ItemStatus.ACTIVE,
                SubscriptionItem.provider_ref != "",
            )
            .order_by(SubscriptionItem.id)
        )
        return list(self.session.scalars(statement))

    def hostname_taken(self, hostname: str) -> bool:
        statement = self.scoped(select(SubscriptionItem.id)).where(
            SubscriptionItem.hostname == hostname, SubscriptionItem.status != ItemStatus.DEPROVISIONED
        )
        return self.session.scalars(statement).first() is not None

    def with_work(self, now: datetime) -> list[int]:
        """Items the unit must look at now: in flight and due, a power action or a suspension change
        waiting, or live while their subscription ended."""
        due = or_(SubscriptionItem.next_attempt_at.is_(None), SubscriptionItem.next_attempt_at <= now)  # type: ignore[union-attr]
        statement = self.scoped(
            select(SubscriptionItem.id)
            .join(Subscription, Subscription.id == SubscriptionItem.subscription_id)
            .where(
                SubscriptionItem.service_type_id.is_not(None),  # type: ignore[union-attr]
                or_(
                    (SubscriptionItem.status.in_(_IN_FLIGHT)) & due,  # type: ignore[attr-defined]
                    (SubscriptionItem.status == ItemStatus.ACTIVE)
                    & (
                        (SubscriptionItem.pending_action != "")
                        | SubscriptionItem.power_state.in_(("starting", "stopping", "rebooting"))  # type: ignore[attr-defined]
                    )
                    & due,
                    (SubscriptionItem.status != ItemStatus.DEPROVISIONED)
                    & (Subscription.status == SubscriptionStatus.CANCELED)
                    & due,
                ),
            )
            .order_by(SubscriptionItem.id),
            Subscription,
        )
        return list(self.session.scalars(statement))


class BackorderRepository(TenantRepository[Backorder]):
    model = Backorder

    def of_item(self, item_id: int) -> Backorder | None:
        return self.session.scalars(self.select().where(Backorder.item_id == item_id)).first()

    def lock(self, backorder_id: int) -> Backorder | None:
        statement = (
            self.select()
            .where(Backorder.id == backorder_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(statement).first()

    def due(self, now: datetime) -> list[int]:
        """Item ids of open backorders whose next try is due."""
        statement = self.scoped(select(Backorder.item_id)).where(
            Backorder.status == BackorderStatus.OPEN,
            or_(Backorder.next_attempt_at.is_(None), Backorder.next_attempt_at <= now),  # type: ignore[union-attr]
        )
        return list(self.session.scalars(statement))

    def listed(self, *, include_closed: bool) -> list[Backorder]:
        statement = self.select()
        if not include_closed:
            statement = statement.where(Backorder.status == BackorderStatus.OPEN)
        return list(self.session.scalars(statement.order_by(Backorder.id.desc())))  # type: ignore[union-attr]


class LogRepository(TenantRepository[ProvisioningLogEntry]):
    model = ProvisioningLogEntry

    def write(self, item_id: int, event: str, message: str, at: datetime, actor: str = "system") -> None:
        """One entry of the tenant's item `item_id` (an item of another tenant is refused)."""
        own = self.scoped(select(SubscriptionItem.id), SubscriptionItem, own_model=False)
        if self.session.scalars(own.where(SubscriptionItem.id == item_id)).first() is None:
            raise CrossTenantWrite("the provisioning log entry names an item of another tenant")
        self.add(
            ProvisioningLogEntry(item_id=item_id, event=event, message=message[:4000], at=at, actor=actor)
        )

    def of_item(self, item_id: int) -> list[ProvisioningLogEntry]:
        statement = self.select().where(ProvisioningLogEntry.item_id == item_id)
        return list(self.session.scalars(statement.order_by(ProvisioningLogEntry.id)))
