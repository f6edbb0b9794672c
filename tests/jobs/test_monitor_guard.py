"""`AdminOnly`, the guard in front of the job monitor: other sites get nothing, refused browsers get
the console's page. (tests/jobs/test_dashboard.py runs it with the real dashboard and sessions.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.testclient import TestClient

from jobs.dashboard import AdminOnly

SECRET = {"jobs": ["billing:42"]}


async def allow(_request: Request) -> bool:
    return True


async def refuse(_request: Request) -> bool:
    return False


def guarded(authorize: object, refused_page: Path | None = None) -> TestClient:
    api = FastAPI()
    api.mount("/admin/queues", AdminOnly(JSONResponse(SECRET), authorize, refused_page))  # type: ignore[arg-type]
    return TestClient(api, base_url="http://billing.acme.example")


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},  # a fetch() from another site
        {"Origin": "http://billing.acme.example.evil.example"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},  # <script src=...> elsewhere
        {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"},  # another tenant's host
    ],
)
def test_other_sites_cannot_read_the_monitor_even_for_an_admin(headers: dict[str, str]) -> None:
    response = guarded(allow).get("/admin/queues/jobs/json", headers=headers)
    assert response.status_code == 403
    assert "billing:42" not in response.text


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "http://billing.acme.example"},
        {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},  # a link from an email
        {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"},  # typed into the address bar
    ],
)
def test_the_admin_reads_it_from_this_site_or_by_following_a_link(headers: dict[str, str]) -> None:
    response = guarded(allow).get("/admin/queues/jobs/json", headers=headers)
    assert response.status_code == 200
    assert response.json() == SECRET


def test_a_refused_browser_gets_the_consoles_page_with_403(tmp_path: Path) -> None:
    page = tmp_path / "spa.html"
    page.write_text("<!doctype html><div id=root>the console's frontend</div>")
    client = guarded(refuse, page)
    browser = client.get("/admin/queues/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert browser.status_code == 403
    assert browser.headers["content-type"].startswith("text/html")
    assert "the console's frontend" in browser.text
    script = client.get("/admin/queues/jobs/json", headers={"Accept": "application/json"})
    assert script.status_code == 403
    assert "frontend" not in script.text and "/login" in script.text


def test_without_a_frontend_build_the_refusal_is_a_short_page(tmp_path: Path) -> None:
    client = guarded(refuse, tmp_path / "not-built.html")
    response = client.get("/admin/queues/", headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert '<a href="/login">' in response.text
