"""The admin catalog pages on the production build, in Chromium, with the seeded demo.

The demo admin creates a plan (first with a key the catalog refuses: the message shows under the
key field and nothing is created), then a promotion for it; the plan then appears on /plans, and a
new customer orders it with the promotion through the wizard. Every
admin catalog page is screenshotted and must fit 390 px without sideways scrolling.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from backend.demo.service import ADMIN_LOGIN, CUSTOMER_LOGIN
from tests.browser.conftest import RunningConsole
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_order_journeys import register
from tests.browser.test_subscription_journeys import no_overflow_at_390

pytestmark = pytest.mark.browser


def test_the_admin_creates_a_plan_and_a_promotion_and_a_new_customer_orders_it(
    page: Page, console: RunningConsole
) -> None:
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"), timeout=20_000)  # a busy machine signs in slowly
    page.get_by_role("link", name="Catalog").first.click()
    expect(page).to_have_url(re.compile(r".*/admin/catalog/?$"))
    expect(page.locator("#catalog-section-plans")).to_contain_text("6 active of 6")
    no_overflow_at_390(page, "admin-catalog")

    page.locator("#catalog-section-plans").click()
    expect(page).to_have_url(re.compile(r".*/admin/catalog/plans/?$"))
    expect(page.locator("#plans-list")).to_contain_text("Cloud Server CX22")
    expect(page.locator("#plans-list")).to_contain_text("3 subscriptions")
    no_overflow_at_390(page, "admin-catalog-plans")

    page.locator("#plans-new").click()
    form = page.locator("#plans-form")
    expect(form).to_be_visible()
    expect(page.get_by_role("dialog")).to_contain_text(
        "A price change applies from each subscription's next period"
    )
    page.locator("#plans-field-name").fill("Cloud Server CX42")
    page.locator("#plans-field-key").fill("Cloud CX42!")
    page.locator("#plans-field-service_type_id").select_option(label="Cloud Server")
    page.locator("#plans-field-base_price").fill("10.00")
    page.locator("#plans-field-trial_days").fill("7")
    page.locator("#plans-field-highlights").fill("8 vCPU\n16 GB RAM")
    page.locator("#plans-save").click()
    expect(page.locator("#plans-error-key")).to_contain_text("Key must be 1-64 lowercase letters")
    expect(page.locator("#plans-error-name")).to_have_count(0)  # only the wrong field has a message
    expect(page.locator("#plans-form-error")).to_contain_text("Please correct the field marked in red.")
    no_overflow_at_390(page, "admin-catalog-plan-form-error")

    page.locator("#plans-field-key").fill("cloud-cx42")
    page.locator("#plans-save").click()
    expect(page.locator("#plans-form")).to_have_count(0)
    expect(page.locator("#plans-list")).to_contain_text("Cloud Server CX42")
    expect(page.locator("#plans-list")).to_contain_text("10.00 EUR / month")  # no margin: the base price

    page.locator("#plans-search").fill("cx42")
    page.locator("#plans-apply").click()
    expect(page.locator("#plans-list")).not_to_contain_text("Cloud Server CX22")
    expect(page.locator("#plans-list")).to_contain_text("Not ordered yet")

    page.get_by_role("link", name="Promotions").first.click()
    expect(page).to_have_url(re.compile(r".*/admin/catalog/promotions/?$"))
    expect(page.locator("#promotions-list")).to_contain_text("WELCOME10")
    page.locator("#promotions-new").click()
    page.locator("#promotions-field-code").fill("cx42launch")
    page.locator("#promotions-field-benefit").select_option("percent_off")
    page.locator("#promotions-field-percent_off").fill("20")
    page.locator("#promotions-field-eligible_plan_ids label", has_text="Cloud Server CX42").locator(
        "input"
    ).check()
    page.locator("#promotions-save").click()
    expect(page.locator("#promotions-form")).to_have_count(0)
    row = page.locator("#promotions-list tr", has_text="CX42LAUNCH")
    expect(row).to_contain_text("20 % off")
    expect(row).to_contain_text("Active")
    no_overflow_at_390(page, "admin-catalog-promotions")
    row.get_by_role("button", name="Redemptions").click()
    expect(page.locator("#promotions-redemptions")).to_contain_text("Not redeemed yet")
    save_dialog = page.get_by_role("dialog")
    expect(save_dialog).to_contain_text("Redemptions of CX42LAUNCH")
    no_overflow_at_390(page, "admin-catalog-promotion-redemptions")
    page.keyboard.press("Escape")

    page.get_by_role("link", name="Service types").first.click()
    expect(page.locator("#service-types-list")).to_contain_text("Managed Web Hosting")
    no_overflow_at_390(page, "admin-catalog-service-types")

    page.get_by_role("link", name="Addons").first.click()
    backups = page.locator("#addons-list tr", has_text="Daily Backups")
    expect(backups).to_contain_text("2.00 EUR / month")
    no_overflow_at_390(page, "admin-catalog-addons")
    backups.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Subscriptions that have it keep it.")
    no_overflow_at_390(page, "admin-catalog-addon-deactivate")
    page.get_by_role("button", name="Keep it").click()
    expect(backups).to_contain_text("Active")

    page.locator("#sign-out").click()
    expect(page).to_have_url(re.compile(r".*/login/?$"))
    page.goto("/plans")
    cx42 = page.locator(".plan-card", has_text="Cloud Server CX42")
    expect(cx42).to_contain_text("10.00 EUR")
    expect(cx42).to_contain_text("8 vCPU")

    # A new customer (a consumer in Germany) orders it with the launch code. 7 days free, then a
    # month at 10.00 less 20 % on the first invoice: 8.00 net; VAT 1.90 and -0.38: 1.52; 9.52 in
    # all. After that 10.00 + 1.90 = 11.90 a month, the gross price /plans shows a consumer.
    register(page, console, "Carla Cloud", f"cx42-{uuid.uuid4().hex[:8]}@example.com", "Cloud-pass-2026")
    page.goto("/plans")
    cx42 = page.locator(".plan-card", has_text="Cloud Server CX42")
    expect(cx42).to_contain_text("11.90 EUR")
    cx42.get_by_role("link", name="Order Cloud Server CX42").click()
    expect(page).to_have_url(re.compile(r".*/order/cloud-cx42/?$"))
    page.locator("#promotion-code").fill("cx42launch")
    page.locator("#promotion-check").click()
    expect(page.locator("#promotion-effect")).to_contain_text("CX42LAUNCH")
    page.locator("#order-next").click()
    page.locator("#profile-address-line1").fill("Lindenweg 4")
    page.locator("#profile-postal-code").fill("80331")
    page.locator("#profile-city").fill("München")
    page.locator("#profile-save").click()
    expect(page.locator("#review-first-net")).to_have_text("8.00 EUR")
    expect(page.locator("#review-first-tax")).to_have_text("1.52 EUR")
    expect(page.locator("#review-first-gross")).to_have_text("9.52 EUR")
    expect(page.locator("#review-recurring-gross")).to_have_text("11.90 EUR")
    page.locator("#accept-terms").click()
    page.locator("#order-confirm").click()
    # A cloud plan creates a server: the order says it is being set up (and bills from when it runs).
    placed = page.locator("#order-placed")
    expect(placed).to_contain_text("Your server is being set up")
    placed.get_by_role("link", name="See the subscription").click()
    expect(page).to_have_url(re.compile(r".*/subscriptions/SUB-\d{6}/?$"))
    expect(page.locator("#subscription-heading")).to_contain_text("Cloud Server CX42")


def test_a_customer_is_sent_away_from_the_admin_catalog(page: Page) -> None:
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"), timeout=20_000)
    for path in ("/admin/catalog", "/admin/catalog/plans", "/admin/catalog/promotions"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
        expect(page.locator("#plans-list")).to_have_count(0)
