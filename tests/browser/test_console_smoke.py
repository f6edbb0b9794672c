"""Smoke test of the production build started by `billing-console run --seed-demo`, in Chromium."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from redis import Redis
from rq import Worker

from backend.services.demo import ADMIN_LOGIN, CUSTOMER_LOGIN
from tests.browser.conftest import RunningConsole

pytestmark = pytest.mark.browser


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()


def test_customer_signs_in_and_sees_the_seeded_dashboard(page: Page) -> None:
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    expect(page.locator("#current-user")).to_contain_text("Erika Mustermann")
    table = page.locator("#subscriptions-table")
    expect(table).to_contain_text("Cloud Server CX22")
    expect(table).to_contain_text("Web Hosting Monthly")
    expect(table).to_contain_text("erika-web-01.demo-cloud.example")
    # Two unpaid demo invoices: last month's (20.57 EUR) and an overdue one (20.57 EUR).
    expect(page.locator("#open-balance")).to_contain_text("41.14 EUR")


def test_wrong_password_shows_an_error_and_stays_on_login(page: Page) -> None:
    sign_in(page, CUSTOMER_LOGIN[0], "not-the-password")
    expect(page.locator("#login-error")).to_contain_text("Email or password is wrong")
    expect(page).to_have_url(re.compile(r".*/login/?$"))


def test_admin_sees_the_overview(page: Page) -> None:
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    overview = page.locator("#admin-overview")
    expect(overview).to_contain_text("Customers2")
    # Unpaid demo invoices: 2 x 20.57 EUR (private customer) + 1 x 54.39 EUR (business customer).
    expect(overview).to_contain_text("Unpaid invoices3")
    expect(overview).to_contain_text("95.53 EUR")


def test_a_customer_opening_an_admin_url_is_sent_away(page: Page) -> None:
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.goto("/admin")
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    expect(page.locator("#admin-overview")).to_have_count(0)


def test_anonymous_visitors_are_sent_to_login(page: Page) -> None:
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r".*/login/?$"))


def test_health_api_shares_the_port_and_worker_and_scheduler_run(console: RunningConsole) -> None:
    with urllib.request.urlopen(f"{console.base_url}/api/health", timeout=10) as response:
        body: dict[str, Any] = json.load(response)
    assert body["status"] == "ok", body
    assert body["redis"]["ok"] and body["database"]["ok"]
    redis_url = next(
        line.split(" at ", 1)[1].strip()
        for line in console.log.read_text().splitlines()
        if line.startswith("Embedded Redis at ")
    )
    workers = Worker.all(connection=Redis.from_url(redis_url))
    assert len(workers) == 1
