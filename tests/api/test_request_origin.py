"""Host, scheme and client IP of a request: forwarded headers count only from TRUSTED_PROXIES.

The function is tried on its own, then through both entry points that use it: the API's
`request_context` (a Starlette request) and the pages' (a websocket's router data).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.requests import Request

from backend.api.forwarded import ForwardedHeaders
from backend.api.security import request_context as api_request_context
from backend.request_origin import (
    RequestOrigin,
    parse_trusted_proxies,
    resolve_request_origin,
)
from backend.settings import SettingsError, get_settings, load_settings

PROXIES = parse_trusted_proxies("10.0.0.0/8, 192.0.2.1, fd00::/8")
SPOOFED = {
    "host": "console.internal:3000",
    "x-forwarded-host": "other-tenant.example",
    "x-forwarded-proto": "https",
    "x-forwarded-for": "198.51.100.66",
}


def test_without_trusted_proxies_forwarded_headers_are_ignored() -> None:
    origin = resolve_request_origin(SPOOFED, "203.0.113.7", ())
    assert origin == RequestOrigin(host="console.internal:3000", scheme="http", client_ip="203.0.113.7")


def test_a_client_that_is_not_a_trusted_proxy_cannot_spoof_host_scheme_or_address() -> None:
    origin = resolve_request_origin(SPOOFED, "203.0.113.7", PROXIES)
    assert origin == RequestOrigin(host="console.internal:3000", scheme="http", client_ip="203.0.113.7")


def test_a_trusted_proxy_tells_the_host_scheme_and_client() -> None:
    headers = {**SPOOFED, "x-forwarded-host": "Billing.Acme.Example", "x-forwarded-for": "203.0.113.7"}
    origin = resolve_request_origin(headers, "10.1.2.3", PROXIES)
    assert origin == RequestOrigin(host="billing.acme.example", scheme="https", client_ip="203.0.113.7")


def test_the_client_is_the_right_most_address_that_is_not_a_trusted_proxy() -> None:
    # The client wrote "198.51.100.66" itself; the edge proxy appended the address it saw, 203.0.113.7;
    # an inner proxy (10.0.0.2) appended the edge's address. Only the edge's entry is trustworthy.
    headers = {"host": "x", "x-forwarded-for": "198.51.100.66, 203.0.113.7, 192.0.2.1"}
    assert resolve_request_origin(headers, "10.0.0.2", PROXIES).client_ip == "203.0.113.7"
    # Repeated headers arrive joined with ", " (RFC 9110), in order.
    joined = {"host": "x", "x-forwarded-for": "198.51.100.66, 203.0.113.7, 10.9.9.9"}
    assert resolve_request_origin(joined, "10.0.0.2", PROXIES).client_ip == "203.0.113.7"


def test_when_every_forwarded_address_is_a_proxy_the_left_most_one_is_the_client() -> None:
    headers = {"host": "x", "x-forwarded-for": "10.0.0.9, 192.0.2.1"}
    assert resolve_request_origin(headers, "10.0.0.2", PROXIES).client_ip == "10.0.0.9"
    assert resolve_request_origin({"host": "x"}, "10.0.0.2", PROXIES).client_ip == "10.0.0.2"


def test_garbage_in_x_forwarded_for_stops_at_the_proxy_that_passed_it_on() -> None:
    headers = {"host": "x", "x-forwarded-for": "203.0.113.7, not-an-ip, 192.0.2.1"}
    assert resolve_request_origin(headers, "10.0.0.2", PROXIES).client_ip == "192.0.2.1"


def test_addresses_with_ports_ipv6_and_mapped_ipv4() -> None:
    assert resolve_request_origin(
        {"x-forwarded-for": "203.0.113.7:51234"}, "10.0.0.1", PROXIES
    ).client_ip == ("203.0.113.7")
    v6 = resolve_request_origin({"x-forwarded-for": "[2001:db8::7]:443"}, "fd00::1", PROXIES)
    assert v6.client_ip == "2001:db8::7"
    mapped = resolve_request_origin({"x-forwarded-for": "203.0.113.7"}, "::ffff:10.0.0.1", PROXIES)
    assert mapped.client_ip == "203.0.113.7"  # an IPv4 proxy seen through a dual-stack socket


def test_the_nearest_proxy_wins_for_host_and_scheme_and_bad_values_fall_back() -> None:
    headers = {
        "host": "inner:3000",
        "x-forwarded-host": "evil.example, acme.example",
        "x-forwarded-proto": "http",
    }
    origin = resolve_request_origin(headers, "10.0.0.1", PROXIES, default_scheme="https")
    assert (origin.host, origin.scheme) == ("acme.example", "http")
    junk = {"host": "inner:3000", "x-forwarded-host": "acme.example/path", "x-forwarded-proto": "gopher"}
    origin = resolve_request_origin(junk, "10.0.0.1", PROXIES, default_scheme="https")
    assert (origin.host, origin.scheme) == ("inner:3000", "https")


def test_trusted_proxies_setting_is_checked_at_start() -> None:
    assert load_settings(trusted_proxies="").trusted_proxy_networks == ()
    assert [str(n) for n in load_settings(trusted_proxies="10.0.0.0/8,::1").trusted_proxy_networks] == [
        "10.0.0.0/8",
        "::1/128",
    ]
    with pytest.raises(SettingsError, match=r"TRUSTED_PROXIES: .*'10\.0\.0\.300' is not an IP address"):
        load_settings(trusted_proxies="10.0.0.1, 10.0.0.300")


@pytest.fixture
def trusting_10_8(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _request(peer: str, headers: dict[str, str], scheme: str = "http") -> Request:
    raw = [(name.encode(), value.encode()) for name, value in headers.items()]
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": raw,
        "client": (peer, 5555),
        "scheme": scheme,
    }
    return Request(scope)


def test_the_api_context_uses_it(trusting_10_8: None) -> None:
    via_proxy = _request(
        "10.0.0.1", {**SPOOFED, "x-forwarded-host": "acme.example", "x-forwarded-for": "203.0.113.7"}
    )
    context = api_request_context(via_proxy)
    assert (context.host, context.scheme, context.ip_address) == ("acme.example", "https", "203.0.113.7")
    direct = api_request_context(_request("203.0.113.8", SPOOFED, scheme="https"))
    assert (direct.host, direct.scheme, direct.ip_address) == (
        "console.internal:3000",
        "https",
        "203.0.113.8",
    )


def test_the_api_joins_repeated_forwarded_for_headers(trusting_10_8: None) -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"host", b"x"), (b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-for", b"10.0.0.5")],
        "client": ("10.0.0.1", 1),
    }
    assert api_request_context(Request(scope)).ip_address == "203.0.113.7"


def test_the_page_context_uses_it(trusting_10_8: None) -> None:
    from billing_console.state.session import SessionState
    from billing_console.state.session import request_context as page_request_context
    from tests.console.test_identity_states import state_for

    forwarded = {**SPOOFED, "x-forwarded-host": "acme.example", "x-forwarded-for": "203.0.113.7"}
    state = state_for(SessionState, "console.internal:3000", None, ip="10.0.0.1", headers=forwarded)
    context = page_request_context(state)
    assert (context.host, context.scheme, context.ip_address) == ("acme.example", "https", "203.0.113.7")
    spoofed = state_for(SessionState, "console.internal:3000", None, ip="203.0.113.8", headers=forwarded)
    context = page_request_context(spoofed)
    assert (context.host, context.scheme, context.ip_address) == (
        "console.internal:3000",
        "http",
        "203.0.113.8",
    )


def _echo_app() -> Any:
    """Pages under trailing-slash paths (as Reflex serves them) and what a handler sees of the request."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket

    def seen(connection: Any) -> dict[str, Any]:
        headers = dict(connection.headers)
        forwarded = sorted(name for name in headers if name.startswith("x-forwarded"))
        return {"url": str(connection.url), "client": connection.client.host, "forwarded": forwarded}

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(seen(websocket))
        await websocket.close()

    routes = [
        Route("/register/", lambda request: PlainTextResponse("register")),
        Route("/echo", lambda request: JSONResponse(seen(request))),
        WebSocketRoute("/_event", echo),
    ]
    return ForwardedHeaders(Starlette(routes=routes))


def _client(peer: str) -> Any:
    from starlette.testclient import TestClient

    return TestClient(_echo_app(), base_url="http://console.internal:3000", client=(peer, 4711))


FROM_PROXY = {
    "x-forwarded-host": "alpha.example",
    "x-forwarded-proto": "https",
    "x-forwarded-for": "203.0.113.7",
}


def test_behind_a_trusted_proxy_redirects_keep_the_browsers_scheme_and_host(trusting_10_8: None) -> None:
    """An email link to /register must not be redirected to http:// (Reflex serves /register/)."""
    response = _client("10.0.0.1").get("/register", headers=FROM_PROXY, follow_redirects=False)
    assert response.headers["location"] == "https://alpha.example/register/"
    direct = _client("203.0.113.9").get("/register", headers=FROM_PROXY, follow_redirects=False)
    assert direct.headers["location"] == "http://console.internal:3000/register/"


def test_the_middleware_hands_on_the_browsers_request_and_drops_what_it_used(trusting_10_8: None) -> None:
    seen = _client("10.0.0.1").get("/echo", headers=FROM_PROXY).json()
    assert seen == {"url": "https://alpha.example/echo", "client": "203.0.113.7", "forwarded": []}
    spoofed = _client("203.0.113.9").get("/echo", headers=FROM_PROXY).json()
    assert spoofed["url"] == "http://console.internal:3000/echo" and spoofed["client"] == "203.0.113.9"
    assert spoofed["forwarded"] == ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"]  # untouched
    with _client("10.0.0.1").websocket_connect("/_event", headers=FROM_PROXY) as socket:
        assert socket.receive_json() == {
            "url": "wss://alpha.example/_event",
            "client": "203.0.113.7",
            "forwarded": [],
        }
