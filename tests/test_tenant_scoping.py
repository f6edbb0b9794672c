"""Tenant scoping is enforced in one place (TenantRepository); these tests try to cross it.

Later issues add their repositories and services to the tables below with one line each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from backend.models import CustomerAccount, Subscription, SubscriptionStatus
from backend.repositories.base import CrossTenantWrite, TenantRepository, TenantScope
from backend.repositories.billing import (
    CreditNoteRepository,
    InvoiceLineRepository,
    InvoiceRepository,
    OpenPositionRepository,
)
from backend.repositories.catalog import (
    AddonRepository,
    PlanAddonRepository,
    PlanRepository,
    PromotionRepository,
    ServiceTypeRepository,
)
from backend.repositories.subscriptions import SubscriptionItemRepository, SubscriptionRepository
from backend.repositories.tenancy import (
    CustomerAccountRepository,
    CustomerMemberRepository,
    CustomerProfileRepository,
    UserRepository,
)
from backend.services import admin_overview, auth, dashboard
from backend.services.demo import CUSTOMER_LOGIN
from backend.services.errors import InvalidCredentials, NotFoundError
from backend.services.tenants import scope_for_slug

SCOPED_REPOSITORIES: list[type[TenantRepository[Any]]] = [
    UserRepository,
    CustomerAccountRepository,
    CustomerMemberRepository,
    CustomerProfileRepository,
    ServiceTypeRepository,
    PlanRepository,
    AddonRepository,
    PlanAddonRepository,
    PromotionRepository,
    SubscriptionRepository,
    SubscriptionItemRepository,
    OpenPositionRepository,
    InvoiceRepository,
    InvoiceLineRepository,
    CreditNoteRepository,
]


@pytest.fixture
def session(demo_session: Session) -> Session:
    return demo_session


@pytest.fixture
def two_tenants(session: Session) -> tuple[TenantScope, TenantScope]:
    """Tenant A is the full demo; tenant B is an empty tenant next to it."""
    return scope_for_slug(session, "demo"), scope_for_slug(session, "other")


@pytest.mark.parametrize("repository", SCOPED_REPOSITORIES, ids=lambda r: r.__name__)
def test_tenant_b_finds_none_of_tenant_a_rows(
    session: Session, two_tenants: tuple[TenantScope, TenantScope], repository: type[TenantRepository[Any]]
) -> None:
    scope_a, scope_b = two_tenants
    rows_of_a = repository(session, scope_a).list(limit=1000)
    assert rows_of_a, f"the demo has no {repository.model.__name__} rows to try with"
    as_b = repository(session, scope_b)
    assert as_b.list(limit=1000) == []
    assert as_b.count() == 0
    for row in rows_of_a:
        assert as_b.get(row.id) is None


@pytest.mark.parametrize("repository", SCOPED_REPOSITORIES, ids=lambda r: r.__name__)
def test_tenant_b_cannot_write_or_delete_a_row_of_tenant_a(
    session: Session, two_tenants: tuple[TenantScope, TenantScope], repository: type[TenantRepository[Any]]
) -> None:
    scope_a, scope_b = two_tenants
    row = repository(session, scope_a).list(limit=1)[0]
    with pytest.raises(CrossTenantWrite):
        repository(session, scope_b).add(row)
    with pytest.raises(CrossTenantWrite):
        repository(session, scope_b).delete(row)


def _demo_account_id(session: Session, scope: TenantScope) -> int:
    account = CustomerAccountRepository(session, scope).by_number("C-10001")
    assert account is not None and account.id is not None
    return account.id


# Service calls with tenant A's object ids, made in tenant B's scope: each must answer "not found".
SERVICE_CALLS: list[tuple[str, Callable[[Session, TenantScope, TenantScope], Any]]] = [
    (
        "customer dashboard",
        lambda s, a, b: dashboard.customer_overview(s, b, _demo_account_id(s, a)),
    ),
]


@pytest.mark.parametrize("call", [c for _, c in SERVICE_CALLS], ids=[n for n, _ in SERVICE_CALLS])
def test_services_answer_not_found_across_tenants(
    session: Session, two_tenants: tuple[TenantScope, TenantScope], call: Callable[..., Any]
) -> None:
    scope_a, scope_b = two_tenants
    with pytest.raises(NotFoundError):
        call(session, scope_a, scope_b)


def test_a_user_of_tenant_a_cannot_sign_in_to_tenant_b(
    session: Session, two_tenants: tuple[TenantScope, TenantScope]
) -> None:
    scope_a, scope_b = two_tenants
    assert auth.authenticate(session, scope_a, *CUSTOMER_LOGIN).email == CUSTOMER_LOGIN[0]
    with pytest.raises(InvalidCredentials):
        auth.authenticate(session, scope_b, *CUSTOMER_LOGIN)


def test_admin_figures_of_an_empty_tenant_show_nothing_of_the_other(
    session: Session, two_tenants: tuple[TenantScope, TenantScope]
) -> None:
    scope_a, scope_b = two_tenants
    figures_a = admin_overview.admin_overview(session, scope_a)
    figures_b = admin_overview.admin_overview(session, scope_b)
    assert figures_a.customers == 2 and figures_a.unpaid_invoices > 0
    assert (figures_b.customers, figures_b.active_subscriptions, figures_b.unpaid_invoices) == (0, 0, 0)
    assert figures_b.open_amounts == []


def test_joins_are_scoped_on_every_joined_table(
    session: Session, two_tenants: tuple[TenantScope, TenantScope]
) -> None:
    """A row of B pointing at A's plan (a corrupt row) still does not surface A's plan to B."""
    scope_a, scope_b = two_tenants
    plan_a = PlanRepository(session, scope_a).list(limit=1)[0]
    account_b = CustomerAccountRepository(session, scope_b).add(CustomerAccount(number="B-1", name="B"))
    SubscriptionRepository(session, scope_b).add(
        Subscription(
            number="SUB-B",
            customer_account_id=account_b.id,
            plan_id=plan_a.id,
            status=SubscriptionStatus.ACTIVE,
        )
    )
    assert SubscriptionRepository(session, scope_b).with_plans_for_customer(account_b.id or 0) == []
