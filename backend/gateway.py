"""Entry points for the Reflex pages.

Each function opens one unit of work, calls services and returns DTOs, so page states never hold a
session, a query or an ORM row (ARCHITECTURE rule 2). They are synchronous: states call them with
`asyncio.to_thread` so a query never blocks the event loop.
"""

from __future__ import annotations

from backend.db import unit_of_work
from backend.repositories.base import TenantScope
from backend.schemas.accounts import SignedInUser
from backend.schemas.admin import AdminOverview
from backend.schemas.dashboard import CustomerOverview
from backend.services import admin_overview as admin_overview_service
from backend.services import auth, dashboard
from backend.services.errors import NotFoundError
from backend.services.tenants import scope_for_slug
from backend.settings import get_settings


def sign_in(email: str, password: str, tenant_slug: str | None = None) -> SignedInUser:
    """Raises InvalidCredentials or AccountLocked with a message for the user."""
    with unit_of_work() as session:
        scope = scope_for_slug(session, tenant_slug or get_settings().default_tenant_slug)
        return auth.authenticate(session, scope, email, password)


def current_user(tenant_id: int, user_id: int, token_version: int) -> SignedInUser | None:
    """Re-reads the user on every protected load: locked or revoked users are signed out."""
    with unit_of_work() as session:
        return auth.load_signed_in_user(session, TenantScope(tenant_id), user_id, token_version)


def customer_dashboard(user: SignedInUser) -> CustomerOverview:
    if user.customer_account_id is None:
        raise NotFoundError("This user has no customer account.")
    with unit_of_work() as session:
        return dashboard.customer_overview(session, TenantScope(user.tenant_id), user.customer_account_id)


def admin_overview(user: SignedInUser) -> AdminOverview:
    if not user.is_admin:
        raise PermissionError("Admins only.")
    with unit_of_work() as session:
        return admin_overview_service.admin_overview(session, TenantScope(user.tenant_id))
