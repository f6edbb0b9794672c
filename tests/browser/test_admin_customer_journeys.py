"""The admin's customer and subscription pages on the production build, in Chromium.

The demo is frozen at `DEMO_AS_OF` (12 Nov 2026 10:00 UTC). Nordwind Logistics AB (C-10002) has
paid INV-2025-00002 (160.06 EUR), five invoices of 64.29 and five of 54.39, and INV-2026-00016
(54.39) is overdue: total paid 160.06 + 5 × 64.29 + 5 × 54.39 = 753.46 EUR, open 54.39 EUR.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from backend import clock
from backend.audit.service import Actor
from backend.db import make_engine, unit_of_work
from backend.demo.service import ADMIN_LOGIN
from backend.models import CustomerAccount, Plan
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from backend.tenancy.service import scope_for_slug
from tests.browser.conftest import RunningConsole
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_subscription_journeys import no_overflow_at_390
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.browser


def _order_yearly_hosting_for_nordwind(console: RunningConsole) -> str:
    """A new Web Hosting Yearly subscription of Nordwind, ordered at the demo's "now" (so ending it
    leaves the demo's other figures, e.g. the overview's live subscriptions, as they were)."""
    engine = make_engine(console.database_url)
    try:
        with clock.frozen(DEMO_AS_OF), unit_of_work(engine) as session:
            scope = scope_for_slug(session, "demo")
            nordwind = session.scalars(
                select(CustomerAccount.id).where(
                    CustomerAccount.tenant_id == scope.tenant_id, CustomerAccount.number == "C-10002"
                )
            ).one()
            yearly = session.scalars(
                select(Plan.id).where(Plan.tenant_id == scope.tenant_id, Plan.key == "hosting-yearly")
            ).one()
            lifecycle = Lifecycle(session, scope, Actor.admin(scope.tenant_id))
            return lifecycle.order(OrderRequest(nordwind, yearly), DEMO_AS_OF).number
    finally:
        engine.dispose()


def test_admin_finds_a_customer_adds_a_note_and_downloads_the_notes(page: Page) -> None:
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.get_by_role("link", name="Customers").first.click()
    expect(page).to_have_url(re.compile(r".*/admin/customers/?$"))
    table = page.locator("#customers-table")
    expect(table).to_contain_text("Erika Mustermann")
    expect(table).to_contain_text("Nordwind Logistics AB")
    no_overflow_at_390(page, "admin-customers")

    page.locator("#customer-search").fill("nordwind")
    page.locator("#customer-search-go").click()
    expect(table).not_to_contain_text("Erika Mustermann")
    expect(table.locator("tr", has_text="Nordwind")).to_contain_text("Overdue")
    table.get_by_role("link", name="C-10002").click()
    expect(page).to_have_url(re.compile(r".*/admin/customers/\d+/?$"))
    expect(page.locator("#customer-heading")).to_contain_text("Nordwind Logistics AB")
    expect(page.locator("#standing-overdue")).to_contain_text("1")
    expect(page.locator("#standing-paid")).to_contain_text("753.46 EUR")
    expect(page.locator("#standing-open")).to_contain_text("54.39 EUR")
    expect(page.locator("#customer-members")).to_contain_text("business@demo.example")
    expect(page.locator("#customer-invoices")).to_contain_text("INV-2026-00016")
    expect(page.locator("#customer-subscriptions")).to_contain_text("SUB-000004")

    page.locator("#note-add").click()
    expect(page.locator("#note-error")).to_contain_text("Write the note first.")
    page.locator("#note-body").fill("=Promised to pay INV-2026-00016 by Friday.")
    page.locator("#note-add").click()
    notes = page.locator("#customer-notes")
    expect(notes).to_contain_text("Promised to pay INV-2026-00016 by Friday.")
    expect(notes).to_contain_text("admin@demo.example")
    expect(page.locator("#note-body")).to_have_value("")
    no_overflow_at_390(page, "admin-customer")

    with page.expect_download() as download:
        page.locator("#notes-csv").click()
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert exported.splitlines()[0] == "written_at_utc,author,note"
    assert "admin@demo.example,'=Promised to pay INV-2026-00016 by Friday." in exported


def test_admin_cancels_a_subscription_immediately_after_the_credit_preview(
    page: Page, console: RunningConsole
) -> None:
    number = _order_yearly_hosting_for_nordwind(console)
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.get_by_role("link", name="Subscriptions").first.click()
    expect(page).to_have_url(re.compile(r".*/admin/subscriptions/?$"))
    listed = page.locator("#admin-subscriptions-table")
    expect(listed).to_contain_text("SUB-000001")
    no_overflow_at_390(page, "admin-subscriptions")

    page.locator("#filter-customer").fill("C-10002")
    page.locator("#filter-customer-go").click()
    expect(listed).not_to_contain_text("Erika Mustermann")
    listed.get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(rf".*/admin/subscriptions/{number}/?$"))
    expect(page.locator("#subscription-heading")).to_contain_text("Web Hosting Yearly")
    expect(page.locator("#subscription-customer")).to_contain_text("Nordwind Logistics AB")
    expect(page.locator("#subscription-history")).to_contain_text("Ordered")
    no_overflow_at_390(page, "admin-subscription")

    page.locator("#cancel-now").click()
    dialog = page.locator("#cancel-now-dialog")
    # Ordered a moment ago and billed a year in advance: the whole year, 99.00 net, is unused.
    expect(dialog.locator("#cancel-now-total")).to_contain_text(
        "The customer will be credited 99.00 EUR net."
    )
    expect(dialog).to_contain_text("Credit for unused time: Web Hosting Yearly")
    no_overflow_at_390(page, "admin-subscription-cancel-now")
    dialog.locator("#cancel-now-confirm").click()
    expect(page.locator("#cancel-now-dialog")).to_have_count(0)
    expect(page.locator("#subscription-heading")).to_contain_text("Canceled")
    expect(page.locator("#subscription-history")).to_contain_text("Canceled immediately")
    expect(page.locator("#subscription-charges")).to_contain_text("-99.00 EUR")
    expect(page.locator("#cancel-now")).to_have_count(0)
