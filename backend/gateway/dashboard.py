"""The customer dashboard of the signed-in user's customer account."""

from __future__ import annotations

from backend.db import unit_of_work
from backend.kit.errors import NotFoundError
from backend.kit.principals import SignedInUser
from backend.kit.repository import TenantScope
from backend.reporting import dashboard
from backend.reporting.schemas import CustomerOverview


def customer_dashboard(user: SignedInUser) -> CustomerOverview:
    """Subscriptions and open balance; a user without a customer account gets NotFoundError."""
    if user.customer_account_id is None:
        raise NotFoundError("This user has no customer account.")
    with unit_of_work() as session:
        return dashboard.customer_overview(session, TenantScope(user.tenant_id), user.customer_account_id)
