"""The session cookie routes and /api/v1 with personal access tokens: who gets in, who is refused."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request

from backend.api.security import admin_for_request, user_for_request
from backend.settings import get_settings
from tests.conftest import IdentityWorld

pytestmark = pytest.mark.redis

ADMIN_ROUTES = [
    ("GET", "/api/v1/admin/users", None),
    ("GET", "/api/v1/admin/audit-log", None),
    ("POST", "/api/v1/admin/users/{user}/lock", None),
    ("POST", "/api/v1/admin/users/{user}/unlock", None),
    ("PUT", "/api/v1/admin/users/{user}/role", {"role": "admin"}),
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_me_needs_a_valid_token(identity_world: IdentityWorld) -> None:
    client = identity_world.client(identity_world.host_a)
    missing = client.get("/api/v1/me")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/api/v1/me", headers=bearer("bc_not-a-token")).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}).status_code == 401
    me = client.get("/api/v1/me", headers=bearer(identity_world.a_customer.token))
    assert me.status_code == 200
    assert me.json()["email"] == identity_world.a_customer.email
    assert me.json()["scopes"] == ["read", "write"]
    assert "password" not in me.text and "hash" not in me.text


def test_a_token_of_one_tenant_is_unknown_on_the_other_tenants_host(identity_world: IdentityWorld) -> None:
    client_b = identity_world.client(identity_world.host_b)
    assert client_b.get("/api/v1/me", headers=bearer(identity_world.a_admin.token)).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"), ADMIN_ROUTES, ids=[f"{m} {p}" for m, p, _ in ADMIN_ROUTES]
)
def test_a_customer_calling_an_admin_route_directly_is_refused(
    identity_world: IdentityWorld, method: str, path: str, body: dict[str, str] | None
) -> None:
    world = identity_world
    client = world.client(world.host_a)
    url = path.format(user=world.a_admin.user_id)
    response = client.request(method, url, headers=bearer(world.a_customer.token), json=body)
    assert response.status_code == 403, response.text
    me = client.get("/api/v1/me", headers=bearer(world.a_admin.token)).json()
    assert me["role"] == "admin"  # nothing changed: the admin is neither locked nor demoted


def test_an_admin_token_without_the_admin_scope_is_refused(identity_world: IdentityWorld) -> None:
    from backend.audit.service import Actor
    from backend.db import unit_of_work
    from backend.identity import api_tokens, auth
    from backend.identity.repository import UserRepository
    from backend.kit.repository import TenantScope

    world = identity_world
    scope = TenantScope(world.a_admin.tenant_id)
    with unit_of_work(world.engine) as session:
        admin = auth.signed_in_user(
            session, scope, UserRepository(session, scope).get_or_raise(world.a_admin.user_id)
        )
        read_only = api_tokens.create_token(
            session, scope, admin, name="ro", scopes=["read"], actor=Actor.for_user(admin)
        ).token
    response = world.client(world.host_a).get("/api/v1/admin/users", headers=bearer(read_only))
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]


def test_an_admin_locks_a_user_whose_tokens_and_sessions_die_with_an_audit_entry(
    identity_world: IdentityWorld,
) -> None:
    world = identity_world
    client = world.client(world.host_a)
    cookie = world.session_cookie(world.a_customer, world.host_a)
    locked = client.post(
        f"/api/v1/admin/users/{world.a_customer.user_id}/lock", headers=bearer(world.a_admin.token)
    )
    assert locked.status_code == 200 and locked.json()["locked"] is True
    assert client.get("/api/v1/me", headers=bearer(world.a_customer.token)).status_code == 401
    assert asyncio.run(user_for_request(_request(world.host_a, cookie))) is None

    log = client.get(
        "/api/v1/admin/audit-log",
        params={"object_type": "user", "object_id": str(world.a_customer.user_id)},
        headers=bearer(world.a_admin.token),
    ).json()
    entry = next(e for e in log["data"] if e["action"] == "user.locked")
    assert entry["actor_user_id"] == world.a_admin.user_id
    assert (entry["before"], entry["after"]) == ({"locked": False}, {"locked": True})
    assert entry["ip_address"] == "testclient"

    client.post(f"/api/v1/admin/users/{world.a_customer.user_id}/unlock", headers=bearer(world.a_admin.token))
    assert (
        client.get("/api/v1/me", headers=bearer(world.a_customer.token)).status_code == 401
    )  # stays revoked


def test_the_session_cookie_is_httponly_lax_and_secure_behind_https(
    identity_world: IdentityWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.db import unit_of_work
    from backend.identity import auth, sessions
    from backend.identity.repository import UserRepository
    from backend.kit.repository import TenantScope

    world = identity_world
    for public_url, secure in (("http://console.test", False), ("https://console.test", True)):
        monkeypatch.setenv("PUBLIC_URL", public_url)
        get_settings.cache_clear()
        scope = TenantScope(world.a_customer.tenant_id)
        with unit_of_work(world.engine) as session:
            user = auth.signed_in_user(
                session, scope, UserRepository(session, scope).get_or_raise(world.a_customer.user_id)
            )
            ticket = sessions.issue_ticket(
                session, scope, user, sessions.SessionPolicy.from_settings(get_settings())
            )
        response = world.client(world.host_a).post("/api/auth/session", json={"ticket": ticket})
        assert response.status_code == 204
        flags = [part.strip().lower() for part in response.headers["set-cookie"].split(";")]
        assert flags[0].startswith("bc_session=")
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
        assert ("secure" in flags) is secure
        assert ticket not in response.headers["set-cookie"]


def test_a_ticket_is_single_use_and_logout_revokes_the_session(identity_world: IdentityWorld) -> None:
    world = identity_world
    cookie = world.session_cookie(world.a_customer, world.host_a)
    assert asyncio.run(user_for_request(_request(world.host_a, cookie))) is not None
    assert world.client(world.host_a).post("/api/auth/session", json={"ticket": "forged"}).status_code == 400

    client = world.client(world.host_a)
    client.cookies.set("bc_session", cookie)
    out = client.post("/api/auth/logout")
    assert out.status_code == 204
    assert 'bc_session=""' in out.headers["set-cookie"] and "max-age=0" in out.headers["set-cookie"].lower()
    assert asyncio.run(user_for_request(_request(world.host_a, cookie))) is None


def _request(host: str, cookie: str | None) -> Request:
    headers = [(b"host", host.encode())]
    if cookie:
        headers.append((b"cookie", f"bc_session={cookie}".encode()))
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/admin/queues",
            "headers": headers,
            "client": ("1.2.3.4", 1),
        }
    )


def test_admin_for_request_lets_only_admins_of_the_hosts_tenant_through(
    identity_world: IdentityWorld,
) -> None:
    world = identity_world
    admin_cookie = world.session_cookie(world.a_admin, world.host_a)
    customer_cookie = world.session_cookie(world.a_customer, world.host_a)
    admin = asyncio.run(admin_for_request(_request(world.host_a, admin_cookie)))
    assert admin is not None and admin.user_id == world.a_admin.user_id
    assert asyncio.run(admin_for_request(_request(world.host_a, customer_cookie))) is None
    assert asyncio.run(admin_for_request(_request(world.host_a, None))) is None
    assert asyncio.run(admin_for_request(_request(world.host_a, "forged"))) is None
    assert asyncio.run(admin_for_request(_request(world.host_b, admin_cookie))) is None  # other tenant's host
