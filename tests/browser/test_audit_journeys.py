"""The admin's audit log in Chromium: filter it, open an entry's changes, download the filtered CSV.

A tenant of its own ("auditshop", on auditshop.localhost) keeps the demo's log as the other journeys
expect it. Its log holds, besides the admin's own sign-in: Otto (a second admin) voiding invoice
INV-AS-0001 (status issued -> void, balance 119.00 -> 0.00) two days before the demo's "now", and
the customer Cora changing her billing profile's city (Bonn -> Köln) a day before.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from backend import clock
from backend.audit import service as audit
from backend.audit.service import Actor
from backend.db import make_engine, unit_of_work
from backend.demo.service import ADMIN_LOGIN
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

pytestmark = pytest.mark.browser

ADMIN, OTTO, CORA, PASSWORD = (
    "ada@auditshop.example",
    "otto@auditshop.example",
    "cora@shop.example",
    "Audit-pass-2026",
)


@dataclass(frozen=True)
class AuditShop:
    host: str


@pytest.fixture(scope="module")
def auditshop(console: RunningConsole) -> AuditShop:
    port = console.base_url.rsplit(":", 1)[1]
    host = f"auditshop.localhost:{port}"
    engine = make_engine(console.database_url)
    try:
        with clock.frozen(DEMO_AS_OF - timedelta(days=2)) as frozen, unit_of_work(engine) as session:
            tenant = create_tenant(session, slug="auditshop", name="Auditshop", settings=load_settings())
            TenantDirectory(session).add_host(tenant.id or 0, host)
            scope = TenantScope(tenant.id or 0)
            create_user(session, scope, email=ADMIN, password=PASSWORD, role=UserRole.ADMIN)
            otto = create_user(session, scope, email=OTTO, password=PASSWORD, role=UserRole.ADMIN)
            cora = create_user(session, scope, email=CORA, password=PASSWORD, role=UserRole.CUSTOMER)
            audit.record(
                session, scope, Actor.admin(scope.tenant_id, user_id=otto.id), "invoice.void",
                object_type="invoice", object_id="INV-AS-0001",
                before={"status": "issued", "balance_due": "119.00"},
                after={"status": "void", "balance_due": "0.00", "reason": "Ordered twice"},
            )  # fmt: skip
            frozen.advance(timedelta(days=1))
            audit.record(
                session, scope, Actor(user_id=cora.id), "customer.profile_updated",
                object_type="customer_account", object_id="C-10001",
                before={"city": "Bonn"}, after={"city": "Köln"},
            )  # fmt: skip
        return AuditShop(host)
    finally:
        engine.dispose()


@pytest.fixture
def admin(browser: Browser, auditshop: AuditShop) -> Iterator[Page]:
    context = browser.new_context(base_url=f"http://{auditshop.host}", accept_downloads=True)  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def _choose(page: Page, trigger: str, option: str) -> None:
    page.locator(trigger).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_admin_filters_the_log_opens_a_change_and_downloads_the_filtered_csv(admin: Page) -> None:
    page = admin
    sign_in(page, ADMIN, PASSWORD)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.get_by_role("link", name="Audit log").first.click()
    expect(page).to_have_url(re.compile(r".*/admin/audit/?$"))
    entries = page.locator("#audit-entries")
    expect(entries).to_contain_text("Invoice voided")
    expect(entries).to_contain_text("Billing profile changed")
    expect(entries).to_contain_text("Signed in")  # Ada's own sign-in a moment ago
    no_overflow_at_390(page, "admin-audit")

    _choose(page, "#audit-action", "Invoice voided")
    expect(entries).not_to_contain_text("Billing profile changed")
    expect(entries).to_contain_text("INV-AS-0001")
    expect(entries).to_contain_text(OTTO)
    expect(page.get_by_text("1 entry", exact=False)).to_be_visible()

    diff = entries.locator(".audit-diff")
    expect(diff).to_be_hidden()
    entries.locator(".audit-summary").first.click()
    expect(diff).to_be_visible()
    status = diff.locator(".audit-change", has_text="Status")
    expect(status).to_contain_text("was")
    expect(status).to_contain_text("issued")
    expect(status).to_contain_text("void")
    expect(diff.locator(".audit-change", has_text="Balance due")).to_contain_text("119.00")
    expect(diff.locator(".audit-change", has_text="Reason")).to_contain_text("set to")
    no_overflow_at_390(page, "admin-audit-diff")

    with page.expect_download() as download:
        page.locator("#audit-csv").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0][1:4] == ["actor", "action", "action_code"]
    assert [(r[1], r[3], r[5]) for r in rows[1:]] == [(OTTO, "invoice.void", "INV-AS-0001")]
    assert rows[1][6] == "Status: issued -> void; Balance due: 119.00 -> 0.00; Reason: - -> Ordered twice"

    page.locator("#audit-clear").click()
    expect(entries).to_contain_text("Billing profile changed")
    page.locator("#audit-who").fill("cora")
    page.locator("#audit-search-go").click()
    expect(entries).not_to_contain_text("Invoice voided")
    expect(entries).to_contain_text("Billing profile changed")

    page.locator("#audit-who").fill("")
    page.locator("#audit-until").fill("2026-11-01")  # before anything happened in this tenant
    page.locator("#audit-search-go").click()
    expect(page.locator("#audit-empty")).to_contain_text("No entry matches")
    no_overflow_at_390(page, "admin-audit-empty")


def test_the_overviews_figures_lead_to_their_lists_and_the_jobs_read_in_words(page: Page) -> None:
    """On the demo (the default host): unpaid are Erika's INV-2026-00017 (overdue) and -00021 and
    Nordwind's -00016 (overdue), whatever other journeys added."""
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    jobs = page.locator("#coordinator-runs")
    expect(jobs).to_contain_text("Billing run")
    expect(jobs).to_contain_text("Invoice run")
    expect(jobs).not_to_contain_text("subscription_billing")
    no_overflow_at_390(page, "admin-overview-linked")

    page.locator("#admin-overview").get_by_role("link").filter(has_text="Unpaid invoices").click()
    expect(page).to_have_url(re.compile(r".*/admin/invoices/?\?status=unpaid$"))
    expect(page.locator("#filter-status")).to_contain_text("Unpaid (open or overdue)")
    listed = page.locator("#admin-invoices-table")
    for number in ("INV-2026-00016", "INV-2026-00017", "INV-2026-00021"):
        expect(listed).to_contain_text(number)
    expect(listed).not_to_contain_text("Paid")

    page.go_back()
    page.locator("#admin-overview").get_by_role("link").filter(has_text="Active subscriptions").click()
    expect(page).to_have_url(re.compile(r".*/admin/subscriptions/?\?status=running$"))
    expect(page.locator("#filter-status")).to_contain_text("Running")
    expect(page.locator("#admin-subscriptions-table")).not_to_contain_text("Canceled")
    expect(page.locator("#admin-subscriptions-table")).to_contain_text("Active")
