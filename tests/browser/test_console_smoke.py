"""Smoke test of the production build started by `billing-console run --seed-demo`, in Chromium.

The demo is seeded at `DEMO_AS_OF` (12 Nov 2026, the console's frozen clock); the figures are those
of the engine's invoices worked out in tests/demo/test_seed.py.
"""

from __future__ import annotations

import json
import re
import urllib.request
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from redis import Redis
from rq import Worker
from sqlmodel import Session

from backend.demo.service import ADMIN_LOGIN, CUSTOMER_LOGIN
from tests.browser.conftest import RunningConsole, save_screenshots

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
    expect(table).to_contain_text("Web Hosting Pro")  # upgraded from Monthly in June
    expect(table).to_contain_text("erika-web-01.demo-cloud.example")
    # Two unpaid invoices: November's (issued) and September's (overdue), each server 5.39 + backups
    # 2.00 + Pro 19.90 = 27.29 net + 19 % tax (1.02 + 0.38 + 3.78) = 32.47: 64.94 EUR.
    balance = page.locator("#open-balance")
    expect(balance).to_contain_text("64.94 EUR")
    expect(balance).to_contain_text("2 unpaid invoices")
    expect(balance).to_contain_text("1 overdue")
    save_screenshots(page, "customer-dashboard")


def test_wrong_password_shows_an_error_and_stays_on_login(page: Page) -> None:
    sign_in(page, CUSTOMER_LOGIN[0], "not-the-password")
    expect(page.locator("#login-error")).to_contain_text("Email or password is wrong")
    expect(page).to_have_url(re.compile(r".*/login/?$"))
    save_screenshots(page, "login-refused")


def test_admin_sees_the_overview(page: Page, console: RunningConsole) -> None:
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    overview = page.locator("#admin-overview")
    # The demo's two customers, and anyone the sign-up journey registered before this test ran.
    expect(overview).to_contain_text(f"Customers{_demo_customer_count(console)}")
    # The demo's seven less the canceled one are 6 while no journey has ordered, withdrawn or
    # canceled yet (journeys share this console and run in any order): the page shows the database's
    # running subscriptions, counted here by status with the statuses written out by hand.
    expect(overview).to_contain_text(f"Active subscriptions{_demo_running_subscription_count(console)}")
    # Unpaid: Erika 2 x 32.47 EUR (November issued, September overdue) + Nordwind's August invoice
    # 54.39 EUR (server 5.39 + retainer 49.00, reverse charge, overdue) = 119.33 EUR, plus the
    # invoice the payment-link journey issues if it ran first (due in 7 days, so not overdue).
    linked, linked_total = _payment_link_invoices(console)
    expect(overview).to_contain_text(f"Unpaid invoices{3 + linked}")
    expect(overview).to_contain_text("Overdue invoices2")
    expect(overview).to_contain_text(f"{Decimal('119.33') + linked_total} EUR")
    # Paid since 13 October: Nordwind's November invoice (54.39 EUR, paid on 2 November).
    expect(overview).to_contain_text("Paid in the last 30 days54.39 EUR")
    save_screenshots(page, "admin-overview")


def _payment_link_invoices(console: RunningConsole) -> tuple[int, Decimal]:
    """The demo tenant's unpaid invoices that a payment link was issued for, and their balance."""
    from sqlalchemy import select

    from backend.db import make_engine
    from backend.models import Invoice, InvoiceStatus, PaymentLink
    from backend.tenancy.service import scope_for_slug

    engine = make_engine(console.database_url)
    try:
        with Session(engine) as session:
            tenant_id = scope_for_slug(session, "demo").tenant_id
            linked = select(PaymentLink.invoice_id).where(PaymentLink.tenant_id == tenant_id)
            statement = select(Invoice.balance_due).where(
                Invoice.tenant_id == tenant_id,
                Invoice.status.in_([InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE]),
                Invoice.id.in_(linked),
            )
            balances = list(session.scalars(statement))
            return len(balances), sum(balances, Decimal(0)).quantize(Decimal("0.01"))
    finally:
        engine.dispose()


def _demo_customer_count(console: RunningConsole) -> int:
    from sqlalchemy import func, select

    from backend.db import make_engine
    from backend.models import CustomerAccount
    from backend.tenancy.service import scope_for_slug

    engine = make_engine(console.database_url)
    try:
        with Session(engine) as session:
            tenant_id = scope_for_slug(session, "demo").tenant_id
            statement = select(func.count()).where(CustomerAccount.tenant_id == tenant_id)
            return int(session.scalar(statement) or 0)
    finally:
        engine.dispose()


def _demo_running_subscription_count(console: RunningConsole) -> int:
    from sqlalchemy import func, select

    from backend.db import make_engine
    from backend.models import Subscription
    from backend.tenancy.service import scope_for_slug

    running = ("trialing", "active", "pending_cancel", "past_due")  # "Active, trial or ending"
    engine = make_engine(console.database_url)
    try:
        with Session(engine) as session:
            tenant_id = scope_for_slug(session, "demo").tenant_id
            statement = select(func.count()).where(
                Subscription.tenant_id == tenant_id, Subscription.status.in_(running)
            )
            return int(session.scalar(statement) or 0)
    finally:
        engine.dispose()


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
