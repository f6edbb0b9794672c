"""The REST API as the web process serves it: our FastAPI app with Reflex's app mounted inside.

`rx.App(api_transformer=api)` mounts Reflex's own app at "" inside ours, after our routes
(reflex/app.py: `api_transformer.mount("", asgi_app)`). `composed` does the same with a stand-in
that answers like Reflex's frontend mount, so a request that falls through to Reflex shows.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from backend.api.app import create_api
from backend.kit import passwords
from backend.settings import get_settings

REFLEX_PAGE = "<!doctype html><title>Reflex page</title>"


async def reflex_stand_in(scope: Scope, receive: Receive, send: Send) -> None:
    """What Reflex answers for a path it does not know: its HTML page."""
    await HTMLResponse(REFLEX_PAGE, status_code=404)(scope, receive, send)


def composed(api: FastAPI | None = None) -> FastAPI:
    api = api or create_api()
    if not any(isinstance(route, Mount) and route.path == "" for route in api.router.routes):
        api.mount("", reflex_stand_in)
    return api


def client(host: str, api: FastAPI | None = None, **options: Any) -> TestClient:
    """A client of the composed app on `host`, from an address of its own (rate limits count per IP)."""
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    return TestClient(composed(api), base_url=f"http://{host}", client=(address, 50000), **options)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def problem_of(response: Any, status: int) -> dict[str, Any]:
    """The problem document of `response`, checked against RFC 9457's members."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str) and isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The identity world hashes four passwords per test that nobody signs in with here."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set environment variables for the settings, read again at once."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()
