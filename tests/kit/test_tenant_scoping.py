"""Tenant scoping is enforced in one place (TenantRepository); these tests try to cross it.

Repositories and every billing operation (subscriptions, charging, invoicing, credits, promotions,
catalog, tax, OSS and exchange rates, customer accounts, the dashboard and figures, simulation) have
their own isolation tables in tests/isolation/ (every method, operation and service module, checked
by introspection). Sessions, tokens, accounts and the API are tried here; later issues add one line
each.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from backend.audit import service as audit
from backend.catalog.repository import PlanRepository
from backend.customers.repository import CustomerAccountRepository
from backend.demo.service import ADMIN_LOGIN, CUSTOMER_LOGIN
from backend.identity import api_tokens, auth, passwords, sessions, users
from backend.identity.repository import ApiTokenRepository, UserRepository
from backend.kit.errors import InvalidCredentials, NotFoundError
from backend.kit.principals import SignedInUser
from backend.kit.repository import TenantRepository, TenantScope
from backend.models import CustomerAccount, Subscription, SubscriptionStatus
from backend.reporting import dashboard
from backend.reporting import overview as admin_overview
from backend.reporting.repository import CustomerHoldings
from backend.subscriptions.repository import SubscriptionRepository
from backend.tenancy.service import scope_for_slug


@pytest.fixture
def session(demo_session: Session) -> Session:
    return demo_session


@pytest.fixture
def two_tenants(session: Session) -> tuple[TenantScope, TenantScope]:
    """Tenant A is the full demo; tenant B is an empty tenant next to it."""
    scope_a = scope_for_slug(session, "demo")
    _sign_in_and_ask_for_a_reset(session, scope_a)
    return scope_a, scope_for_slug(session, "other")


def _sign_in_and_ask_for_a_reset(session: Session, scope: TenantScope) -> None:
    """Identity rows of tenant A (a session, an API token, a reset code), rolled back with the test."""
    from backend.integrations.mail import MailBatch
    from backend.settings import load_settings

    user = auth.authenticate(session, scope, *CUSTOMER_LOGIN)
    sessions.issue_ticket(
        session, scope, user, sessions.SessionPolicy(timedelta(hours=1), timedelta(hours=8))
    )
    api_tokens.create_token(
        session, scope, user, name="scoping", scopes=["read"], actor=audit.Actor.for_user(user)
    )
    passwords.request_password_reset(session, scope, load_settings(), MailBatch(), email=CUSTOMER_LOGIN[0])


def _admin_of(session: Session, scope: TenantScope) -> SignedInUser:
    """An admin acting in `scope` (tenant B's admin, for the calls below)."""
    return SignedInUser(999_999, scope.tenant_id, "b-admin@example.com", "B admin", "admin", 0, None)


def _b_admin(session: Session, scope: TenantScope) -> audit.Actor:
    return audit.Actor.for_user(_admin_of(session, scope))


def _user_in(scope: TenantScope, user_id: int) -> audit.Actor:
    """A user of `scope`'s tenant with id `user_id`, acting for themselves (the policy lets them)."""
    return audit.Actor(user_id=user_id, role=audit.Role.CUSTOMER, tenant_id=scope.tenant_id)


def _user_id(session: Session, scope: TenantScope, email: str = CUSTOMER_LOGIN[0]) -> int:
    user = UserRepository(session, scope).by_email(email)
    assert user is not None and user.id is not None
    return user.id


def _demo_account_id(session: Session, scope: TenantScope) -> int:
    account = CustomerAccountRepository(session, scope).by_number("C-10001")
    assert account is not None and account.id is not None
    return account.id


def _first_id(session: Session, scope: TenantScope, repository: type[TenantRepository[Any]]) -> int:
    return int(repository(session, scope).list(limit=1)[0].id)


# Service calls with tenant A's object ids, made in tenant B's scope: each must answer "not found".
SERVICE_CALLS: list[tuple[str, Callable[[Session, TenantScope, TenantScope], Any]]] = [
    (
        "customer dashboard",
        lambda s, a, b: dashboard.customer_overview(s, b, _demo_account_id(s, a)),
    ),
    ("lock user", lambda s, a, b: users.set_locked(s, b, _user_id(s, a), True, actor=_b_admin(s, b))),
    ("change role", lambda s, a, b: users.set_role(s, b, _user_id(s, a), "admin", actor=_b_admin(s, b))),
    (
        "change password",
        lambda s, a, b: passwords.change_password(
            s,
            b,
            _user_id(s, a),
            current_password=CUSTOMER_LOGIN[1],
            new_password="New-pass-2026",
            actor=_user_in(b, _user_id(s, a)),
        ),
    ),
    (
        "revoke api token",
        lambda s, a, b: api_tokens.revoke_token(
            s, b, _admin_of(s, b), _first_id(s, a, ApiTokenRepository), actor=_b_admin(s, b)
        ),
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
    figures_a = admin_overview.admin_overview(session, scope_a, audit.Actor.admin(scope_a.tenant_id))
    figures_b = admin_overview.admin_overview(session, scope_b, audit.Actor.admin(scope_b.tenant_id))
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
    assert CustomerHoldings(session, scope_b).subscriptions_with_plans(account_b.id or 0) == []


def test_sessions_tokens_and_codes_of_tenant_a_mean_nothing_in_tenant_b(
    session: Session, two_tenants: tuple[TenantScope, TenantScope]
) -> None:
    from backend.integrations.mail import MailBatch
    from backend.kit.errors import InvalidCode
    from backend.settings import load_settings

    scope_a, scope_b = two_tenants
    policy = sessions.SessionPolicy(timedelta(hours=1), timedelta(hours=8))
    admin = auth.authenticate(session, scope_a, *ADMIN_LOGIN)
    token, _ = sessions.exchange_ticket(
        session, scope_a, sessions.issue_ticket(session, scope_a, admin, policy)
    )
    assert sessions.resolve_session(session, scope_a, token, policy) == admin
    assert sessions.resolve_session(session, scope_b, token, policy) is None
    assert sessions.end_session(session, scope_b, token) is None
    ticket = sessions.issue_ticket(session, scope_a, admin, policy)
    with pytest.raises(sessions.SignInExpired):
        sessions.exchange_ticket(session, scope_b, ticket)
    secret = api_tokens.create_token(
        session, scope_a, admin, name="a", scopes=["read", "admin"], actor=audit.Actor.for_user(admin)
    ).token
    assert api_tokens.authenticate_token(session, scope_a, secret) is not None
    assert api_tokens.authenticate_token(session, scope_b, secret) is None
    assert api_tokens.list_tokens(session, scope_b, _admin_of(session, scope_b)) == []
    mail = MailBatch()
    passwords.request_password_reset(session, scope_a, load_settings(), mail, email=ADMIN_LOGIN[0])
    reset_token = mail.messages[-1].text.split("token=")[1].split()[0]
    with pytest.raises(InvalidCode):
        passwords.reset_password(session, scope_b, token=reset_token, new_password="Taken-over-2026")
    assert [e for e in audit_entries(session, scope_b) if e.object_type == "user"] == []


def audit_entries(session: Session, scope: TenantScope) -> list[Any]:
    return audit.list_entries(session, scope, audit.Actor.admin(scope.tenant_id), limit=500).items


# API routes called by tenant B's admin (on B's host) with tenant A's object ids: each must be a 404.
# `ids` maps names to tenant A's objects ("a_customer", "a_admin"); later issues add one line each.
API_ROUTES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("lock user", "POST", "/api/v1/admin/users/{a_customer}/lock", None),
    ("unlock user", "POST", "/api/v1/admin/users/{a_customer}/unlock", None),
    ("change role", "PUT", "/api/v1/admin/users/{a_admin}/role", {"role": "customer"}),
]
# List routes: tenant B's admin must see none of tenant A's objects in them.
API_LISTS: list[tuple[str, str]] = [
    ("users", "/api/v1/admin/users"),
    ("audit log", "/api/v1/admin/audit-log"),
]


@pytest.mark.parametrize(("name", "method", "path", "body"), API_ROUTES, ids=[r[0] for r in API_ROUTES])
def test_api_routes_answer_not_found_across_tenants(
    identity_world: Any, name: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    world = identity_world
    url = path.format(a_customer=world.a_customer.user_id, a_admin=world.a_admin.user_id)
    client = world.client(world.host_b)
    response = client.request(
        method, url, json=body, headers={"Authorization": f"Bearer {world.b_admin.token}"}
    )
    assert response.status_code == 404, (name, response.text)
    me = world.client(world.host_a).get(
        "/api/v1/me", headers={"Authorization": f"Bearer {world.a_admin.token}"}
    )
    assert me.status_code == 200 and me.json()["role"] == "admin"  # A's objects are untouched


@pytest.mark.parametrize(("name", "path"), API_LISTS, ids=[r[0] for r in API_LISTS])
def test_api_lists_show_nothing_of_another_tenant(identity_world: Any, name: str, path: str) -> None:
    world = identity_world
    headers = {"Authorization": f"Bearer {world.b_admin.token}"}
    listed = world.client(world.host_b).get(path, headers=headers)
    assert listed.status_code == 200, listed.text
    assert world.a_admin.email not in listed.text and world.a_customer.email not in listed.text
    assert world.client(world.host_a).get(path, headers=headers).status_code == 401  # B's token on A's host
