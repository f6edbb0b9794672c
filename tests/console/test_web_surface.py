"""The web app's surface as `create_web_api` builds it: CORS, security headers, the offline API docs
and the websocket's origin rule, over real HTTP (Starlette's TestClient)."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import socketio
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.websockets import WebSocketDisconnect

from backend.api.cors import same_origin, websocket_origin_check
from backend.api.headers import SecurityHeaders
from backend.settings import get_settings

EVIL = "https://evil.example"
APP_ORIGIN = "https://app.example"


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The web role's app without Redis (the job monitor answers 503) and with one API origin allowed."""
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", f"{APP_ORIGIN}, http://localhost:5173")
    get_settings.cache_clear()
    from reflex.app import App

    from billing_console.billing_console import create_web_api

    api = create_web_api()
    App._add_cors(api)  # what Reflex does to the api_transformer when the server starts
    with TestClient(api) as client:
        yield client
    get_settings.cache_clear()


def cors_headers(response: object) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}  # type: ignore[attr-defined]


# --- CORS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/me"),
        ("POST", "/api/auth/logout"),
        ("GET", "/api/docs"),
        ("GET", "/api/openapi.json"),
        ("GET", "/admin/queues/"),
    ],
)
def test_another_origin_gets_no_cors_headers(web: TestClient, method: str, path: str) -> None:
    response = web.request(method, path, headers={"Origin": EVIL})
    assert cors_headers(response) == {}


def test_a_preflight_from_another_origin_is_not_granted(web: TestClient) -> None:
    for path in ("/api/v1/me", "/api/auth/session", "/admin/queues/queues/mail"):
        preflight = web.options(path, headers={"Origin": EVIL, "Access-Control-Request-Method": "DELETE"})
        assert "access-control-allow-origin" not in preflight.headers
        assert "access-control-allow-credentials" not in preflight.headers


def test_an_allow_listed_origin_may_call_api_v1_with_a_token_but_never_with_credentials(
    web: TestClient,
) -> None:
    response = web.get("/api/v1/me", headers={"Origin": APP_ORIGIN})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "access-control-allow-credentials" not in response.headers
    preflight = web.options(
        "/api/v1/admin/users/1/lock",
        headers={
            "Origin": APP_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "access-control-allow-credentials" not in preflight.headers
    second = web.get("/api/v1/me", headers={"Origin": "http://localhost:5173"})
    assert second.headers["access-control-allow-origin"] == "http://localhost:5173"


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/auth/logout"), ("GET", "/admin/queues/")])
def test_an_allow_listed_origin_gets_nothing_outside_api_v1(web: TestClient, method: str, path: str) -> None:
    assert cors_headers(web.request(method, path, headers={"Origin": APP_ORIGIN})) == {}


# --- The websocket's origin ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "host", "expected"),
    [
        ("http://127.0.0.1:3000", "127.0.0.1:3000", True),
        ("http://acme.localhost:3000", "acme.localhost:3000", True),
        ("https://billing.acme.example", "billing.acme.example", True),
        ("https://billing.acme.example", "billing.acme.example:443", True),
        ("http://[::1]:3000", "[::1]:3000", True),
        ("https://BILLING.acme.example", "billing.acme.example", True),
        ("https://evil.example", "billing.acme.example", False),
        ("https://billing.acme.example.evil.example", "billing.acme.example", False),
        ("http://acme.localhost:3001", "acme.localhost:3000", False),
        ("http://beta.localhost:3000", "acme.localhost:3000", False),
        ("null", "acme.localhost:3000", False),
        ("file://", "acme.localhost:3000", False),
        (None, "acme.localhost:3000", False),
        ("http://acme.localhost:3000", None, False),
    ],
)
def test_same_origin_compares_host_and_port(origin: str | None, host: str | None, expected: bool) -> None:
    assert same_origin(origin, host) is expected


def _socket_app() -> socketio.ASGIApp:
    """A python-socketio server set up like the console's (websocket transport, our origin check)."""
    server = socketio.AsyncServer(
        async_mode="asgi", transports=["websocket"], cors_allowed_origins=websocket_origin_check
    )
    return socketio.ASGIApp(server, socketio_path="_event")


@pytest.mark.parametrize("host", ["127.0.0.1:3000", "acme.localhost:3000", "billing.beta.example"])
def test_the_websocket_opens_from_a_page_of_any_host_it_is_served_on(host: str) -> None:
    client = TestClient(_socket_app(), base_url=f"http://{host}")
    with client.websocket_connect(
        "/_event/?EIO=4&transport=websocket",
        headers={"Origin": f"http://{host}", "Host": host, "Upgrade": "websocket"},
    ) as socket:
        assert socket.receive_text().startswith("0{")  # engine.io's open packet


@pytest.mark.parametrize("origin", [EVIL, "http://beta.localhost:3000", "null"])
def test_the_websocket_refuses_a_page_of_another_origin(origin: str) -> None:
    client = TestClient(_socket_app(), base_url="http://acme.localhost:3000")
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(
            "/_event/?EIO=4&transport=websocket",
            headers={"Origin": origin, "Host": "acme.localhost:3000", "Upgrade": "websocket"},
        ) as socket,
    ):
        socket.receive_text()


def test_the_public_url_may_open_the_websocket_on_another_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """`run --dev`: pages on PUBLIC_URL (port 3000), the backend on another port; nobody else."""
    monkeypatch.setenv("PUBLIC_URL", "http://localhost:3000")
    get_settings.cache_clear()
    try:
        backend = {"HTTP_HOST": "localhost:8000"}
        assert websocket_origin_check("http://localhost:3000", backend)
        assert not websocket_origin_check("http://localhost:3001", backend)
        assert not websocket_origin_check(EVIL, backend)
        # ...and only on PUBLIC_URL's own host, not on a tenant's host.
        assert not websocket_origin_check("http://localhost:3000", {"HTTP_HOST": "acme.localhost:3000"})
    finally:
        get_settings.cache_clear()


def test_the_console_app_uses_the_origin_check_and_no_reflex_cors() -> None:
    from reflex.app import App

    from billing_console.billing_console import app

    assert app.sio is not None and app.sio.eio.cors_allowed_origins is websocket_origin_check
    probe = Starlette()
    App._add_cors(probe)
    assert probe.user_middleware == []


# --- Security headers ---------------------------------------------------------------------------


def directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {name: rest for name, rest in parts}


def test_every_response_forbids_framing_sniffing_and_leaking_the_address(web: TestClient) -> None:
    for path in ("/api/v1/me", "/api/docs", "/admin/queues/", "/no-such-page"):
        headers = web.get(path).headers
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in headers["permissions-policy"]
        assert directives(headers["content-security-policy"])["frame-ancestors"] == "'none'"
        assert "strict-transport-security" not in headers  # plain http


def test_the_api_loads_nothing_and_the_docs_run_no_inline_script(web: TestClient) -> None:
    api = directives(web.get("/api/v1/me").headers["content-security-policy"])
    assert api == {"default-src": "'none'", "frame-ancestors": "'none'"}
    docs = directives(web.get("/api/docs").headers["content-security-policy"])
    assert docs["script-src"] == "'self'"
    assert docs["connect-src"] == "'self'"
    queues = directives(web.get("/admin/queues/").headers["content-security-policy"])
    assert queues["script-src"] == "'self' 'unsafe-inline'"  # rq-dashboard-fast's own templates
    assert queues["object-src"] == "'none'"


def test_hsts_when_served_over_https(web: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    https = TestClient(web.app, base_url="https://billing.acme.example")
    assert https.get("/api/v1/me").headers["strict-transport-security"] == "max-age=31536000"
    monkeypatch.setenv("PUBLIC_URL", "https://billing.acme.example")
    get_settings.cache_clear()
    from billing_console.billing_console import create_web_api

    behind_proxy = TestClient(create_web_api())  # TLS ends at the proxy: PUBLIC_URL says https
    assert behind_proxy.get("/api/v1/me").headers["strict-transport-security"] == "max-age=31536000"


def _pages(build: Path) -> TestClient:
    """A frontend build served behind the headers middleware, like Reflex's pages."""

    async def page(request: object) -> HTMLResponse:
        return HTMLResponse((build / "index.html").read_text())

    app = Starlette(routes=[Route("/{path:path}", page)])
    return TestClient(
        SecurityHeaders(app, public_url="http://x", frontend_build=build),
        base_url="http://acme.localhost:3000",
    )


def sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def test_pages_may_run_the_inline_scripts_of_the_build_and_nothing_else(tmp_path: Path) -> None:
    build = tmp_path / "client"
    (build / "login").mkdir(parents=True)
    theme = "document.documentElement.classList.add('dark')"
    hydrate = 'import "/assets/root.js";\nwindow.__ctx = {"a": 1};'
    (build / "index.html").write_text(
        f'<html><head><script>{theme}</script><script src="/assets/app.js"></script></head>'
        f'<body><script type="module" async="">{hydrate}</script></body></html>'
    )
    (build / "login" / "index.html").write_text('<script>$RC("B:1","S:1")</script>')
    policy = directives(_pages(build).get("/login").headers["content-security-policy"])
    script_src = policy["script-src"].split()
    assert script_src[:2] == ["'self'", "'unsafe-eval'"]
    assert sorted(script_src[2:]) == sorted([sha256(theme), sha256(hydrate), sha256('$RC("B:1","S:1")')])
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["connect-src"] == "'self' ws://acme.localhost:3000 wss://acme.localhost:3000"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    # A new build (Reflex rebuilds when the web role starts) brings its own scripts.
    os.rename(build, tmp_path / "old")
    build.mkdir()
    (build / "index.html").write_text("<script>window.rebuilt = true</script>")
    rebuilt = directives(_pages(build).get("/").headers["content-security-policy"])["script-src"]
    assert sha256("window.rebuilt = true") in rebuilt and sha256(theme) not in rebuilt


def test_a_forged_host_header_cannot_write_into_the_policy(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>page</p>")
    response = _pages(tmp_path).get("/", headers={"Host": "x; script-src *"})
    assert directives(response.headers["content-security-policy"])["connect-src"] == "'self'"


# --- Offline API docs ---------------------------------------------------------------------------


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [value for name, value in attrs if name in {"src", "href", "spec-url"} and value]
        self.urls += [found["data-openapi-url"]] if found.get("data-openapi-url") else []
        if tag == "script" and "src" not in found:
            self.inline_scripts += 1


@pytest.mark.parametrize("path", ["/api/docs", "/api/redoc"])
def test_the_api_docs_reference_only_files_the_console_serves(web: TestClient, path: str) -> None:
    page = web.get(path)
    assert page.status_code == 200
    references = _References()
    references.feed(page.text)
    assert references.inline_scripts == 0
    assert "/api/openapi.json" in references.urls
    assert references.urls, "the page references its assets"
    for url in references.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        if url.startswith("/api/"):
            asset = web.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 20, url


def test_the_docs_bundles_are_the_packaged_swagger_ui_and_redoc(web: TestClient) -> None:
    swagger = web.get("/api/docs/assets/swagger-ui-bundle.js")
    assert swagger.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "SwaggerUIBundle" in swagger.text
    assert "Redoc" in web.get("/api/docs/assets/redoc.standalone.js").text
    assert web.get("/api/docs/assets/../../settings.py").status_code == 404
    assert web.get("/api/docs/assets/nothing.js").status_code == 404
    # FastAPI's own CDN pages are gone.
    assert web.get("/redoc").status_code == 404
    assert web.get("/docs").status_code == 404
