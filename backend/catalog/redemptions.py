"""Promotion redemptions: the promotion a subscription was ordered with, and what its limits count.

A redemption is written when an order uses a promotion code. It counts toward the promotion's
limits (in total and per customer) while it is in use: not given back, and either used by an
issued invoice or its subscription still running. Invoices take their discounts from the live
redemptions of the subscriptions they bill (backend/invoicing/promotions.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import Session

from backend.audit.service import Actor
from backend.catalog.promotion_codes import get_promotion
from backend.catalog.repository import PromotionRedemptionRepository
from backend.catalog.schemas import RedemptionView
from backend.kit.pagination import Page
from backend.kit.policy import Action, authorize
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


def promotion_redemptions(
    session: Session,
    scope: TenantScope,
    promotion_id: int,
    actor: Actor,
    *,
    limit: int = 50,
    starting_after: int | None = None,
) -> Page[RedemptionView]:
    """Who redeemed the promotion, newest first: customer, subscription, the first invoice that took
    the discount and the net discount its invoices took so far (voided invoices gave theirs back)."""
    authorize(actor, scope, Action.MANAGE_CATALOG)
    promotion = get_promotion(session, scope, promotion_id)
    redemptions = PromotionRedemptionRepository(session, scope)
    page = redemptions.page_for_promotion(promotion_id, limit=limit, starting_after=starting_after)
    customers = redemptions.customers_of({row.customer_account_id for row in page.items})
    numbers = redemptions.subscription_numbers(
        {row.subscription_id for row in page.items if row.subscription_id}
    )
    uses = redemptions.invoice_uses({row.id for row in page.items if row.id is not None})

    def view(row: PromotionRedemption) -> RedemptionView:
        assert row.id is not None
        number, name = customers.get(row.customer_account_id, ("", ""))
        used = uses.get(row.id, [])
        first = used[0] if used else None
        redeemed_at = row.redeemed_at if row.redeemed_at.tzinfo else row.redeemed_at.replace(tzinfo=UTC)
        return RedemptionView(
            id=row.id,
            customer_account_id=row.customer_account_id,
            customer=f"{name} ({number})" if number else name,
            subscription_id=row.subscription_id,
            subscription_number=numbers.get(row.subscription_id or 0, ""),
            invoice_id=first[0] if first else row.invoice_id,
            invoice_number=first[1] if first else "",
            redeemed_at=redeemed_at,
            discount=sum((Decimal(use[2]) for use in used), Decimal(0)),
            currency=first[3] if first else promotion.currency,
            given_back=row.reverted_at is not None,
        )

    return page.map(view)
