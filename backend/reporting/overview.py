"""Headline figures of a tenant for its admins."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from backend import clock
from backend.kit.policy import Action, Actor, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.money import Money
from backend.reporting.repository import TenantFigures
from backend.reporting.schemas import AdminOverview


def admin_overview(session: Session, scope: TenantScope, actor: Actor) -> AdminOverview:
    """Customers, live subscriptions, what is unpaid and overdue, and what was paid in 30 days."""
    authorize(actor, scope, Action.READ_OVERVIEW)
    figures = TenantFigures(session, scope)
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    unpaid = figures.unpaid_by_currency()
    paid = figures.paid_since(clock.now() - timedelta(days=30))
    return AdminOverview(
        tenant_name=tenant.name if tenant else "",
        customers=figures.customer_count(),
        active_subscriptions=figures.live_subscription_count(),
        unpaid_invoices=sum(count for _, count, _ in unpaid.values()),
        overdue_invoices=sum(overdue for _, _, overdue in unpaid.values()),
        open_amounts=[Money.of(total, c).format() for c, (total, _, _) in sorted(unpaid.items())],
        paid_last_30_days=[Money.of(total, c).format() for c, total in sorted(paid.items())],
    )
