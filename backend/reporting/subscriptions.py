"""A customer's subscriptions for their own pages: a page of the list, and one subscription in full.

Read-only, like the dashboard: each read is limited to the customer account it is given, so a
number of another customer (or tenant) is "not found", never someone else's subscription.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.catalog.pricing import price_display
from backend.kit.errors import NotFoundError
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.periods import add_days
from backend.reporting.dashboard import subscription_summary, subscription_terms
from backend.reporting.repository import CustomerHoldings
from backend.reporting.schemas import AddonLine, SubscriptionDetail, SubscriptionList

PAGE_SIZE = 20


def customer_subscriptions(
    session: Session,
    scope: TenantScope,
    customer_account_id: int,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> SubscriptionList:
    """Page `page` (1-based, clamped to the pages there are) of the customer's subscriptions."""
    holdings = CustomerHoldings(session, scope)
    total = holdings.subscription_count(customer_account_id)
    page_count = max(1, -(-total // per_page))
    page = min(max(page, 1), page_count)
    rows = holdings.subscriptions_with_plans(
        customer_account_id, limit=per_page, offset=(page - 1) * per_page
    )
    zone = _zone(session, scope)
    servers = _servers(holdings, [s.id for s, _ in rows if s.id])
    return SubscriptionList(
        subscriptions=[subscription_summary(s, plan, servers, zone) for s, plan in rows],
        page=page,
        page_count=page_count,
        total=total,
    )


def subscription_detail(
    session: Session, scope: TenantScope, customer_account_id: int, number: str
) -> SubscriptionDetail:
    """The customer's subscription `number`; `NotFoundError` when the customer has none by that number.

    The minimum term ends `minimum_commitment_days` calendar days after the start (SPEC §4).
    """
    holdings = CustomerHoldings(session, scope)
    found = holdings.subscription_with_plan(customer_account_id, number)
    if found is None:
        raise NotFoundError("Subscription not found.")
    subscription, plan = found
    assert subscription.id is not None
    zone = _zone(session, scope)
    terms = subscription_terms(subscription, plan)
    summary = subscription_summary(subscription, plan, _servers(holdings, [subscription.id]), zone)
    commitment_end = ""
    if subscription.started_at and terms.minimum_commitment_days > 0:
        commitment_end = moment(
            add_days(subscription.started_at, terms.minimum_commitment_days, zone.key), zone
        )
    return SubscriptionDetail(
        id=subscription.id,
        number=subscription.number,
        plan_id=plan.id or 0,
        plan_name=terms.name,
        currency=terms.currency,
        status=subscription.status.value,
        price=summary.price,
        options=[f"{key.replace('_', ' ')}: {value}" for key, value in sorted(subscription.options.items())],
        addons=[
            AddonLine(
                addon_id=addon.id or 0,
                name=addon.name,
                quantity=attached.quantity,
                price=price_display(
                    addon.price, addon.currency, addon.interval_unit.value, addon.interval_count
                ),
            )
            for attached, addon in holdings.addons_of(subscription.id)
        ],
        started=_moment_or_empty(subscription.started_at, zone),
        current_period=summary.current_period,
        trial_end=_moment_or_empty(subscription.trial_end, zone),
        commitment_end=commitment_end,
        cancel_effective=moment(subscription.cancel_effective_at, zone)
        if subscription.cancel_effective_at
        else "",
        time_zone=zone.key,
        servers=summary.servers,
    )


def moment(at: datetime, zone: ZoneInfo) -> str:
    """`2026-12-01 00:00`: a moment on the tenant's wall clock (the page names the zone once)."""
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _moment_or_empty(at: datetime | None, zone: ZoneInfo) -> str:
    return moment(at, zone) if at else ""


def _zone(session: Session, scope: TenantScope) -> ZoneInfo:
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    return ZoneInfo(tenant.time_zone if tenant else "UTC")


def _servers(holdings: CustomerHoldings, subscription_ids: list[int]) -> dict[int, list[str]]:
    servers: dict[int, list[str]] = {}
    for item in holdings.servers(subscription_ids):
        servers.setdefault(item.subscription_id, []).append(f"{item.hostname} ({item.status.value})")
    return servers
