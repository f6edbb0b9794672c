"""The customer's invoices on the production build, in Chromium.

The demo is frozen at `DEMO_AS_OF` (12 Nov 2026). Erika has twelve invoices: September's
INV-2026-00017 is overdue and November's INV-2026-00021 open, each her server 5.39 + backups 2.00 +
Web Hosting Pro 19.90 = 27.29 net + 19 % VAT (1.02 + 0.38 + 3.78) = 32.47 EUR; May's INV-2026-00009
was voided by the credit note INV-2026-00009-CN1; the others are paid, the oldest INV-2025-00001.
Ten invoices make a page, so the oldest is on the second. Nordwind's INV-2026-00016 is not hers.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from backend.demo.service import CUSTOMER_LOGIN
from tests.browser.conftest import RunningConsole
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_identity_journeys import latest_mail_to, text_of
from tests.browser.test_subscription_journeys import no_overflow_at_390

pytestmark = pytest.mark.browser


def test_customer_sees_open_invoices_first_and_opens_one(page: Page) -> None:
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.locator("#open-balance .open-balance-link").click()  # "2 unpaid invoices · 1 overdue"
    expect(page).to_have_url(re.compile(r".*/invoices/?$"))

    open_rows = page.locator("#open-invoices-table tbody tr")
    expect(open_rows).to_have_count(2)
    expect(open_rows.nth(0)).to_contain_text("INV-2026-00017")  # due 15 Sep: overdue, first
    expect(open_rows.nth(0)).to_contain_text("Overdue")
    expect(open_rows.nth(0)).to_contain_text("2026-09-15")
    expect(open_rows.nth(1)).to_contain_text("INV-2026-00021")
    expect(open_rows.nth(1)).to_contain_text("32.47 EUR")
    # The console takes cards (the fake Stripe, tests/browser/conftest.py) and bank transfers.
    expect(open_rows.nth(0).get_by_role("button", name=re.compile("Pay"))).to_be_enabled()
    expect(page.locator("#invoices-open")).to_contain_text("Pay each online by card, or by bank transfer")
    expect(page.locator("#invoices-bank")).to_contain_text("DE89370400440532013000")

    history = page.locator("#settled-invoices-table")
    expect(history).to_contain_text("INV-2026-00019")
    voided = history.locator("tr", has_text="INV-2026-00009")
    expect(voided).to_contain_text("Void")
    expect(voided).to_contain_text("INV-2026-00009-CN1")
    expect(voided).to_contain_text("20.57 EUR")
    expect(history).not_to_contain_text("INV-2025-00001")
    expect(page.locator("body")).not_to_contain_text("INV-2026-00016")  # Nordwind's
    no_overflow_at_390(page, "invoices")

    page.locator("#invoices-next").click()
    expect(page.locator("#settled-invoices-table")).to_contain_text("INV-2025-00001")
    expect(page.locator("#invoices-open")).to_have_count(0)
    page.locator("#invoices-previous").click()
    expect(open_rows.nth(0)).to_contain_text("INV-2026-00017")

    open_rows.nth(0).get_by_role("link", name="INV-2026-00017").click()
    expect(page).to_have_url(re.compile(r".*/invoices/INV-2026-00017/?$"))
    expect(page.locator("#invoice-number")).to_have_text("INV-2026-00017")
    lines = page.locator("#invoice-lines")
    expect(lines).to_contain_text("Web Hosting Pro")
    expect(lines).to_contain_text("19.90 EUR")
    totals = page.locator("#invoice-totals")
    expect(totals).to_contain_text("27.29 EUR")
    expect(totals).to_contain_text("VAT 19 % on 27.29 EUR")
    expect(totals).to_contain_text("5.18 EUR")
    expect(totals).to_contain_text("32.47 EUR")
    expect(page.locator("#invoice-pdf")).to_have_attribute("href", "/api/invoices/INV-2026-00017.pdf")
    expect(page.locator("#invoice-bank")).to_contain_text("INV-2026-00017")
    no_overflow_at_390(page, "invoice-detail")

    page.goto("/invoices/INV-2026-00016")
    expect(page.locator("#not-found")).to_be_visible()
    page.goto("/invoices/INV-2026-00009")
    expect(page.locator("#invoice-credit-notes")).to_contain_text("INV-2026-00009-CN1")
    no_overflow_at_390(page, "invoice-voided")


def test_a_new_customer_sees_the_empty_state(page: Page, console: RunningConsole) -> None:
    email, password = f"fresh-{uuid.uuid4().hex[:8]}@example.com", "Fresh-pass-2026"
    page.goto("/register")
    page.locator("#register-name").fill("Fresh Customer")
    page.locator("#register-email").fill(email)
    page.locator("#register-password").fill(password)
    page.locator("#register-password-confirm").fill(password)
    page.locator("#register-submit").click()
    expect(page).to_have_url(re.compile(r".*/confirm-email\?.*"))
    code = re.search(r"code is (\d{6})", text_of(latest_mail_to(console, email, "confirm")))
    assert code is not None
    page.locator("#confirm-code").fill(code.group(1))
    page.locator("#confirm-submit").click()
    expect(page).to_have_url(re.compile(r".*/login\?confirmed=1$"))
    sign_in(page, email, password)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))

    page.get_by_role("link", name="Invoices").first.click()
    expect(page).to_have_url(re.compile(r".*/invoices/?$"))
    empty = page.locator("#invoices-empty")
    expect(empty).to_contain_text("No invoices yet")
    expect(empty.get_by_role("link", name="See the plans")).to_have_attribute("href", "/plans")
    no_overflow_at_390(page, "invoices-empty")
