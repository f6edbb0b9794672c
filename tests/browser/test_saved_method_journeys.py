"""Saving a card from /profile through the fake Stripe's hosted page, and automatic payment.

The demo tenant takes cards here through its own Stripe account (keys stored for this journey,
removed at its end) at the fake Stripe server, which signs its events with the tenant's webhook
secret and posts them to the tenant's door, /api/webhooks/stripe/demo. The card holder is a new
customer without invoices, so switching automatic payment on charges nothing of the demo the other
journeys read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from backend.customers.service import open_account_for_user
from backend.db import make_engine
from backend.demo.company import erika_profile
from backend.demo.service import DEMO_SLUG
from backend.identity.repository import UserRepository
from backend.identity.users import create_user
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import UserRole
from backend.payments.accounts import remove_stripe_keys, store_stripe_keys
from tests.browser.conftest import RunningConsole, save_screenshots
from tests.browser.test_console_smoke import sign_in
from tests.fakes.stripe_server import FakeStripe

pytestmark = pytest.mark.browser

KEY = "sk_test_saved_cards_journey"
WEBHOOK_SECRET = "whsec_saved_cards_journey"
HOLDER = ("card-holder@demo.example", "card-holder-pass-2026")


def _demo_scope(session: Session) -> TenantScope:
    tenant = TenantDirectory(session).by_slug(DEMO_SLUG)
    assert tenant is not None and tenant.id is not None
    return TenantScope(tenant.id)


@pytest.fixture
def tenant_takes_cards(console: RunningConsole, stripe_fake: FakeStripe) -> Iterator[None]:
    """The demo tenant's own Stripe account at the fake (keys stored, removed at the end), whose
    events go to the tenant's webhook door of the console; and a card holder."""
    engine = make_engine(console.database_url)
    stripe_fake.account(KEY)
    stripe_fake.set_webhook(KEY, f"{console.base_url}/api/webhooks/stripe/{DEMO_SLUG}", secret=WEBHOOK_SECRET)
    with Session(engine) as session:
        scope = _demo_scope(session)
        store_stripe_keys(
            session, scope, secret_key=KEY, webhook_secret=WEBHOOK_SECRET, publishable_key="pk_test_journey"
        )
        if UserRepository(session, scope).by_email(HOLDER[0]) is None:
            user = create_user(
                session,
                scope,
                email=HOLDER[0],
                password=HOLDER[1],
                role=UserRole.CUSTOMER,
                display_name="Carla",
            )
            open_account_for_user(session, scope, user, erika_profile(HOLDER[0]))
        session.commit()
    try:
        yield
    finally:
        with Session(engine) as session:
            remove_stripe_keys(session, _demo_scope(session))
            session.commit()
        engine.dispose()


def test_customer_saves_a_card_on_the_hosted_page_and_turns_automatic_payment_on(
    page: Page, stripe_fake: FakeStripe, tenant_takes_cards: None
) -> None:
    sign_in(page, *HOLDER)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.goto("/profile")
    section = page.locator("#payment-method-section")
    expect(section.locator("#no-card")).to_have_text("No card saved.")
    save_screenshots(page, "profile-payment-method-none")

    page.locator("#save-card").click()
    expect(page).to_have_url(re.compile(r".*/checkout/cs_test_"))
    save_screenshots(page, "fake-stripe-setup-page")
    page.locator("#card_number").fill("5555 5555 5555 4444")
    page.locator("#pay").click()

    expect(page).to_have_url(re.compile(r".*/profile/?\?card=saved"))
    expect(section.locator("#saved-card")).to_have_text("Mastercard ending 4444", timeout=30_000)
    delivered = {d["type"]: d["status"] for d in stripe_fake.deliveries if d["url"].endswith(f"/{DEMO_SLUG}")}
    assert delivered["setup_intent.succeeded"] == delivered["checkout.session.completed"] == 200
    expect(section.locator("#auto-billing-badge")).to_have_text("Pay by hand")
    # the tenant's retry schedule (the default: now, +1, +3, +7 days)
    expect(section.locator("#retry-note")).to_contain_text(
        "tried again 1, 3 and 7 days after the first attempt"
    )
    save_screenshots(page, "profile-payment-method-saved")

    page.locator("#auto-billing-switch").click()
    expect(page.get_by_text("Automatic payment is on")).to_be_visible()
    expect(section.locator("#auto-billing-badge")).to_have_text("Automatic payment on")
    page.reload()
    expect(section.locator("#auto-billing-badge")).to_have_text("Automatic payment on")
    save_screenshots(page, "profile-payment-method-automatic")

    page.locator("#remove-card").click()
    expect(page.get_by_role("alertdialog")).to_contain_text(
        "Mastercard ending 4444 will no longer be charged"
    )
    page.locator("#confirm-remove-card").click()
    expect(section.locator("#no-card")).to_have_text("No card saved.")
    page.reload()
    expect(section.locator("#no-card")).to_have_text("No card saved.")
