"""Provisioning's rows, scoped to one tenant.

MERGE NOTE (providers helper): the core helper's branch has this file with a fuller `ItemRepository`;
when both meet, keep theirs and add `active_of_service_type` to it (the status sync's one query).
"""

from __future__ import annotations

from backend.kit.repository import TenantRepository
from backend.models import ItemStatus, SubscriptionItem


class ItemRepository(TenantRepository[SubscriptionItem]):
    model = SubscriptionItem

    def active_of_service_type(self, service_type_id: int) -> list[SubscriptionItem]:
        """The tenant's ACTIVE items of the service type that have a server at the provider."""
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
