"""The mail section of the admin customer page on the production build, in Chromium.

The demo's timeline ran the coordinators (mail delivery included) up to `DEMO_AS_OF`: Nordwind
Logistics AB (C-10002) got its subscriptions' mails and renewal reminders, all sent to the
console's file outbox, and an invitation to its account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from backend.demo.service import ADMIN_LOGIN
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_subscription_journeys import no_overflow_at_390

pytestmark = pytest.mark.browser


def test_admin_reads_the_mail_sent_to_a_customer(page: Page) -> None:
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.goto("/admin/customers")
    page.locator("#customers-table").get_by_role("link", name="C-10002").click()
    expect(page).to_have_url(re.compile(r".*/admin/customers/\d+/?$"))
    mail = page.locator("#customer-mail")
    expect(mail.locator("tr.mail-delivery")).to_have_count(10)  # the newest ten
    expect(mail).to_contain_text("Sent")
    page.locator("#mail-older").click()
    expect(mail.locator("tr.mail-delivery").nth(10)).to_be_visible()
    # Journeys sharing this console may have mailed Nordwind since the demo's history (orders,
    # cancellations): the history's renewal reminders are then further down, behind "Older mail".
    for shown in range(20, 400, 10):
        if "Renewal reminder" in mail.inner_text():
            break
        page.locator("#mail-older").click()
        expect(mail.locator("tr.mail-delivery").nth(shown)).to_be_visible()
    expect(mail).to_contain_text("Renewal reminder")
    no_overflow_at_390(page, "admin-customer-mail")
