"""A customer adds an addon with its preview, sees it listed, removes it; the withdrawal is offered
only where the customer may still withdraw. On the production build, in Chromium.

The demo is frozen at `DEMO_AS_OF` (12 Nov 2026 10:00 UTC, 11:00 in Berlin). Erika's hosting
SUB-000002 is on Web Hosting Pro (19.90 EUR a month, in advance), which allows Daily Backups
(2.00 EUR a month); its period runs 3 Nov 10:05 – 3 Dec 10:05 Berlin time (30 days). Her CX22
trial SUB-000007 was ordered on 9 Nov, within the 14 days of withdrawal; the hosting, ordered a year
ago, is not.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from backend.demo.service import CUSTOMER_LOGIN
from tests.browser.conftest import save_screenshots
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_subscription_journeys import no_overflow_at_390

pytestmark = pytest.mark.browser

HOSTING = "SUB-000002"
TRIAL = "SUB-000007"


def test_customer_adds_an_addon_with_its_preview_and_removes_it(page: Page) -> None:
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.goto(f"/subscriptions/{HOSTING}")
    addons = page.locator("#subscription-addons")
    expect(addons).to_contain_text("No addons yet")
    expect(page.locator("#withdraw-subscription")).to_have_count(0)  # ordered a year ago
    no_overflow_at_390(page, "subscription-addons-empty")

    page.locator("#add-addon").click()
    dialog = page.locator("#add-addon-dialog")
    dialog.locator(".addon-choice", has_text="Daily Backups").click()
    # The rest of the paid period: 12 Nov 11:00 → 3 Dec 10:05 = 1,811,100 s of 2,592,000 s;
    # 2.00 x that = 1.3975 → 1.40 charged now; a full month then costs 19.90 + 2.00 = 21.90.
    preview = page.locator("#addon-preview")
    expect(preview).to_contain_text("Daily Backups (prorated)")
    expect(preview).to_contain_text("1.40 EUR")
    expect(page.locator("#addon-now")).to_contain_text("Charged now: 1.40 EUR net")
    expect(page.locator("#addon-recurring")).to_contain_text("21.90 EUR")
    no_overflow_at_390(page, "subscription-add-addon-preview")
    page.locator("#add-addon-confirm").click()
    expect(page.locator("#add-addon-dialog")).to_have_count(0)
    row = addons.locator(".attached-addon", has_text="Daily Backups")
    expect(row).to_contain_text("1 × 2.00 EUR / month net")
    expect(page.locator("#add-addon")).to_have_count(0)  # nothing more the plan allows
    expect(page.locator("#fact-next-charge")).to_contain_text("21.90 EUR net")
    no_overflow_at_390(page, "subscription-addons-listed")

    row.get_by_role("button", name="Remove Daily Backups").click()
    removal = page.locator("#remove-addon-dialog")
    # Removed at once: all of the 1.40 just charged goes back.
    expect(page.locator("#addon-now")).to_contain_text("Credited now: 1.40 EUR net")
    expect(removal).to_contain_text("19.90 EUR")
    save_screenshots(page, "subscription-remove-addon-preview")
    page.locator("#remove-addon-confirm").click()
    expect(page.locator("#remove-addon-dialog")).to_have_count(0)
    expect(addons).to_contain_text("No addons yet")
    expect(page.locator("#fact-next-charge")).to_contain_text("19.90 EUR net")


def test_withdrawal_is_offered_only_within_the_withdrawal_period(page: Page) -> None:
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.goto(f"/subscriptions/{TRIAL}")
    expect(page.locator("#withdraw-note")).to_contain_text("until 2026-11-23")
    page.locator("#withdraw-subscription").click()
    dialog = page.locator("#withdraw-dialog")
    expect(page.locator("#withdraw-deadline")).to_contain_text("2026-11-23")
    # Still in the trial: nothing was charged, so nothing is credited.
    expect(page.locator("#withdraw-total")).to_contain_text("Nothing is charged or credited")
    expect(page.locator("#withdraw-confirm")).to_be_enabled()
    no_overflow_at_390(page, "subscription-withdraw-preview")
    dialog.get_by_role("button", name="Close").click()
    expect(page.locator("#withdraw-dialog")).to_have_count(0)

    page.goto(f"/subscriptions/{HOSTING}")
    expect(page.locator("#subscription-heading")).to_contain_text("Active")
    expect(page.locator("#withdraw-subscription")).to_have_count(0)
    expect(page.locator("#withdraw-note")).to_have_count(0)
