"""Every query of the mail domain, tenant-scoped through kit's base repository."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from backend.kit.pagination import Page
from backend.kit.repository import TenantRepository
from backend.models import CustomerAccount, CustomerProfile, MailDelivery, MailStatus


class MailDeliveryRepository(TenantRepository[MailDelivery]):
    model = MailDelivery

    def by_dedupe_key(self, dedupe_key: str) -> MailDelivery | None:
        return self.session.scalars(self.select().where(MailDelivery.dedupe_key == dedupe_key)).first()

    def by_message_id(self, message_id: str) -> MailDelivery | None:
        return self.session.scalars(self.select().where(MailDelivery.message_id == message_id)).first()

    def existing_dedupe_keys(self, dedupe_keys: list[str]) -> set[str]:
        """Which of `dedupe_keys` have a delivery in this tenant."""
        if not dedupe_keys:
            return set()
        statement = self.scoped(select(MailDelivery.dedupe_key)).where(
            MailDelivery.dedupe_key.in_(dedupe_keys)  # type: ignore[union-attr]
        )
        return {str(key) for key in self.session.scalars(statement)}

    def of_customer(
        self, customer_account_id: int, *, limit: int, starting_after: int | None = None
    ) -> Page[MailDelivery]:
        """A customer's deliveries, newest first."""
        statement = self.select().where(MailDelivery.customer_account_id == customer_account_id)
        return self._page(statement, limit=limit, starting_after=starting_after, newest_first=True)

    def due_ids(self, now: datetime, *, limit: int) -> list[int]:
        """Queued deliveries whose (next) attempt is due, oldest first."""
        statement = (
            self.scoped(select(MailDelivery.id))
            .where(MailDelivery.status == MailStatus.QUEUED)
            .where(or_(MailDelivery.next_attempt_at.is_(None), MailDelivery.next_attempt_at <= now))  # type: ignore[union-attr]
            .order_by(MailDelivery.id)
            .limit(limit)
        )
        return [int(i) for i in self.session.scalars(statement)]

    def claim(self, delivery_id: int, now: datetime) -> MailDelivery | None:
        """Mark one due queued delivery `sending` and return it; None when it is not (or no longer)
        due. The UPDATE holds the row until the claiming transaction ends: a second job claiming
        the same delivery waits, then finds it sent (or re-queued for later) and skips it."""
        statement = self.scoped(
            update(MailDelivery)
            .where(MailDelivery.id == delivery_id)  # type: ignore[arg-type]
            .where(MailDelivery.status == MailStatus.QUEUED)  # type: ignore[arg-type]
            .where(or_(MailDelivery.next_attempt_at.is_(None), MailDelivery.next_attempt_at <= now))  # type: ignore[union-attr]
            .values(status=MailStatus.SENDING)
            .execution_options(synchronize_session=False)
        )
        if self.session.execute(statement).rowcount != 1:  # type: ignore[attr-defined]
            return None
        delivery = self.get(delivery_id)
        if delivery is not None:
            self.session.refresh(delivery)
        return delivery

    def has_customer(self, customer_account_id: int) -> bool:
        """Whether the customer account exists in this tenant (a delivery may only point at one)."""
        statement = self.scoped(select(CustomerAccount.id), CustomerAccount, own_model=False).where(
            CustomerAccount.id == customer_account_id
        )
        return self.session.scalars(statement).first() is not None

    def customer_country(self, customer_account_id: int) -> str | None:
        """The country of the customer's billing profile (it picks the mail's language)."""
        statement = self.scoped(select(CustomerProfile.country), CustomerProfile, own_model=False).where(
            CustomerProfile.customer_account_id == customer_account_id
        )
        return self.session.scalars(statement).first()
