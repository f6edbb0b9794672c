"""The customer dashboard: a customer's subscriptions and what they owe, read in one unit of work."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.catalog.pricing import price_display
from backend.catalog.terms import PlanTerms
from backend.kit.errors import NotFoundError
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import Plan, Subscription
from backend.money import Money
from backend.reporting.repository import CustomerHoldings, TenantFigures
from backend.reporting.schemas import CustomerOverview, OpenBalance, SubscriptionSummary


def customer_overview(session: Session, scope: TenantScope, customer_account_id: int) -> CustomerOverview:
    """Subscriptions (newest first, with servers) and the open balance per currency of one customer."""
    holdings = CustomerHoldings(session, scope)
    account = holdings.get(customer_account_id)
    if account is None:
        raise NotFoundError("Customer account not found.")
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    zone = ZoneInfo(tenant.time_zone if tenant else "UTC")

    rows = holdings.subscriptions_with_plans(customer_account_id)
    items = holdings.servers([s.id for s, _ in rows if s.id])
    servers: dict[int, list[str]] = {}
    for item in items:
        servers.setdefault(item.subscription_id, []).append(f"{item.hostname} ({item.status.value})")

    balances = [
        OpenBalance(
            amount=Money.of(total, currency).format(),
            currency=currency,
            unpaid_invoices=count,
            overdue_invoices=overdue,
        )
        for currency, (total, count, overdue) in sorted(
            TenantFigures(session, scope).unpaid_by_currency(customer_account_id).items()
        )
    ]
    return CustomerOverview(
        customer_name=account.name,
        customer_number=account.number,
        subscriptions=[
            subscription_summary(subscription, plan, servers, zone) for subscription, plan in rows
        ],
        balances=balances,
    )


def subscription_summary(
    subscription: Subscription, plan: Plan, servers: dict[int, list[str]], zone: ZoneInfo
) -> SubscriptionSummary:
    """One row of a customer's subscription list: dates in `zone`, the price the engine bills."""
    start, end = subscription.current_period_start, subscription.current_period_end
    period = f"{_date(start, zone)} – {_date(end, zone)}" if start and end else ""
    terms = subscription_terms(subscription, plan)
    return SubscriptionSummary(
        number=subscription.number,
        plan_name=plan.name,
        status=subscription.status.value,
        price=price_display(terms.price, terms.currency, terms.interval_unit.value, terms.interval_count),
        current_period=period,
        next_billing=_date(subscription.next_billing_at, zone) if subscription.next_billing_at else "",
        servers=servers.get(subscription.id or 0, []),
    )


def subscription_terms(subscription: Subscription, plan: Plan) -> PlanTerms:
    """The terms the engine bills `subscription` on: its snapshot (price with margins as of its
    current period, interval as ordered), or the plan's terms for a subscription without one."""
    return (
        PlanTerms.from_json(subscription.plan_snapshot) if subscription.plan_snapshot else PlanTerms.of(plan)
    )


def _date(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat()
