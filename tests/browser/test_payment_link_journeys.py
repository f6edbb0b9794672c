"""Payments on the production build, in Chromium: the admin's payment settings (write-only Stripe
keys, refused per field, disconnect) and a payment link for an email address, opened without
sign-in in a fresh browser context, then revoked.

The console runs with the deployment's Stripe account (the tests' fake Stripe), so the demo
tenant's customers can pay by card: the link's page shows the invoice, the Pay button and, since
the issuer has an IBAN, the bank details. The tenant's own keys saved here are disconnected again
(the other journeys share this console).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from backend.demo.service import ADMIN_LOGIN
from tests.browser.conftest import RunningConsole, save_screenshots
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_subscription_journeys import no_overflow_at_390 as _no_overflow_at_390

pytestmark = pytest.mark.browser

SECRET = "sk_test_" + "a1B2c3D4e5" * 3
WEBHOOK = "whsec_" + "Q1w2E3r4T5" * 3


def no_overflow_at_390(page: Page, name: str) -> None:
    """From the top of the page (the sticky header stays where it belongs in the screenshots)."""
    page.evaluate("window.scrollTo(0, 0)")
    _no_overflow_at_390(page, name)


def test_admin_stores_stripe_keys_write_only_and_disconnects_them(page: Page) -> None:
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.get_by_role("link", name="Payment settings").first.click()
    expect(page).to_have_url(re.compile(r".*/admin/settings/payments/?$"))
    expect(page.get_by_role("main").get_by_role("heading", name="Payment settings", level=1)).to_be_visible()
    expect(page.locator("#payment-mode")).to_have_text("The deployment's Stripe account")
    expect(page.locator("#stripe-webhook-url")).to_contain_text("/api/webhooks/stripe/")
    expect(page.locator("#bank-details")).to_contain_text("IBAN")
    no_overflow_at_390(page, "admin-payment-settings-deployment")

    page.locator("#stripe-secret-key").fill("pk_test_" + "x" * 20)
    page.locator("#stripe-webhook-secret").fill(WEBHOOK)
    page.locator("#stripe-save").click()
    expect(page.locator("#stripe-secret-key-error")).to_contain_text("starts with sk_test_")
    expect(page.locator("#payment-mode")).to_have_text("The deployment's Stripe account")  # nothing stored
    save_screenshots(page, "admin-payment-settings-refused")

    page.locator("#stripe-secret-key").fill(SECRET)
    page.locator("#stripe-webhook-secret").fill(WEBHOOK)
    page.locator("#stripe-save").click()
    expect(page.get_by_text("Stripe keys saved.")).to_be_visible()
    expect(page.locator("#payment-mode")).to_have_text("Your own Stripe account")
    # write-only: the fields are empty and say the key is kept; the page source holds no key
    expect(page.locator("#stripe-secret-key")).to_have_value("")
    expect(page.locator("#stripe-secret-key")).to_have_attribute(
        "placeholder", "configured — leave empty to keep"
    )
    page.reload()
    expect(page.locator("#payment-mode")).to_have_text("Your own Stripe account")
    assert SECRET not in page.content() and WEBHOOK not in page.content()
    no_overflow_at_390(page, "admin-payment-settings-own-stripe")

    page.locator("#stripe-disconnect").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Disconnect your Stripe account?")
    page.locator("#stripe-disconnect-confirm").click()
    expect(page.locator("#payment-mode")).to_have_text("The deployment's Stripe account")


def test_admin_sends_a_payment_link_to_an_email_and_a_stranger_opens_it(
    page: Page, browser: Browser, console: RunningConsole
) -> None:
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.get_by_role("link", name="Payment links").first.click()
    expect(page).to_have_url(re.compile(r".*/admin/payment-links/?$"))
    expect(page.get_by_role("main").get_by_role("heading", name="Payment links", level=1)).to_be_visible()

    page.locator("#link-create").click()  # nothing filled in: refused per field, nothing issued
    expect(page.locator("#link-form-error")).to_contain_text("Add at least one line")
    page.locator("#link-email").fill("walk-in@example.test")
    page.locator("#link-line-description-0").fill("Emergency server migration")
    page.locator("#link-line-price-0").fill("120.00")
    page.locator("#link-expires").fill("7")
    save_screenshots(page, "admin-payment-link-form")
    page.locator("#link-create").click()
    created = page.locator("#link-created")
    expect(created).to_contain_text("was issued and its link emailed to walk-in@example.test")
    url = page.locator("#link-created-url").inner_text()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/pay/[A-Za-z0-9_-]{40,}", url), url
    number = created.locator("strong").inner_text()
    expect(page.locator("#link-list")).to_contain_text(number)
    expect(page.locator(".link-row", has_text=number)).to_contain_text("Active")
    no_overflow_at_390(page, "admin-payment-links")

    # a stranger's browser: no cookies, no session
    stranger = browser.new_context(base_url=console.base_url)
    try:
        public = stranger.new_page()
        public.set_default_timeout(30_000)
        public.goto(url)
        expect(public.locator("#pay-invoice-number")).to_have_text(number)
        expect(public.locator("#pay-lines")).to_contain_text("Emergency server migration")
        # 120.00 net + 19 % VAT (22.80) = 142.80
        expect(public.locator("#pay-totals")).to_contain_text("142.80")
        expect(public.locator("#pay-bank")).to_contain_text("IBAN")
        expect(public.locator("#pay-bank")).to_contain_text(number)  # the transfer reference
        expect(public.locator("#pay-button")).to_contain_text("142.80")  # by card, or by transfer
        width = public.evaluate("document.documentElement.scrollWidth")
        public.set_viewport_size({"width": 390, "height": 900})
        public.wait_for_timeout(300)
        assert public.evaluate("document.documentElement.scrollWidth") <= 390, width
        save_screenshots(public, "pay-link-open")

        public.goto(url[:-4] + "AAAA")
        expect(public.locator("#pay-not-found")).to_contain_text("This payment link is not valid")

        # the admin finds the link on the invoice's page and withdraws it: the stranger's page says so
        page.goto(f"/admin/invoices/{number}")
        row = page.locator(".invoice-link-row", has_text="walk-in@example.test")
        expect(row).to_contain_text("Active")
        row.locator(".invoice-link-revoke").click()
        page.locator("#invoice-link-revoke-confirm").click()
        expect(page.get_by_text("Payment link revoked")).to_be_visible()
        expect(row).to_contain_text("Revoked")
        no_overflow_at_390(page, "admin-invoice-payment-links")
        public.goto(url)
        expect(public.locator("#pay-unusable")).to_contain_text("withdrawn by the sender")
        save_screenshots(public, "pay-link-revoked")
    finally:
        stranger.close()
