"""The running console's surface: pages work under the CSP, the API docs render from the console
alone, and no other origin gets CORS headers or the websocket (checked over the wire)."""

from __future__ import annotations

import http.client
import re
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from backend.demo.service import ADMIN_LOGIN, CUSTOMER_LOGIN
from tests.browser.conftest import API_CLIENT_ORIGIN, RunningConsole, save_screenshots
from tests.browser.test_console_smoke import sign_in

pytestmark = pytest.mark.browser

EVIL = "https://evil.example"
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""


@pytest.fixture
def csp_violations(page: Page) -> Iterator[list[str]]:
    """What the browser refused under the CSP on any page `page` loads: events and console reports."""
    violations: list[str] = []

    def report(text: str) -> None:
        violations.append(text)

    page.expose_function("reportCspViolation", report)
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(message.text),
    )
    yield violations


def script_src(page: Page, path: str) -> str:
    response = page.goto(path)
    assert response is not None
    policy = response.headers["content-security-policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("script-src"))


def test_sign_in_dashboard_and_admin_pages_work_under_the_csp(page: Page, csp_violations: list[str]) -> None:
    scripts = script_src(page, "/login")
    assert scripts.startswith("script-src 'self' 'unsafe-eval' 'sha256-")
    assert "'unsafe-inline'" not in scripts
    sign_in(page, *CUSTOMER_LOGIN)  # signing in runs a script through Reflex's eval
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    expect(page.locator("#open-balance")).to_contain_text("64.94 EUR")
    page.locator("#account-link").click()
    expect(page).to_have_url(re.compile(r".*/account/?$"))
    page.locator("#sign-out").click()
    expect(page).to_have_url(re.compile(r".*/login/?$"))
    sign_in(page, *ADMIN_LOGIN)
    expect(page.locator("#admin-overview")).to_contain_text("Unpaid invoices")
    page.locator("#color-mode-toggle").click()  # the colour mode switch and its stored choice
    page.reload()
    expect(page.locator("#admin-overview")).to_be_visible()
    assert csp_violations == []
    # What the policy is for: a script injected into the page does not run, and is reported.
    page.evaluate(
        "const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        "document.body.appendChild(s)"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.injected") is None
    assert [v for v in csp_violations if v.startswith("script-src")], csp_violations


def test_the_api_docs_render_from_the_console_alone(
    page: Page, console: RunningConsole, csp_violations: list[str]
) -> None:
    elsewhere: list[str] = []

    def same_origin_only(route: Route) -> None:
        if route.request.url.startswith(console.base_url):
            route.continue_()
        else:  # as on a machine without internet
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", same_origin_only)
    page.goto("/api/docs")
    operation = page.locator("#operations-v1-me_api_v1_me_get")  # not /api/v1/members
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    expect(page.locator(".opblock-body").first).to_contain_text("Responses")
    save_screenshots(page, "api-docs")
    page.goto("/api/redoc")
    expect(page.locator("h1", has_text="Billing Console API")).to_be_visible()
    expect(page.get_by_role("menuitem").filter(has_text="Me").first).to_be_visible()
    assert elsewhere == []
    # ReDoc's sidebar asks cdn.redoc.ly for its logo and hides it when that fails: the CSP keeps
    # the docs from calling other sites, so that request is the one refusal expected.
    assert all("cdn.redoc.ly" in violation for violation in csp_violations), csp_violations


def _request(
    console: RunningConsole, method: str, path: str, headers: dict[str, str]
) -> http.client.HTTPResponse:
    parts = urlsplit(console.base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _cors(response: http.client.HTTPResponse) -> dict[str, str]:
    return {
        name.lower(): value
        for name, value in response.getheaders()
        if name.lower().startswith("access-control-")
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/login"),
        ("GET", "/dashboard/"),
        ("GET", "/no-such-page"),
        ("GET", "/admin/queues/"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/docs"),
        ("POST", "/api/auth/logout"),
        ("GET", "/ping"),
    ],
)
def test_no_other_origin_gets_cors_headers(console: RunningConsole, method: str, path: str) -> None:
    assert _cors(_request(console, method, path, {"Origin": EVIL})) == {}


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/auth/session", "/admin/queues/queues/mail", "/login"])
def test_no_preflight_from_another_origin_is_granted(console: RunningConsole, path: str) -> None:
    headers = {"Origin": EVIL, "Access-Control-Request-Method": "POST"}
    assert _cors(_request(console, "OPTIONS", path, headers)) == {}


def test_the_allow_listed_page_calls_api_v1_with_a_token_only(console: RunningConsole) -> None:
    preflight = _request(
        console,
        "OPTIONS",
        "/api/v1/me",
        {
            "Origin": API_CLIENT_ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status == 200
    assert preflight.getheader("access-control-allow-origin") == API_CLIENT_ORIGIN
    answer = _request(console, "GET", "/api/v1/me", {"Origin": API_CLIENT_ORIGIN})
    assert answer.status == 401
    assert answer.getheader("access-control-allow-origin") == API_CLIENT_ORIGIN
    assert answer.getheader("access-control-allow-credentials") is None
    assert _cors(_request(console, "POST", "/api/auth/logout", {"Origin": API_CLIENT_ORIGIN})) == {}


def websocket_handshake(console: RunningConsole, host: str, origin: str) -> str:
    """The status line the console answers a browser's websocket handshake with."""
    parts = urlsplit(console.base_url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=10) as connection:
        connection.sendall(
            (
                "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: {host}\r\nOrigin: {origin}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        return connection.recv(1024).split(b"\r\n", 1)[0].decode()


def test_the_websocket_opens_from_its_own_host_only(console: RunningConsole) -> None:
    port = urlsplit(console.base_url).port
    own = f"127.0.0.1:{port}"
    assert websocket_handshake(console, own, f"http://{own}").startswith("HTTP/1.1 101")
    tenant_host = f"acme.localhost:{port}"  # any host the console is served on, not a fixed list
    assert websocket_handshake(console, tenant_host, f"http://{tenant_host}").startswith("HTTP/1.1 101")
    assert not websocket_handshake(console, own, EVIL).startswith("HTTP/1.1 101")
    assert not websocket_handshake(console, tenant_host, f"http://{own}").startswith("HTTP/1.1 101")
