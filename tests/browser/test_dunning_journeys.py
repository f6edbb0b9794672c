"""The admin sets the payment reminder days on the production build, in Chromium.

The demo tenant never set reminder days, so reminders are off. The days saved here (120, 180 and
365 after the due date) are later than any demo invoice is overdue at `DEMO_AS_OF` (the oldest
open one, Nordwind's August invoice, is under 90 days overdue), so the console's scheduler finds
no reminder due while the setting is on, and the test switches reminders off again at its end:
the other journeys share this console.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from backend.demo.service import ADMIN_LOGIN
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_subscription_journeys import no_overflow_at_390

pytestmark = pytest.mark.browser


def save(page: Page, days: str) -> None:
    page.locator("#dunning-days").fill(days)
    page.locator("#dunning-save").click()


def test_admin_switches_reminders_on_is_refused_bad_days_and_switches_them_off(page: Page) -> None:
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.get_by_role("link", name="Payment reminders").first.click()
    expect(page).to_have_url(re.compile(r".*/admin/dunning/?$"))
    expect(page.get_by_role("main").get_by_role("heading", name="Payment reminders", level=1)).to_be_visible()
    expect(page.locator("#dunning-off")).to_contain_text("Reminders are off")
    expect(page.locator("#dunning-timeline-empty")).to_be_visible()
    no_overflow_at_390(page, "admin-dunning-off")

    page.locator("#dunning-use-suggestion").click()
    expect(page.locator("#dunning-days")).to_have_value("3, 10, 17")

    save(page, "180, 120")
    expect(page.locator("#dunning-days-error")).to_have_text(
        "Each reminder comes after the one before it: 120 is not after 180."
    )
    expect(page.locator("#dunning-days")).to_have_value("180, 120")  # what was typed stays
    expect(page.locator("#dunning-off")).to_be_visible()  # nothing was saved

    save(page, "120, 180, 365")
    expect(page.get_by_text("Payment reminders saved.")).to_be_visible()
    expect(page.locator("#dunning-days-error")).to_have_count(0)
    expect(page.locator("#dunning-off")).to_have_count(0)
    timeline = page.locator("#dunning-timeline")
    expect(timeline).to_contain_text("120 days after the due date")
    expect(timeline).to_contain_text("Second payment reminder by email")
    expect(timeline).to_contain_text("go past due and their servers are stopped")
    expect(timeline).to_contain_text("When the invoice is paid")
    no_overflow_at_390(page, "admin-dunning")

    page.reload()
    expect(page.locator("#dunning-days")).to_have_value("120, 180, 365")
    save(page, "")
    expect(page.get_by_text("Payment reminders are off.")).to_be_visible()
    expect(page.locator("#dunning-off")).to_be_visible()
