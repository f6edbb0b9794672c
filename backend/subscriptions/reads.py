"""Reading subscriptions: a customer's own (admins: the tenant's), as views for pages and the API.

Each read asks the policy first: a customer reads the subscriptions of their own customer account
only (another's is refused, as any action on it), an admin any of the tenant's. Lists are paged by
id, oldest first (docs/api.md). A subscription is addressed by its number (`SUB-000123`); an id or
number of another tenant is not found.
"""

from __future__ import annotations

from sqlmodel import Session

from backend.audit.service import Actor
from backend.billing.charging import Charger, terms_of
from backend.catalog.pricing import describe_interval, period_charge
from backend.kit.errors import NotFoundError
from backend.kit.pagination import Page
from backend.kit.policy import Action, Role, authorize
from backend.kit.repository import TenantScope
from backend.models import Subscription
from backend.subscriptions.repository import SubscriptionRepository
from backend.subscriptions.schemas import AttachedAddonView, SubscriptionView


def list_subscriptions(
    session: Session, scope: TenantScope, actor: Actor, *, limit: int = 50, starting_after: int | None = None
) -> Page[SubscriptionView]:
    """The caller's customer account's subscriptions (an admin's: all of the tenant), oldest first."""
    authorize(actor, scope, Action.READ_SUBSCRIPTIONS, owner_account_id=actor.customer_account_id)
    repository = SubscriptionRepository(session, scope)
    if actor.role == Role.ADMIN:
        found = repository.page(limit=limit, starting_after=starting_after)
    elif actor.customer_account_id is None:
        return Page([], False)
    else:
        found = repository.page_for_customer(
            actor.customer_account_id, limit=limit, starting_after=starting_after
        )
    return Page(subscription_views(session, scope, found.items), found.has_more)


def subscription_by_number(
    session: Session, scope: TenantScope, number: str, actor: Actor
) -> SubscriptionView:
    """One subscription by its number, if the caller may read it."""
    authorize(actor, scope, Action.READ_SUBSCRIPTIONS, owner_account_id=actor.customer_account_id)
    return subscription_views(session, scope, [_readable(session, scope, number, actor)])[0]


def subscription_id_for_number(session: Session, scope: TenantScope, number: str, actor: Actor) -> int:
    """The id of the subscription numbered `number`, if the caller may read it (actions on it
    then ask the policy for themselves)."""
    authorize(actor, scope, Action.READ_SUBSCRIPTIONS, owner_account_id=actor.customer_account_id)
    subscription = _readable(session, scope, number, actor)
    assert subscription.id is not None
    return subscription.id


def subscription_views(
    session: Session, scope: TenantScope, subscriptions: list[Subscription]
) -> list[SubscriptionView]:
    """Views of the tenant's `subscriptions` with their addons (one query for all of them)."""
    SubscriptionRepository(session, scope).check_owned(subscriptions)
    ids = [s.id for s in subscriptions if s.id is not None]
    addons: dict[int, list[AttachedAddonView]] = {}
    for attached, addon in Charger(session, scope).attached_addons(ids) if ids else []:
        if attached.removed_at is None:
            addons.setdefault(attached.subscription_id, []).append(
                AttachedAddonView(addon_id=addon.id or 0, name=addon.name, quantity=attached.quantity)
            )
    return [_view(subscription, addons.get(subscription.id or 0, [])) for subscription in subscriptions]


def _readable(session: Session, scope: TenantScope, number: str, actor: Actor) -> Subscription:
    """The subscription numbered `number` once the policy lets the actor read it (asked before
    the lookup whether they may read their own at all, then with the real owner)."""
    subscription = SubscriptionRepository(session, scope).by_number(number.strip().upper())
    if subscription is None:
        raise NotFoundError("Subscription not found.")
    authorize(actor, scope, Action.READ_SUBSCRIPTIONS, owner_account_id=subscription.customer_account_id)
    return subscription


def _view(subscription: Subscription, addons: list[AttachedAddonView]) -> SubscriptionView:
    assert subscription.id is not None
    terms = terms_of(subscription)
    return SubscriptionView(
        id=subscription.id,
        number=subscription.number,
        customer_account_id=subscription.customer_account_id,
        status=str(subscription.status),
        plan_id=subscription.plan_id,
        plan_name=terms.name,
        currency=terms.currency,
        price=period_charge(terms.price, terms.currency).amount,
        interval=describe_interval(terms.interval_unit.value, terms.interval_count),
        options=dict(subscription.options or {}),
        addons=addons,
        started_at=subscription.started_at,
        current_period_start=subscription.current_period_start,
        current_period_end=subscription.current_period_end,
        next_billing_at=subscription.next_billing_at,
        trial_end=subscription.trial_end,
        cancel_requested_at=subscription.cancel_requested_at,
        cancel_effective_at=subscription.cancel_effective_at,
        canceled_at=subscription.canceled_at,
    )
