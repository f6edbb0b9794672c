"""Session cookies that must open nothing: forged, oversized, expired, revoked, another tenant's.

Each is tried where a cookie counts:
- pages: the state handlers of signed-in pages re-read the session (`current_user` -> None) and send
  the browser to /login;
- the job monitor `/admin/queues/`, the cookie-authenticated part of the web API: 403;
- `POST /api/auth/logout`: answers 204 whatever the cookie, and ends no session it does not own.
Controls first: the same probes let a live cookie through, so each refusal is a real one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backend import clock
from backend.gateway import identity as identity_gateway
from backend.kit.principals import RequestContext
from backend.kit.tokens import new_token
from backend.settings import get_settings
from billing_console.billing_console import operator_admin
from billing_console.state.account import AccountState
from billing_console.state.admin import AdminOverviewState
from billing_console.state.dashboard import DashboardState
from billing_console.state.session import SessionState
from jobs.dashboard import mount_queue_dashboard
from tests.conftest import IdentityWorld
from tests.console.test_identity_states import redirects, run, state_for
from tests.security.api_world import ApiWorld

pytestmark = pytest.mark.redis

JOB_MONITOR = "/admin/queues/"
SIGNED_IN_PAGES = (AccountState, DashboardState, AdminOverviewState)


@pytest.fixture
def world(api_world: ApiWorld, monkeypatch: pytest.MonkeyPatch) -> IdentityWorld:
    """The identity world with tenant A as the operating tenant: its admins may open the job monitor."""
    monkeypatch.setenv("DEFAULT_TENANT_SLUG", api_world.host_a.removesuffix(".test"))  # hosts are <slug>.test
    get_settings.cache_clear()
    return api_world.identity


@pytest.fixture
def moving_clock(world: IdentityWorld) -> Iterator[clock.FrozenClock]:
    """The clock stopped where it stands, to be moved past session lifetimes."""
    with clock.frozen(clock.now()) as frozen:
        yield frozen


def job_monitor(host: str, cookie: str) -> int:
    """The status of the job monitor's gate; without Redis, a let-through request gets 503."""
    api = FastAPI()
    mount_queue_dashboard(api, None, operator_admin)
    client = TestClient(api, base_url=f"http://{host}", follow_redirects=False)
    return client.get(JOB_MONITOR, headers={"Cookie": f"bc_session={cookie}"}).status_code


def sign_out(world: IdentityWorld, host: str, cookie: str) -> Any:
    return world.client(host).post("/api/auth/logout", headers={"Cookie": f"bc_session={cookie}"})


def page_refusals(host: str, cookie: str) -> list[str]:
    """What each signed-in page does with this cookie: "" when it let the user in."""
    answers = []
    for state_cls in SIGNED_IN_PAGES:
        answers.append(",".join(redirects(run(state_cls.load.fn, state_for(state_cls, host, cookie)))))
    home = state_for(SessionState, host, cookie)
    answers.append(",".join(redirects(run(SessionState.open_home.fn, home))))
    answers.append("signed in" if home.signed_in else "")
    return answers


def current_user(host: str, cookie: str) -> Any:
    return identity_gateway.current_user(RequestContext(host=host), cookie)


def test_bad_session_cookies_are_refused_on_pages_and_the_web_api(
    world: IdentityWorld, moving_clock: clock.FrozenClock
) -> None:
    host_a, host_b, idle = world.host_a, world.host_b, get_settings().session_idle_minutes
    expired = world.session_cookie(world.a_customer, host_a)
    moving_clock.advance(timedelta(minutes=idle, seconds=1))
    revoked = world.session_cookie(world.a_customer, host_a)
    assert sign_out(world, host_a, revoked).status_code == 204
    admin = world.session_cookie(world.a_admin, host_a)
    customer = world.session_cookie(world.a_customer, host_a)

    # Controls: live cookies get in everywhere.
    assert page_refusals(host_a, admin) == ["", "", "", "/admin", "signed in"]
    assert job_monitor(host_a, admin) == 503
    assert job_monitor(host_a, customer) == 403  # a customer is no admin: the gate is a real check
    # /api/v1 takes bearer tokens only: a cookie there would let other sites call it (CSRF).
    me = world.client(host_a).get("/api/v1/me", headers={"Cookie": f"bc_session={admin}"})
    assert me.status_code == 401

    bad = {
        "forged": (host_a, new_token()),
        "oversized (8 KB)": (host_a, secrets.token_urlsafe(6144)),
        "expired (idle)": (host_a, expired),
        "revoked (signed out)": (host_a, revoked),
        "another tenant's": (host_b, admin),  # A's admin cookie on B's host
    }
    wrong = []
    for kind, (host, cookie) in bad.items():
        if (answers := page_refusals(host, cookie)) != ["/login", "/login", "/login", "/login", ""]:
            wrong.append(f"{kind} cookie on the pages: {answers}")
        if (status := job_monitor(host, cookie)) != 403:
            wrong.append(f"{kind} cookie at {JOB_MONITOR}: {status}")
        if (status := sign_out(world, host, cookie).status_code) != 204:
            wrong.append(f"{kind} cookie signing out: {status}")
    assert not wrong, "\n".join(wrong)

    # Signing out with those cookies ended no live session, on either host.
    assert current_user(host_a, admin) is not None and current_user(host_a, customer) is not None
    assert job_monitor(host_a, admin) == 503


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # the time arithmetic is the same on both
def test_a_session_kept_alive_ends_at_its_absolute_lifetime(
    world: IdentityWorld, moving_clock: clock.FrozenClock
) -> None:
    settings = get_settings()
    started = moving_clock.now()
    cookie = world.session_cookie(world.a_admin, world.host_a)
    end = started + timedelta(hours=settings.session_max_hours)
    step = timedelta(minutes=settings.session_idle_minutes - 1)
    while moving_clock.now() + step < end:  # used just before it would idle out, again and again
        moving_clock.advance(step)
        assert current_user(world.host_a, cookie) is not None, f"refused after {moving_clock.now() - started}"
    moving_clock.set(end)
    assert current_user(world.host_a, cookie) is None
    assert page_refusals(world.host_a, cookie)[0] == "/login"
    assert job_monitor(world.host_a, cookie) == 403
