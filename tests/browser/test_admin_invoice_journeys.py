"""The admin's invoices on the production build, in Chromium: a manual draft written, issued and
voided (its credit note and history shown), and bill now for one customer with its summary.

The journey works on a customer of its own ("Journey Hosting GmbH", Germany, 19 % VAT) with one
charge of 50.00 net waiting for the next invoice, and voids every invoice it makes, so the demo's
figures that other journeys read (unpaid, overdue, paid in the last 30 days) stay as they were.
The draft: 2 × 45.50 = 91.00 net + 17.29 tax (19 %) = 108.29 EUR; the billed charge 50.00 + 9.50
= 59.50 EUR.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from backend import clock
from backend.customers.service import open_customer_account
from backend.db import make_engine, unit_of_work
from backend.demo.service import ADMIN_LOGIN
from backend.models import CustomerType, OpenPosition
from backend.tenancy.service import scope_for_slug
from tests.browser.conftest import RunningConsole
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_subscription_journeys import no_overflow_at_390
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.browser
CUSTOMER = "Journey Hosting GmbH"


def _customer_with_a_charge(console: RunningConsole) -> int:
    engine = make_engine(console.database_url)
    try:
        with clock.frozen(DEMO_AS_OF), unit_of_work(engine) as session:
            scope = scope_for_slug(session, "demo")
            account = open_customer_account(
                session, scope, name=CUSTOMER, email="billing@journey.example", country="DE",
                customer_type=CustomerType.BUSINESS,
            )  # fmt: skip
            session.add(
                OpenPosition(
                    tenant_id=scope.tenant_id, customer_account_id=account.id,
                    source_ref=f"journey:{account.id}", description="Onboarding workshop",
                    unit_price=Decimal("50.00"), amount=Decimal("50.00"),
                )
            )  # fmt: skip
            assert account.id is not None
            return account.id
    finally:
        engine.dispose()


def _void(page: Page, reason: str) -> None:
    page.locator("#void-invoice").click()
    dialog = page.locator("#invoice-dialog")
    expect(dialog).to_contain_text("A credit note of")
    page.locator("#action-reason").fill(reason)
    page.locator("#dialog-confirm").click()
    expect(page.locator("#invoice-balance")).to_contain_text("0.00 EUR")


def test_admin_writes_a_draft_issues_it_voids_it_and_bills_a_customer_now(
    page: Page, console: RunningConsole
) -> None:
    customer_id = _customer_with_a_charge(console)
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.get_by_role("link", name="Invoices").first.click()
    expect(page).to_have_url(re.compile(r".*/admin/invoices/?$"))
    expect(page.locator("#admin-invoices-table")).to_contain_text("INV-2026-00016")
    no_overflow_at_390(page, "admin-invoices")

    page.locator("#search-number").fill("INV-2026-00016")
    page.locator("#search-go").click()
    expect(page.locator("#admin-invoices-table tbody tr")).to_have_count(1)
    page.locator("#search-clear").click()

    page.locator("#new-draft").click()
    expect(page).to_have_url(re.compile(r".*/admin/invoices/new/?$"))
    page.locator("#draft-customer").click()
    page.get_by_role("option", name=re.compile(CUSTOMER)).click()
    page.locator("#line-description-0").fill("Migration")
    page.locator("#line-quantity-0").fill("2")
    page.locator("#line-price-0").fill("forty")
    page.locator("#save-draft").click()
    expect(page.locator(".line-error")).to_contain_text("Line 1 unit price")
    page.locator("#line-price-0").fill("45.50")
    no_overflow_at_390(page, "admin-invoice-draft")
    page.locator("#save-draft").click()

    expect(page).to_have_url(re.compile(r".*/admin/invoices/\d+/?$"))
    expect(page.locator("#invoice-number")).to_contain_text("Draft")
    expect(page.locator("#invoice-total")).to_contain_text("108.29 EUR")
    page.locator("#issue-invoice").click()
    expect(page.locator("#invoice-dialog")).to_contain_text("108.29 EUR")
    page.locator("#dialog-confirm").click()
    expect(page).to_have_url(re.compile(r".*/admin/invoices/INV-2026-\d{5}/?$"))
    expect(page.locator("#invoice-number")).to_have_text(re.compile(r"INV-2026-\d{5}"))
    number = page.locator("#invoice-number").inner_text().strip()
    expect(page.locator("#invoice-balance")).to_contain_text("108.29 EUR")

    page.locator("#void-invoice").click()
    page.locator("#dialog-confirm").click()  # no reason: the form asks for one, nothing changes
    expect(page.locator("#invoice-dialog")).to_be_visible()
    page.locator("#action-reason").fill("Written by mistake")
    page.locator("#dialog-confirm").click()
    expect(page.locator("#invoice-credit-notes")).to_contain_text(f"{number}-CN1")
    expect(page.locator("#invoice-credit-notes")).to_contain_text("108.29 EUR")
    history = page.locator("#invoice-history")
    expect(history).to_contain_text("Voided")
    expect(history).to_contain_text("Reason: Written by mistake")
    expect(history).to_contain_text("Issued")
    expect(history).to_contain_text("Draft written")
    no_overflow_at_390(page, "admin-invoice-voided")

    page.goto(f"/admin/customers/{customer_id}")
    page.locator("#bill-now").click()
    expect(page.get_by_role("dialog")).to_contain_text("This customer's charges")
    page.locator("#bill-now-confirm").click()
    summary = page.locator("#bill-now-summary")
    expect(summary).to_be_visible(timeout=60_000)  # the worker bills, the page reads its progress
    expect(page.locator("#bill-now-issued")).to_contain_text("1")
    expect(page.locator("#bill-now-errors")).to_contain_text("0")
    issued = summary.get_by_role("link").first.inner_text().strip()
    expect(page.locator("#customer-invoices")).to_contain_text(issued)  # the page reloaded its figures
    no_overflow_at_390(page, "admin-customer-bill-now")

    page.locator("#bill-now-summary").get_by_role("link", name=issued).click()
    expect(page).to_have_url(re.compile(r".*/admin/invoices/INV-2026-\d{5}/?$"))
    expect(page.locator("#invoice-total")).to_contain_text("59.50 EUR")
    _void(page, "Journey clean-up")
