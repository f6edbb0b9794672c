"""Ordering in the production build: a new customer registers, orders a plan with the demo's promotion
code through the wizard, lands on the subscription, changes its plan, cancels and resumes.

The demo is frozen at `DEMO_AS_OF` (12 Nov 2026 10:00 UTC, 11:00 in Berlin), so the order starts
then and every step after it happens at that same instant. Web Hosting Monthly is 9.90 EUR a month
(no anchor day: periods start at the order), Daily Backups 2.00 EUR a month, WELCOME10 takes 10 %
off the first invoice of a new customer, and a new customer in Germany pays 19 % VAT. Amounts below
are worked out by hand from those facts.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from backend.demo.service import CUSTOMER_LOGIN
from tests.browser.conftest import RunningConsole, save_screenshots
from tests.browser.test_identity_journeys import latest_mail_to, text_of
from tests.browser.test_subscription_journeys import no_overflow_at_390

pytestmark = pytest.mark.browser


def register(page: Page, console: RunningConsole, name: str, email: str, password: str) -> None:
    page.goto("/plans")
    page.locator(".plan-card", has_text="Web Hosting Monthly").get_by_role(
        "link", name="Sign up to order"
    ).click()
    expect(page).to_have_url(re.compile(r".*/register/?$"))
    page.locator("#register-name").fill(name)
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
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))


def test_a_new_customer_orders_with_a_promotion_then_changes_cancels_and_resumes(
    page: Page, console: RunningConsole
) -> None:
    email = f"order-{uuid.uuid4().hex[:8]}@example.com"
    register(page, console, "Olga Order", email, "Order-pass-2026")

    page.goto("/plans")
    monthly = page.locator(".plan-card", has_text="Web Hosting Monthly")
    # A consumer in Germany: 9.90 + 19 % (1.881 -> 1.88) = 11.78 EUR.
    expect(monthly).to_contain_text("11.78 EUR")
    expect(monthly).to_contain_text("incl. 19 % VAT")
    monthly.get_by_role("link", name="Order Web Hosting Monthly").click()

    # No options on this plan: the wizard starts with the addons.
    expect(page).to_have_url(re.compile(r".*/order/hosting-monthly/?$"))
    expect(page.locator("#order-heading")).to_contain_text("Order Web Hosting Monthly")
    expect(page.locator("#order-step-label")).to_have_text("Step 1 of 4")
    expect(page.locator("#step-addons")).to_contain_text("Daily Backups")
    expect(page.locator("#step-addons")).to_contain_text("2.00 EUR / month")
    # The box is the server's: click, then wait for the state to come back checked.
    page.get_by_label("Daily Backups").click()
    expect(page.get_by_label("Daily Backups")).to_be_checked()
    expect(page.locator("[id^=addon-quantity-]")).to_have_value("1")
    no_overflow_at_390(page, "order-addons")
    page.locator("#order-next").click()

    # Promotion: a refused code says why; the demo's code is accepted with its effect.
    expect(page.locator("#step-promotion")).to_be_visible()
    page.locator("#promotion-code").fill("NOSUCHCODE")
    page.locator("#promotion-check").click()
    expect(page.locator("#promotion-refusal")).to_contain_text("The promotion code NOSUCHCODE is not valid.")
    page.locator("#promotion-code").fill("welcome10")
    page.locator("#promotion-check").click()
    expect(page.locator("#promotion-effect")).to_contain_text("WELCOME10")
    expect(page.locator("#promotion-effect")).to_contain_text("10 % off")
    no_overflow_at_390(page, "order-promotion")
    page.locator("#order-next").click()

    # Billing profile: a new customer has no address yet; one message under each missing field.
    expect(page.locator("#profile-form")).to_be_visible()
    expect(page.locator("#profile-name")).to_have_value("Olga Order")
    page.locator("#profile-save").click()
    expect(page.locator("#profile-address-line1-error")).to_have_text("Street and number is required.")
    expect(page.locator("#profile-postal-code-error")).to_have_text("Postal code is required.")
    no_overflow_at_390(page, "order-profile-errors")
    page.locator("#profile-address-line1").fill("Lindenweg 4")
    page.locator("#profile-postal-code").fill("80331")
    page.locator("#profile-city").fill("München")
    page.locator("#profile-save").click()

    # Review: the engine's preview. First month 9.90 + 2.00 = 11.90, 10 % off = -1.19 -> 10.71 net;
    # VAT 1.881 -> 1.88, 0.38, -0.2261 -> -0.23: 2.03; total 12.74. Then 11.90 + 2.26 = 14.16 a month.
    review = page.locator("#step-review")
    expect(review).to_contain_text("Review and confirm")
    expect(page.locator("#review-first-net")).to_have_text("10.71 EUR")
    expect(page.locator("#review-first-tax")).to_have_text("2.03 EUR")
    expect(page.locator("#review-first-gross")).to_have_text("12.74 EUR")
    expect(page.locator("#review-recurring-gross")).to_have_text("14.16 EUR")
    expect(page.locator("#review-promotion")).to_contain_text("WELCOME10")
    expect(page.locator("#review-tax")).to_contain_text("19 %")
    expect(page.locator("#review-withdrawal")).to_contain_text("within 14 days")
    expect(page.locator("#order-confirm")).to_be_disabled()  # the terms first
    page.locator("#accept-terms").click()
    no_overflow_at_390(page, "order-review")

    # Back keeps what was chosen.
    page.locator("#order-back").click()
    expect(page.locator("#profile-summary")).to_contain_text("Lindenweg 4")
    no_overflow_at_390(page, "order-profile-complete")
    page.locator("#order-back").click()
    expect(page.locator("#promotion-code")).to_have_value("welcome10")
    page.locator("#order-next").click()
    page.locator("#order-next").click()
    expect(page.locator("#review-first-gross")).to_have_text("12.74 EUR")
    page.locator("#accept-terms").click()

    page.locator("#order-confirm").dblclick()  # a double click orders once
    expect(page).to_have_url(re.compile(r".*/subscriptions/SUB-\d{6}/?$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.get_by_text(f"Thank you! {number} is ordered.")).to_be_visible()  # the success toast
    heading = page.locator("#subscription-heading")
    expect(heading).to_contain_text("Web Hosting Monthly")
    expect(heading).to_contain_text("Active")
    # The next month, plan and backups, charged on 12 Dec at 11:00 Berlin time: 11.90 net.
    expect(page.locator("#fact-next-charge")).to_contain_text("11.90 EUR net")
    expect(page.locator("#fact-next-charge")).to_contain_text("2026-12-12 11:00")
    expect(page.locator("#subscription-addons")).to_contain_text("Daily Backups")
    no_overflow_at_390(page, "order-landed-on-subscription")

    page.goto("/subscriptions")
    expect(
        page.locator("#subscriptions-table").get_by_role("link", name=re.compile(r"SUB-\d{6}"))
    ).to_have_count(1)
    page.locator("#subscriptions-table").get_by_role("link", name=number).click()

    # Change to Web Hosting Pro at the order's own instant: the whole month is unused, 9.90 credited,
    # 19.90 charged: 10.00 due now.
    page.locator("#change-plan").click()
    page.locator("#change-dialog .plan-choice", has_text="Web Hosting Pro").click()
    expect(page.locator("#change-preview")).to_contain_text("-9.90 EUR")
    expect(page.locator("#change-total")).to_contain_text("Charged now: 10.00 EUR net")
    page.locator("#change-confirm").click()
    # The change bills and re-reads the subscription: on a loaded CI machine that took over 5 s once.
    expect(page.locator("#subscription-heading")).to_contain_text("Web Hosting Pro", timeout=20_000)

    page.locator("#cancel-subscription").click()
    expect(page.locator("#cancel-effective")).to_contain_text("2026-12-12 11:00")
    page.locator("#cancel-confirm").click()
    expect(page.locator("#subscription-heading")).to_contain_text("Ends at period end")
    page.locator("#resume-subscription").click()
    page.locator("#resume-confirm").click()
    expect(page.locator("#subscription-heading")).to_contain_text("Active")
    expect(page.locator("#fact-ends")).to_contain_text("—")


def test_a_visitor_is_sent_to_sign_in_and_back_to_the_wizard(page: Page) -> None:
    page.goto("/order/cloud-cx22")
    expect(page).to_have_url(re.compile(r".*/login\?next=/order/cloud-cx22$"))
    page.locator("#login-email").fill(CUSTOMER_LOGIN[0])
    page.locator("#login-password").fill(CUSTOMER_LOGIN[1])
    page.locator("#login-submit").click()
    expect(page).to_have_url(re.compile(r".*/order/cloud-cx22/?$"))
    # The CX22 offers one server type and three locations: the options step comes first.
    expect(page.locator("#order-step-label")).to_have_text("Step 1 of 5")
    options = page.locator("#step-options")
    expect(options).to_contain_text("Location")
    expect(options).to_contain_text("hel1")
    page.get_by_role("radio", name="hel1").click()
    no_overflow_at_390(page, "order-options")
    page.locator("#order-next").click()
    expect(page.locator("#step-addons")).to_be_visible()
    page.locator("#order-back").click()
    expect(page.get_by_role("radio", name="hel1")).to_be_checked()


def test_an_unknown_plan_shows_the_not_found_panel(page: Page) -> None:
    page.goto("/login")
    page.locator("#login-email").fill(CUSTOMER_LOGIN[0])
    page.locator("#login-password").fill(CUSTOMER_LOGIN[1])
    page.locator("#login-submit").click()
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.goto("/order/no-such-plan")
    expect(page.locator("#not-found")).to_contain_text("There is no plan to order at this address")
    save_screenshots(page, "order-not-found")
