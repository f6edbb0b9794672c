"""Page states resolve the user from the session cookie on the server, for every load and event.

The handlers are called directly, the way a crafted websocket message would call them, not through
the page: a customer gets no admin data, and a signed-out or revoked cookie gets nothing at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from reflex.state import State

import billing_console.billing_console  # noqa: F401 - registers every page state
from billing_console.state.account import AccountState
from billing_console.state.admin import AdminOverviewState
from billing_console.state.catalog_admin import (
    AddonsState,
    CatalogOverviewState,
    CatalogPlansState,
    PromotionsState,
    ServiceTypesState,
)
from billing_console.state.session import SessionState
from tests.conftest import IdentityWorld

pytestmark = pytest.mark.redis


def state_for(
    state_cls: type[rx.State],
    host: str,
    cookie: str | None,
    *,
    ip: str = "192.0.2.10",
    headers: dict[str, str] | None = None,
) -> Any:
    """A fresh state tree as the backend builds it for a websocket from `host` carrying `cookie`
    (from the peer `ip`, with more `headers` such as X-Forwarded-For)."""
    root = State(_reflex_internal_init=True)  # type: ignore[call-arg]
    cookies = {"cookie": f"theme=dark; bc_session={cookie}"} if cookie else {}
    router_data = {"headers": {**(headers or {}), "host": host, **cookies}, "ip": ip, "pathname": "/"}
    root.router_data = router_data
    root.router = RouterData.from_router_data(router_data)
    return root.get_substate(state_cls.get_full_name().split(".")[1:])


def run(handler: Callable[..., Any], state: Any, *args: Any) -> list[Any]:
    """Call an event handler directly; returns what it yielded or returned (None dropped)."""

    async def collect() -> list[Any]:
        result = handler(state, *args)
        if isinstance(result, AsyncIterator):
            return [item async for item in result if item is not None]
        value = await result if asyncio.iscoroutine(result) else result
        return [value] if value is not None else []

    return asyncio.run(collect())


def redirects(events: list[Any]) -> list[str]:
    """The paths of the `rx.redirect`s among `events`."""
    found = []
    for event in events:
        for key, value in getattr(event, "args", ()) or ():
            if getattr(key, "_js_expr", "") == "path":
                found.append(str(value._var_value))
    return found


# Admin event handlers (and page loads); later issues add theirs with one line each.
ADMIN_HANDLERS: list[tuple[str, type[rx.State], Callable[..., Any], tuple[Any, ...]]] = [
    ("admin overview load", AdminOverviewState, AdminOverviewState.load.fn, ()),
    ("catalog overview load", CatalogOverviewState, CatalogOverviewState.load.fn, ()),
    *[
        (f"{state.__name__} {name}", state, getattr(state, name).fn, args)
        for state in (ServiceTypesState, CatalogPlansState, AddonsState, PromotionsState)
        for name, args in (
            ("load", ()),
            ("apply_filters", ({"search": "a"},)),
            ("clear_filters", ()),
            ("go_to_page", (1,)),
            ("open_new", ()),
            ("open_edit", (1,)),
            ("submit_form", ({"key": "x", "name": "X", "code": "X", "benefit": "free_days"},)),
            ("ask", (1, "deactivate")),
            ("confirm", ()),
            ("show_redemptions", (1,)),
        )
    ],
]


@pytest.mark.parametrize(
    ("name", "state_cls", "handler", "args"), ADMIN_HANDLERS, ids=[h[0] for h in ADMIN_HANDLERS]
)
def test_a_customer_calling_an_admin_handler_directly_is_refused(
    identity_world: IdentityWorld,
    name: str,
    state_cls: type[rx.State],
    handler: Callable[..., Any],
    args: tuple[Any, ...],
) -> None:
    world = identity_world
    customer = state_for(state_cls, world.host_a, world.session_cookie(world.a_customer, world.host_a))
    before = customer.dict()
    events = run(handler, customer, *args)
    assert redirects(events) == ["/dashboard"], name
    assert world.host_a.split(".")[0].upper() not in str(customer.dict())  # no tenant data reached the state
    assert customer.dict().keys() == before.keys()


def test_the_admin_gets_the_overview(identity_world: IdentityWorld) -> None:
    world = identity_world
    admin = state_for(AdminOverviewState, world.host_a, world.session_cookie(world.a_admin, world.host_a))
    assert redirects(run(AdminOverviewState.load.fn, admin)) == []
    assert admin.tenant_name == world.host_a.split(".")[0].upper()


@pytest.mark.parametrize("cookie", [None, "forged-token"], ids=["no cookie", "forged cookie"])
def test_without_a_valid_cookie_protected_handlers_send_to_sign_in(
    identity_world: IdentityWorld, cookie: str | None
) -> None:
    world = identity_world
    for state_cls, handler in (
        (AdminOverviewState, AdminOverviewState.load.fn),
        (AccountState, AccountState.load.fn),
    ):
        state = state_for(state_cls, world.host_a, cookie)
        assert redirects(run(handler, state)) == ["/login"]
    account = state_for(AccountState, world.host_a, cookie)
    events = run(AccountState.create_token.fn, account, {"name": "x", "scope_read": "on"})
    assert redirects(events) == ["/login"] and account.new_token == ""


def test_a_signed_out_cookie_replayed_on_the_websocket_is_refused(identity_world: IdentityWorld) -> None:
    world = identity_world
    cookie = world.session_cookie(world.a_customer, world.host_a)
    account = state_for(AccountState, world.host_a, cookie)
    assert redirects(run(AccountState.load.fn, account)) == []
    assert [t.name for t in account.tokens] == ["tests"]

    session = state_for(SessionState, world.host_a, cookie)
    run(SessionState.sign_out.fn, session)
    replay = state_for(AccountState, world.host_a, cookie)
    assert redirects(run(AccountState.load.fn, replay)) == ["/login"]
    assert replay.tokens == []


def test_a_cookie_of_tenant_a_means_nothing_on_tenant_bs_host(identity_world: IdentityWorld) -> None:
    world = identity_world
    cookie = world.session_cookie(world.a_admin, world.host_a)
    state = state_for(AdminOverviewState, world.host_b, cookie)
    assert redirects(run(AdminOverviewState.load.fn, state)) == ["/login"]


def test_a_token_is_shown_once_and_revoked_from_the_account_page(identity_world: IdentityWorld) -> None:
    world = identity_world
    cookie = world.session_cookie(world.a_customer, world.host_a)
    account = state_for(AccountState, world.host_a, cookie)
    run(AccountState.load.fn, account)
    run(
        AccountState.create_token.fn, account, {"name": "Deploy bot", "scope_read": "on", "scope_admin": "on"}
    )
    assert "Only admins" in account.token_error and account.new_token == ""
    run(AccountState.create_token.fn, account, {"name": "Deploy bot", "scope_read": "on"})
    assert account.new_token.startswith("bc_") and account.token_error == ""
    created = next(t for t in account.tokens if t.name == "Deploy bot")
    assert created.scopes == "read" and account.new_token.startswith(created.prefix.rstrip("…"))

    reloaded = state_for(AccountState, world.host_a, cookie)
    run(AccountState.load.fn, reloaded)
    assert reloaded.new_token == ""  # never shown again
    run(AccountState.revoke_token.fn, reloaded, created.id)
    assert next(t for t in reloaded.tokens if t.id == created.id).revoked
    me = world.client(world.host_a).get(
        "/api/v1/me", headers={"Authorization": f"Bearer {account.new_token}"}
    )
    assert me.status_code == 401
