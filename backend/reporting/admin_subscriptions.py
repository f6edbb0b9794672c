"""Every subscription of the tenant for its admins: the filtered list, and one subscription's file
with its history (the audit entries about it) and its charges and credits.

Admins only (`BROWSE_SUBSCRIPTIONS`); a number of another tenant is not found. The file reuses
the customer page's detail (`reporting.subscriptions.subscription_detail`), read for the
subscription's own customer.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.audit import service as audit
from backend.kit.errors import NotFoundError
from backend.kit.pagination import Page
from backend.kit.policy import Action, Actor, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import SubscriptionStatus
from backend.models.statuses import SUBSCRIPTION_STATUS_GROUPS
from backend.money import Money
from backend.reporting.admin_schemas import (
    AdminSubscriptionFile,
    AdminSubscriptionPage,
    AdminSubscriptionRow,
    ChargeEntry,
    HistoryEntry,
)
from backend.reporting.dashboard import subscription_summary
from backend.reporting.repository import SubscriptionDirectory, SubscriptionFilter
from backend.reporting.subscriptions import moment, subscription_detail
from backend.subscriptions.reads import subscription_views
from backend.subscriptions.schemas import SubscriptionView

PAGE_SIZE = 20
HISTORY_SHOWN = 50
STATUSES = (*(status.value for status in SubscriptionStatus), *SUBSCRIPTION_STATUS_GROUPS)
# What the audit log's subscription actions mean, in the admin's words.
HISTORY_ACTIONS = {
    "subscription.order": "Ordered",
    "subscription.cancel": "Cancellation scheduled",
    "subscription.resume": "Resumed",
    "subscription.change_plan": "Plan changed",
    "subscription.cancel_immediately": "Canceled immediately",
    "subscription.withdraw": "Withdrawn",
    "subscription.past_due": "Marked past due",
    "subscription.reinstate": "Reinstated",
    "subscription.service_started": "Server running: billing started",
    "subscription.add_addon": "Addon added",
    "subscription.remove_addon": "Addon removed",
}


def checked_filter(status: str = "", plan_id: int | None = None, customer: str = "") -> SubscriptionFilter:
    """The filter with an unknown status dropped and the customer search trimmed."""
    return SubscriptionFilter(
        status=status if status in STATUSES else "", plan_id=plan_id, customer=customer.strip()[:100]
    )


def subscription_list(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    wanted: SubscriptionFilter,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> AdminSubscriptionPage:
    """Page `page` (1-based, clamped) of the matching subscriptions, newest first."""
    authorize(actor, scope, Action.BROWSE_SUBSCRIPTIONS)
    directory = SubscriptionDirectory(session, scope)
    total = directory.count_matching(wanted)
    page_count = max(1, -(-total // per_page))
    page = min(max(page, 1), page_count)
    zone = _zone(session, scope)
    rows = []
    for subscription, plan, customer in directory.rows(wanted, limit=per_page, offset=(page - 1) * per_page):
        summary = subscription_summary(subscription, plan, {}, zone)
        rows.append(
            AdminSubscriptionRow(
                number=subscription.number,
                customer_id=customer.id or 0,
                customer_number=customer.number,
                customer_name=customer.name,
                plan_name=summary.plan_name,
                status=summary.status,
                price=summary.price,
                next_billing=summary.next_billing,
            )
        )
    return AdminSubscriptionPage(rows, page, page_count, total)


def subscriptions_after(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    wanted: SubscriptionFilter,
    *,
    limit: int = 50,
    starting_after: int | None = None,
) -> Page[SubscriptionView]:
    """The matching subscriptions after the id `starting_after`, oldest first (the API's cursor)."""
    authorize(actor, scope, Action.BROWSE_SUBSCRIPTIONS)
    rows = SubscriptionDirectory(session, scope).rows(
        wanted, limit=limit + 1, starting_after=starting_after, newest_first=False
    )
    views = subscription_views(session, scope, [subscription for subscription, _, _ in rows[:limit]])
    return Page(views, len(rows) > limit)


def subscription_file(
    session: Session, scope: TenantScope, actor: Actor, number: str
) -> AdminSubscriptionFile:
    """The subscription numbered `number`, its customer, history and charges."""
    authorize(actor, scope, Action.BROWSE_SUBSCRIPTIONS)
    directory = SubscriptionDirectory(session, scope)
    found = directory.with_customer(number.strip().upper()[:32])
    if found is None:
        raise NotFoundError("Subscription not found.")
    subscription, customer = found
    assert subscription.id is not None and customer.id is not None
    detail = subscription_detail(session, scope, customer.id, subscription.number)
    zone = ZoneInfo(detail.time_zone)
    entries = audit.list_entries(
        session, scope, actor, limit=HISTORY_SHOWN, object_type="subscription", object_id=subscription.number
    ).items
    emails = directory.user_emails({e.actor_user_id for e in entries if e.actor_user_id is not None})
    return AdminSubscriptionFile(
        detail=detail,
        customer_id=customer.id,
        customer_number=customer.number,
        customer_name=customer.name,
        history=[
            HistoryEntry(
                at=moment(entry.created_at, zone),
                action=HISTORY_ACTIONS.get(entry.action, entry.action),
                by=emails.get(entry.actor_user_id or 0, "System"),
                detail=_detail(entry.after),
            )
            for entry in entries
        ],
        charges=[
            ChargeEntry(
                description=position.description,
                period=f"{moment(position.period_start, zone)} – {moment(position.period_end, zone)}"
                if position.period_start and position.period_end
                else "",
                amount=Money.of(position.amount, position.currency).format(),
                invoice=invoice_number or "",
            )
            for position, invoice_number in directory.charges(subscription.id)
        ],
    )


def _detail(after: dict[str, Any] | None) -> str:
    """The entry's "after" values that say something, e.g. "effective: 2026-12-03T09:05:00+00:00"."""
    said = sorted((key, value) for key, value in (after or {}).items() if value not in ("", None, {}, []))
    return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in said)


def _zone(session: Session, scope: TenantScope) -> ZoneInfo:
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    return ZoneInfo(tenant.time_zone if tenant else "UTC")
