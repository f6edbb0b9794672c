"""On hosts stored with the tenants (no TENANT_HOSTS entry): sessions and tokens stay in their tenant,
and behind a trusted proxy the throttle and the audit log see the client, not the proxy.

The page handlers are called directly with the router data a websocket would carry
(tests/console/test_identity_states.py), the API through its test client.
"""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.requests import Request

from backend.api.security import user_for_request
from backend.audit import service as audit
from backend.db import unit_of_work
from backend.kit.repository import TenantScope
from backend.settings import get_settings
from backend.tenancy.service import update_tenant
from billing_console.state.admin import AdminOverviewState
from billing_console.state.login import LoginState
from tests.conftest import IdentityWorld
from tests.console.test_identity_states import redirects, run, state_for

pytestmark = pytest.mark.redis

PROXY = "10.0.0.7"
BEHIND_PROXY = "internal:3000"  # the Host the proxy sends the console


@dataclass(frozen=True)
class Hosted:
    world: IdentityWorld
    host_a: str  # stored with tenant A only: TENANT_HOSTS does not know it
    host_b: str
    suffix: str

    def client_ip(self, n: int) -> str:
        """A client address of this test only (the throttle's counts live in the shared Redis)."""
        return str(ipaddress.ip_address(f"2001:db8::{self.suffix[:4]}:{self.suffix[4:]}:{n}"))


@pytest.fixture
def hosted(identity_world: IdentityWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hosted]:
    world, suffix = identity_world, uuid.uuid4().hex[:8]
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    monkeypatch.setenv("THROTTLE_IP_ATTEMPTS", "2")
    get_settings.cache_clear()
    hosts = (f"console.a-{suffix}.example:8443", f"console.b-{suffix}.example:8443")
    with unit_of_work(world.engine) as session:
        for member, host in ((world.a_admin, hosts[0]), (world.b_admin, hosts[1])):
            slug = next(slug for slug, tenant_id in _slugs(session) if tenant_id == member.tenant_id)
            update_tenant(
                session,
                slug,
                changes={"public_url": f"https://{host}"},
                add_hosts=[host],
                settings=get_settings(),
            )
    yield Hosted(world, *hosts, suffix)
    get_settings.cache_clear()


def _slugs(session: object) -> list[tuple[str, int]]:
    from backend.kit.tenants import TenantDirectory

    return [(t.slug, t.id or 0) for t in TenantDirectory(session).all()]  # type: ignore[arg-type]


def _cookie_request(host: str, cookie: str) -> Request:
    headers = [(b"host", host.encode()), (b"cookie", f"bc_session={cookie}".encode())]
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": headers, "client": ("192.0.2.1", 1)}
    )


def test_a_session_opened_on_a_stored_host_is_refused_on_the_other_tenants_host(hosted: Hosted) -> None:
    world = hosted.world
    cookie = world.session_cookie(world.a_admin, hosted.host_a)  # signed in through the stored host
    assert asyncio.run(user_for_request(_cookie_request(hosted.host_a, cookie))) is not None
    assert asyncio.run(user_for_request(_cookie_request(hosted.host_b, cookie))) is None

    page_a = state_for(AdminOverviewState, hosted.host_a, cookie)
    assert redirects(run(AdminOverviewState.load.fn, page_a)) == []
    assert page_a.tenant_name == world.host_a.split(".")[0].upper()
    page_b = state_for(AdminOverviewState, hosted.host_b, cookie)
    assert redirects(run(AdminOverviewState.load.fn, page_b)) == ["/login"]
    assert page_b.tenant_name == ""


def test_a_token_works_only_on_its_tenants_stored_host(hosted: Hosted) -> None:
    world = hosted.world
    bearer = {"Authorization": f"Bearer {world.a_customer.token}"}
    assert world.client(hosted.host_a).get("/api/v1/me", headers=bearer).status_code == 200
    assert world.client(hosted.host_b).get("/api/v1/me", headers=bearer).status_code == 401


def test_behind_a_trusted_proxy_the_throttle_and_audit_see_the_client(hosted: Hosted) -> None:
    world = hosted.world

    def sign_in(client: str, email: str, password: str) -> str:
        forwarded = {
            "x-forwarded-host": hosted.host_a,
            "x-forwarded-proto": "https",
            "x-forwarded-for": client,
        }
        state = state_for(LoginState, BEHIND_PROXY, None, ip=PROXY, headers=forwarded)
        run(LoginState.sign_in.fn, state, {"email": email, "password": password})
        return str(state.error)

    one, other = hosted.client_ip(1), hosted.client_ip(2)
    # THROTTLE_IP_ATTEMPTS=2: the third failure from one client address is throttled...
    assert "wrong" in sign_in(one, "nobody-1@example.com", "Wrong-pass-123")
    assert "wrong" in sign_in(one, "nobody-2@example.com", "Wrong-pass-123")
    assert "Too many attempts" in sign_in(one, world.a_customer.email, world.a_customer.password)
    # ...while another client behind the same proxy still signs in (before, both were the proxy).
    assert sign_in(other, world.a_customer.email, world.a_customer.password) == ""

    with unit_of_work(world.engine) as session:
        entries = audit.list_entries(
            session,
            TenantScope(world.a_customer.tenant_id),
            audit.Actor.admin(world.a_customer.tenant_id),
            limit=10,
        )
    logins = [(e.action, e.ip_address) for e in entries.items if e.action.startswith("auth.login")]
    assert logins[::-1] == [
        ("auth.login_failed", one),
        ("auth.login_failed", one),
        ("auth.login_failed", one),  # throttled
        ("auth.login", other),
    ]


def test_a_client_that_is_no_proxy_cannot_escape_the_throttle_with_forwarded_headers(hosted: Hosted) -> None:
    world, attacker = hosted.world, hosted.client_ip(9)

    def sign_in(spoofed_client: str) -> str:
        forwarded = {"x-forwarded-host": hosted.host_a, "x-forwarded-for": spoofed_client}
        state = state_for(LoginState, hosted.host_a, None, ip=attacker, headers=forwarded)
        run(LoginState.sign_in.fn, state, {"email": world.a_customer.email, "password": "Wrong-pass-123"})
        return str(state.error)

    assert "wrong" in sign_in("203.0.113.10")
    assert "wrong" in sign_in("203.0.113.11")
    assert "Too many attempts" in sign_in("203.0.113.12")
    with unit_of_work(world.engine) as session:
        entries = audit.list_entries(
            session,
            TenantScope(world.a_customer.tenant_id),
            audit.Actor.admin(world.a_customer.tenant_id),
            limit=10,
        )
    assert {e.ip_address for e in entries.items if e.action == "auth.login_failed"} == {attacker}
