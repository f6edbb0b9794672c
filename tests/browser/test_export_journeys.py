"""CSV exports in Chromium (issue 16): an admin exports the invoices of a range and gets the file.

A tenant of its own ("exportshop", on exportshop.localhost) holds the hand-built ledger of the
export tests (tests/exports/ledger.py: four invoices issued in January 2026, others just outside).
The browser tests' console runs a range of more than 3 rows as a job (EXPORT_JOB_THRESHOLD_ROWS in
tests/browser/conftest.py): one day downloads at once, the whole month runs on the console's worker
while the page shows its progress, then offers the file, also after a reload.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
from tests.browser.conftest import RunningConsole, save_screenshots
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_subscription_journeys import no_overflow_at_390
from tests.conftest import DEMO_AS_OF
from tests.exports.ledger import seed, tenant
from tests.exports.test_export_csv import INVOICES

pytestmark = pytest.mark.browser

ADMIN, PASSWORD = "admin@exportshop.example", "Exportshop-pass-2026"
JOB_TIMEOUT_MS = 120_000  # a worker's turn on the console's queue


@dataclass(frozen=True)
class ExportShop:
    host: str


@pytest.fixture(scope="module")
def exportshop(console: RunningConsole) -> ExportShop:
    port = console.base_url.rsplit(":", 1)[1]
    host = f"exportshop.localhost:{port}"
    engine = make_engine(console.database_url)
    try:
        with clock.frozen(DEMO_AS_OF), unit_of_work(engine) as session:
            shop = create_tenant(session, slug="exportshop", name="Export Shop", settings=load_settings())
            scope = TenantScope(shop.id or 0)
            TenantDirectory(session).add_host(scope.tenant_id, host)
            create_user(session, scope, email=ADMIN, password=PASSWORD, role=UserRole.ADMIN)
            seed(session, scope, tenant(session, "exportshop-other"))
        return ExportShop(host)
    finally:
        engine.dispose()


@pytest.fixture
def admin(browser: Browser, exportshop: ExportShop) -> Iterator[Page]:
    context = browser.new_context(base_url=f"http://{exportshop.host}", accept_downloads=True)  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def _export(page: Page, first: str, last: str) -> None:
    page.locator("#export-first_day").fill(first)
    page.locator("#export-last_day").fill(last)
    page.locator("#export-go").click()


def _downloaded(path: str | None) -> str:
    assert path is not None
    return Path(path).read_bytes().decode("utf-8")


def test_admin_exports_the_invoices_of_a_day_at_once_and_of_a_month_as_a_job(admin: Page) -> None:
    sign_in(admin, ADMIN, PASSWORD)
    expect(admin).to_have_url(re.compile(r".*/admin/?$"))
    admin.get_by_role("link", name="Exports").first.click()
    expect(admin).to_have_url(re.compile(r".*/admin/exports/?$"))
    expect(
        admin.get_by_role("main").get_by_role("heading", name="Exports", level=1, exact=True)
    ).to_be_visible()
    expect(admin.get_by_text("No large exports yet")).to_be_visible()
    expect(admin.locator("#export-threshold")).to_have_text(
        "Exports of more than 3 rows run in the background."
    )
    no_overflow_at_390(admin, "admin-exports-empty")

    _export(admin, "2026-01-31", "2026-01-30")  # backwards: refused, nothing exported
    expect(admin.locator("#export-last_day-error")).to_have_text("The last day cannot come before the first.")

    with admin.expect_download() as day:  # 31 January: one invoice, under the threshold
        _export(admin, "2026-01-31", "2026-01-31")
    expect(admin.locator("#export-notice")).to_contain_text("1 row: your download has started.")
    assert day.value.suggested_filename == "invoices-2026-01-31-to-2026-02-01.csv"
    header, paid = INVOICES.splitlines()[0], INVOICES.splitlines()[4]  # the invoice of the last second
    assert _downloaded(day.value.path()) == f"\ufeff{header}\r\n{paid}\r\n"

    _export(admin, "2026-01-01", "2026-01-31")  # January: four invoices, a job
    expect(admin.locator("#export-notice")).to_contain_text("4 rows: the export runs in the background")
    job = admin.locator(".export-job").first
    expect(job).to_contain_text("Invoices")
    expect(job).to_contain_text("2026-01-01 to 2026-01-31")
    expect(job.get_by_text("Ready")).to_be_visible(timeout=JOB_TIMEOUT_MS)  # pushed, no reload
    expect(job).to_contain_text("4 rows")
    with admin.expect_download() as month:
        job.get_by_role("button", name="Download CSV").click()
    assert month.value.suggested_filename == "invoices-2026-01-01-to-2026-02-01.csv"
    assert _downloaded(month.value.path()) == "\ufeff" + INVOICES
    no_overflow_at_390(admin, "admin-exports-ready")

    admin.reload()  # the job and its file are still there
    expect(admin.locator(".export-job").first.get_by_text("Ready")).to_be_visible()
    expect(admin.locator(".export-job").first.get_by_role("button", name="Download CSV")).to_be_visible()
    save_screenshots(admin, "admin-exports-after-reload")
