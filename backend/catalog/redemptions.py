"""Promotion redemptions: the promotion a subscription was ordered with, and what its limits count.

A redemption is written when an order uses a promotion code. It counts toward the promotion's
limits (in total and per customer) while it is in use: not given back, and either used by an
issued invoice or its subscription still running. Invoices take their discounts from the live
redemptions of the subscriptions they bill (backend/invoicing/promotions.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.catalog.repository import PromotionRedemptionRepository
from backend.kit.repository import TenantScope
from backend.models import Promotion, PromotionRedemption, Subscription


def redemption_counts(
    session: Session, scope: TenantScope, promotion_id: int, customer_account_id: int
) -> tuple[int, int]:
    """(redemptions in total, redemptions by this customer) of the promotion that count toward its
    limits: not given back, and used by an issued invoice or of a subscription still running."""
    return PromotionRedemptionRepository(session, scope).counts(promotion_id, customer_account_id)


def redeem(
    session: Session, scope: TenantScope, promotion: Promotion, subscription: Subscription, now: datetime
) -> PromotionRedemption:
    """Record that `subscription` was ordered with `promotion`: its invoices will use it. A
    promotion or subscription of another tenant is refused (`CrossTenantWrite`) before anything
    is written."""
    redemptions = PromotionRedemptionRepository(session, scope)
    redemptions.check_owned([promotion, subscription])
    assert promotion.id is not None and subscription.id is not None
    return redemptions.add(
        PromotionRedemption(
            promotion_id=promotion.id,
            customer_account_id=subscription.customer_account_id,
            subscription_id=subscription.id,
            redeemed_at=now,
        )
    )


def live_redemptions(
    session: Session, scope: TenantScope, subscription_ids: set[int]
) -> list[tuple[PromotionRedemption, Promotion]]:
    """The redemptions of the subscriptions not given back, with their promotions: what the
    invoice being built may take discounts from."""
    return PromotionRedemptionRepository(session, scope).active_for_subscriptions(subscription_ids)
