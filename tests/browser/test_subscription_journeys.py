"""The customer's plans and subscriptions pages on the production build, in Chromium.

The demo is frozen at `DEMO_AS_OF` (12 Nov 2026 10:00 UTC, 11:00 in Berlin). Erika's hosting
subscription SUB-000002 has been on Web Hosting Pro (19.90 EUR a month, billed in advance) since
June; its current period runs from 3 Nov 2026 10:05 to 3 Dec 2026 10:05 Berlin time (30 days) and
was charged in full. Amounts below are worked out by hand from those facts.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from backend.demo.service import CUSTOMER_LOGIN
from tests.browser.conftest import save_screenshots
from tests.browser.test_console_smoke import sign_in

pytestmark = pytest.mark.browser

HOSTING = "SUB-000002"  # Erika's web hosting (Pro since June)
NORDWIND = "SUB-000003"  # the business customer's support retainer: not Erika's


def no_overflow_at_390(page: Page, name: str) -> None:
    """The page at 390 px fits its width (no sideways scrolling), then screenshots at both widths."""
    page.set_viewport_size({"width": 390, "height": 900})
    page.wait_for_timeout(300)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name} is {width} px wide at 390 px"
    page.set_viewport_size({"width": 1280, "height": 720})
    save_screenshots(page, name)


def test_a_visitor_sees_the_plans_with_prices_and_a_way_to_sign_up(page: Page) -> None:
    page.goto("/plans")
    plans = page.locator("#plans")
    expect(plans).to_contain_text("Managed Web Hosting")
    expect(plans).to_contain_text("Cloud Server")
    expect(plans).to_contain_text("More services")  # the support retainer provisions nothing
    pro = page.locator(".plan-card", has_text="Web Hosting Pro")
    expect(pro).to_contain_text("19.90 EUR")
    expect(pro).to_contain_text("/ month")
    expect(pro).to_contain_text("Staging site")
    cx22 = page.locator(".plan-card", has_text="Cloud Server CX22")
    expect(cx22).to_contain_text("5.39 EUR")
    expect(cx22).to_contain_text("14 days free trial")
    retainer = page.locator(".plan-card", has_text="Support Retainer")
    expect(retainer).to_contain_text("49.00 EUR")
    expect(retainer).to_contain_text("Minimum term 90 days")
    expect(retainer).to_contain_text("Notice period 30 days")
    expect(pro).to_contain_text("plus VAT")  # visitors read net prices
    expect(page.locator("#plans-tax-note")).to_contain_text("plus VAT where it applies")
    expect(pro.get_by_role("link", name="Sign up to order")).to_have_attribute("href", "/register")
    expect(page.locator("#plans-sign-in")).to_be_visible()
    no_overflow_at_390(page, "plans-visitor")


def test_customer_changes_cancels_and_resumes_a_subscription_with_previews(page: Page) -> None:
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))

    page.goto("/plans")
    pro = page.locator(".plan-card", has_text="Web Hosting Pro")
    # Erika is a consumer in Germany: she reads what she pays, 19.90 + 19 % (3.781 -> 3.78) = 23.68.
    expect(pro).to_contain_text("23.68 EUR")
    expect(pro).to_contain_text("incl. 19 % VAT")
    expect(page.locator("#plans-tax-note")).to_contain_text("Prices include the VAT of DE")
    expect(pro.get_by_role("link", name="Order Web Hosting Pro")).to_have_attribute(
        "href", "/order/hosting-pro"
    )
    no_overflow_at_390(page, "plans-customer")

    page.get_by_role("link", name="Subscriptions").first.click()
    expect(page).to_have_url(re.compile(r".*/subscriptions/?$"))
    table = page.locator("#subscriptions-table")
    expect(table).to_contain_text("Web Hosting Pro")
    expect(table).to_contain_text("Cloud Server CX22")
    expect(table).not_to_contain_text(NORDWIND)
    no_overflow_at_390(page, "subscriptions")

    table.get_by_role("link", name=HOSTING).click()
    expect(page).to_have_url(re.compile(rf".*/subscriptions/{HOSTING}/?$"))
    expect(page.locator("#subscription-heading")).to_contain_text("Active")
    expect(page.locator("#fact-period")).to_contain_text("2026-11-03 – 2026-12-03")
    # Charged in advance on 3 Dec at 10:05 Berlin time: the next month of Pro, 19.90 EUR net.
    expect(page.locator("#fact-next-charge")).to_contain_text("19.90 EUR net")
    expect(page.locator("#fact-next-charge")).to_contain_text("2026-12-03 10:05")
    no_overflow_at_390(page, "subscription-detail")

    # Change to Web Hosting Monthly. Unused: 12 Nov 11:00 → 3 Dec 10:05 = 1,811,100 s of 2,592,000 s.
    # Credit 19.90 x that = 13.9047 → 13.90; Monthly 9.90 x that = 6.9174 → 6.92; credited 6.98.
    page.locator("#change-plan").click()
    dialog = page.locator("#change-dialog")
    dialog.locator(".plan-choice", has_text="Web Hosting Monthly").click()
    preview = page.locator("#change-preview")
    expect(preview).to_contain_text("-13.90 EUR")
    expect(preview).to_contain_text("6.92 EUR")
    expect(page.locator("#change-total")).to_contain_text("You will be credited 6.98 EUR net")
    expect(preview).to_contain_text("Web Hosting Monthly costs 9.90 EUR net per period")
    save_screenshots(page, "subscription-change-plan-preview")
    page.locator("#change-confirm").click()
    expect(page.locator("#change-dialog")).to_have_count(0)
    expect(page.locator("#subscription-heading")).to_contain_text("Web Hosting Monthly")
    expect(page.locator("#fact-next-charge")).to_contain_text("9.90 EUR net")

    # Cancel: no notice period, so it ends with the period already paid for.
    page.locator("#cancel-subscription").click()
    expect(page.locator("#cancel-effective")).to_contain_text("It ends on 2026-12-03 10:05 (Europe/Berlin)")
    expect(page.locator("#cancel-dialog")).to_contain_text("ends with the billing period you have paid for")
    save_screenshots(page, "subscription-cancel-preview")
    page.locator("#cancel-confirm").click()
    expect(page.locator("#subscription-heading")).to_contain_text("Ends at period end")
    expect(page.locator("#fact-ends")).to_contain_text("2026-12-03 10:05")
    expect(page.locator("#change-plan")).to_have_count(0)
    no_overflow_at_390(page, "subscription-pending-cancel")

    page.locator("#resume-subscription").click()
    expect(page.locator("#resume-dialog")).to_contain_text("It will no longer end on 2026-12-03 10:05")
    page.locator("#resume-confirm").click()
    expect(page.locator("#subscription-heading")).to_contain_text("Active")
    expect(page.locator("#fact-ends")).to_contain_text("—")

    # Back to Pro, as the demo had it (other browser tests read Erika's dashboard): the same
    # shares the other way round: Monthly credited 6.92, Pro charged 13.90, 6.98 due now.
    page.locator("#change-plan").click()
    page.locator("#change-dialog .plan-choice", has_text="Web Hosting Pro").click()
    expect(page.locator("#change-total")).to_contain_text("Charged now: 6.98 EUR net")
    page.locator("#change-confirm").click()
    expect(page.locator("#subscription-heading")).to_contain_text("Web Hosting Pro")


def test_another_customers_subscription_is_not_found(page: Page) -> None:
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.locator("#subscriptions-table").get_by_role("link", name=HOSTING).click()
    expect(page).to_have_url(re.compile(rf".*/subscriptions/{HOSTING}/?$"))
    page.goto(f"/subscriptions/{NORDWIND}")
    expect(page.locator("#not-found")).to_contain_text("There is no page at this address")
    expect(page.locator("#subscription-facts")).to_have_count(0)
    no_overflow_at_390(page, "subscription-not-found")
