"""The API and the websocket as the running console serves them, over real HTTP.

In the console the Reflex frontend is mounted behind the API, so a path the API does not know falls
through to the pages unless the API claims all of /api: these checks need the composed server, not
`create_api()` alone. Bad cookies are tried on the real websocket handshake too.
"""

from __future__ import annotations

import secrets

import httpx
import pytest

from billing_console.routes import LOGIN
from billing_console.state.account import AccountState
from tests.browser.conftest import RunningConsole
from tests.security.api_world import PROBLEM_JSON
from tests.security.console_socket import ConsoleSocket, handler_name

pytestmark = pytest.mark.browser  # needs the production build (no Chromium is driven)


def media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip()


@pytest.mark.parametrize("path", ["/api/v1/no-such-route", "/api/no-such-route", "/api/v1/me/no-such-thing"])
def test_an_unknown_api_path_is_a_404_problem_not_a_page(console: RunningConsole, path: str) -> None:
    response = httpx.get(f"{console.base_url}{path}", follow_redirects=False)
    assert (response.status_code, media_type(response)) == (404, PROBLEM_JSON)
    assert response.json()["status"] == 404


@pytest.mark.parametrize(("method", "path"), [("DELETE", "/api/health"), ("GET", "/api/auth/logout")])
def test_a_wrong_method_is_a_405_problem(console: RunningConsole, method: str, path: str) -> None:
    response = httpx.request(method, f"{console.base_url}{path}", follow_redirects=False)
    assert (response.status_code, media_type(response)) == (405, PROBLEM_JSON)
    assert response.headers.get("allow")


def test_a_missing_token_is_a_401_problem(console: RunningConsole) -> None:
    response = httpx.get(f"{console.base_url}/api/v1/me")
    assert (response.status_code, media_type(response)) == (401, PROBLEM_JSON)


@pytest.mark.parametrize(
    "cookie",
    ["bc_session=" + secrets.token_urlsafe(32), "bc_session=" + secrets.token_urlsafe(6144), "bc_session="],
    ids=["forged", "oversized (8 KB)", "empty"],
)
def test_a_bad_cookie_on_the_real_websocket_opens_no_page(console: RunningConsole, cookie: str) -> None:
    socket = ConsoleSocket(console.base_url, cookie)
    try:
        reply = socket.call(handler_name(AccountState, "load"), path="/account")
    finally:
        socket.close()
    assert reply.redirects() == [LOGIN]
    assert not reply.values(AccountState).get("tokens")
