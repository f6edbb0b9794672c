"""Revenue analytics in Chromium (issue 16): an admin opens /admin/revenue, changes the range, shows
a chart as a table, downloads its CSV and opens the lists behind figures; the overview shows the
MRR trend leading there.

A tenant of its own ("revshop", on revshop.localhost) holds the hand-computed world of
tests/reporting/revenue_world.py (figures in its docstring), so the demo's figures stay as the
other journeys expect them. The console's "now" is 12 Nov 2026: nothing changed since May.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from backend import clock
from backend.db import make_engine, unit_of_work
from backend.identity.users import create_user
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import UserRole
from backend.settings import load_settings
from backend.tenancy.service import create_tenant
from tests.browser.conftest import RunningConsole
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_subscription_journeys import no_overflow_at_390
from tests.conftest import DEMO_AS_OF
from tests.reporting.revenue_world import populate

pytestmark = pytest.mark.browser

ADMIN, PASSWORD = "admin@revshop.example", "Revshop-pass-2026"


@dataclass(frozen=True)
class RevShop:
    host: str


@pytest.fixture(scope="module")
def revshop(console: RunningConsole) -> RevShop:
    port = console.base_url.rsplit(":", 1)[1]
    host = f"revshop.localhost:{port}"
    engine = make_engine(console.database_url)
    try:
        with clock.frozen(DEMO_AS_OF), unit_of_work(engine) as session:
            tenant = create_tenant(session, slug="revshop", name="Revshop", settings=load_settings())
            TenantDirectory(session).add_host(tenant.id or 0, host)
            create_user(
                session, TenantScope(tenant.id or 0), email=ADMIN, password=PASSWORD, role=UserRole.ADMIN
            )
            populate(session, tenant.id or 0)
        return RevShop(host)
    finally:
        engine.dispose()


@pytest.fixture
def admin(browser: Browser, revshop: RevShop) -> Iterator[Page]:
    context = browser.new_context(base_url=f"http://{revshop.host}", accept_downloads=True)  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    sign_in(tab, ADMIN, PASSWORD)
    expect(tab).to_have_url(re.compile(r".*/admin/?$"))
    yield tab
    context.close()


def test_admin_reads_revenue_changes_the_range_and_opens_the_lists_behind_figures(admin: Page) -> None:
    # The overview's MRR trend: 49.30 EUR since May (12 + 20 + 7.30 + 10), leading to the revenue page.
    trend = admin.locator("#overview-mrr-trend")
    expect(trend).to_contain_text("49.30 EUR")
    expect(trend.locator(".js-plotly-plot")).to_be_visible()
    no_overflow_at_390(admin, "admin-overview-mrr-trend")
    admin.locator("#to-revenue").click()
    expect(admin).to_have_url(re.compile(r".*/admin/revenue/?$"))
    expect(admin.locator("#revenue-headline")).to_contain_text("49.30 EUR")
    expect(admin.locator("#turnover .js-plotly-plot")).to_be_visible()
    no_overflow_at_390(admin, "admin-revenue")

    # March to May only: the headline reads the end of May; ARR 49.30 x 12 = 591.60
    admin.locator("#first-day").fill("2026-03-01")
    admin.locator("#last-day").fill("2026-05-31")
    admin.locator("#apply-range").click()
    headline = admin.locator("#revenue-headline")
    expect(headline).to_contain_text("at the end of 2026-05")
    expect(headline).to_contain_text("591.60 EUR")

    # The turnover as a table: March 300.00 net (I1 100 + I2 200), April 0.00, May 10.00
    admin.locator("#toggle-turnover").click()
    turnover = admin.locator("#turnover")
    expect(turnover.locator("table")).to_contain_text("2026-03-01")
    expect(turnover.locator("tbody tr")).to_have_count(3)
    expect(turnover.locator("tbody tr").first).to_contain_text("300.00")

    with admin.expect_download() as download:
        admin.locator("#csv-turnover").click()
    lines = open(download.value.path(), encoding="utf-8").read().splitlines()  # noqa: SIM115 - read at once
    assert lines[0].startswith("bucket,invoiced_net,invoiced_gross")
    assert lines[1:] == [
        "2026-03-01,300.00,319.00,0.00,0.00,300.00,319.00,2,0",
        "2026-04-01,50.00,59.50,50.00,59.50,0.00,0.00,1,1",
        "2026-05-01,30.00,36.00,20.00,23.80,10.00,12.20,1,1",
    ]

    # March's documents: I2 (31 Mar) and I1 (2 Mar), each leading to its invoice
    turnover.get_by_role("button", name="2026-03-01").click()
    drill = admin.locator("#revenue-drill")
    expect(drill).to_contain_text("Issued in the period from 2026-03-01")
    expect(drill.locator("tbody tr")).to_have_count(2)
    expect(drill.get_by_role("link", name="I2")).to_have_attribute("href", "/admin/invoices/I2")

    # April's churn: Gamma's weekly plan, 13.00 a month
    admin.locator("#toggle-mrr").click()
    admin.locator("#mrr tbody tr").nth(1).get_by_role("button", name="13.00").click()
    expect(drill).to_contain_text("Churn in 2026-04")
    expect(drill).to_contain_text("Gamma")
    expect(drill).to_contain_text("13.00 EUR")
    no_overflow_at_390(admin, "admin-revenue-tables")
