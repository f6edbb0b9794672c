"""A customer pays an invoice by card through Stripe Checkout (the tests' fake Stripe), in Chromium.

A tenant of its own ("payshop", on payshop.localhost) keeps the demo's figures as the other journeys
expect them: its customer Paula has one issued invoice of 100.00 EUR net + 19 % VAT = 119.00 EUR.
She opens it, presses Pay, lands on the fake's hosted payment page, pays, and comes back to the
invoice. The fake holds its events back until the test delivers them (as a slow webhook would
arrive), so the page first says it waits for the payment provider, and then, without a reload,
shows the invoice paid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from backend import clock
from backend.audit.service import Actor
from backend.customers.service import open_account_for_user
from backend.db import make_engine, unit_of_work
from backend.identity.users import create_user
from backend.invoicing import manual_drafts
from backend.invoicing.schemas import DraftInput, DraftLineInput
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import CustomerProfile, UserRole
from backend.settings import load_settings
from backend.tenancy.service import create_tenant
from tests.browser.conftest import RunningConsole, save_screenshots
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_subscription_journeys import no_overflow_at_390
from tests.conftest import DEMO_AS_OF
from tests.fakes.stripe_server import FakeStripe

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "paula@payshop.example", "Payshop-pass-2026"


@dataclass(frozen=True)
class PayShop:
    host: str
    invoice_number: str


@pytest.fixture(scope="module")
def payshop(console: RunningConsole) -> PayShop:
    """The tenant, its host, Paula (owner of her account) and her issued invoice, in the console's
    database at the console's frozen "now"."""
    port = console.base_url.rsplit(":", 1)[1]
    host = f"payshop.localhost:{port}"
    engine = make_engine(console.database_url)
    try:
        with clock.frozen(DEMO_AS_OF), unit_of_work(engine) as session:
            tenant = create_tenant(session, slug="payshop", name="Payshop Hosting", settings=load_settings())
            tenant.issuer_legal_name, tenant.issuer_iban = "Payshop Hosting GmbH", "DE02120300000000202051"
            TenantDirectory(session).add_host(tenant.id or 0, host)
            scope = TenantScope(tenant.id or 0)
            user = create_user(session, scope, email=EMAIL, password=PASSWORD, role=UserRole.CUSTOMER)
            profile = CustomerProfile(
                customer_account_id=0, name="Paula Payer", country="DE", email=EMAIL, billing_day=1,
                address_line1="Zahlweg 1", postal_code="10115", city="Berlin",
            )  # fmt: skip
            account = open_account_for_user(session, scope, user, profile)
            admin = Actor.admin(scope.tenant_id)
            line = DraftLineInput(description="Managed server", unit_price=Decimal("100.00"))
            draft = manual_drafts.create_draft(
                session,
                scope,
                admin,
                DraftInput(customer_account_id=account.id or 0, lines=[line]),
                DEMO_AS_OF,
            )
            invoice = manual_drafts.issue_invoice(session, scope, admin, draft.id or 0, DEMO_AS_OF)
            return PayShop(host, invoice.number or "")
    finally:
        engine.dispose()


@pytest.fixture
def paula(browser: Browser, payshop: PayShop) -> Iterator[Page]:
    context = browser.new_context(base_url=f"http://{payshop.host}")  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


@pytest.fixture
def held_events(stripe_fake: FakeStripe) -> Iterator[FakeStripe]:
    """The fake keeps its events until the test delivers them."""
    stripe_fake.delivery = "manual"
    try:
        yield stripe_fake
    finally:
        stripe_fake.delivery = "sync"
        stripe_fake.deliver_all()


def test_customer_pays_an_invoice_through_checkout_and_sees_it_paid_without_a_reload(
    paula: Page, payshop: PayShop, held_events: FakeStripe
) -> None:
    page = paula
    sign_in(page, EMAIL, PASSWORD)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.goto("/invoices")
    row = page.locator("#open-invoices-table tbody tr", has_text=payshop.invoice_number)
    expect(row).to_contain_text("119.00 EUR")
    expect(page.locator("#invoices-open")).to_contain_text("Pay each online by card")
    save_screenshots(page, "payment-invoices")
    no_overflow_at_390(page, "payment-invoices")

    row.get_by_role("link", name=payshop.invoice_number).click()
    expect(page.locator("#invoice-number")).to_have_text(payshop.invoice_number)
    expect(page.locator("#invoice-bank")).to_contain_text("DE02120300000000202051")  # transfer works too
    save_screenshots(page, "payment-invoice-open")

    # Pay, then change one's mind on the payment page: nothing charged, the invoice still open.
    page.locator("#invoice-pay").click()
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/checkout/cs_"))
    first_page = page.url
    page.locator("#cancel").click()
    expect(page).to_have_url(re.compile(rf".*/invoices/{payshop.invoice_number}\?canceled=1$"))
    expect(page.locator("#payment-canceled")).to_contain_text("Nothing was charged")
    save_screenshots(page, "payment-canceled")

    # Pay again: the same open session (one Checkout per invoice and amount), a test card that succeeds.
    page.locator("#invoice-pay").click()
    expect(page).to_have_url(first_page)
    expect(page.locator("#amount")).to_contain_text("119.00")
    page.locator("#pay").click()

    # Back on the invoice: Stripe's word is still on its way.
    expect(page).to_have_url(re.compile(rf".*/invoices/{payshop.invoice_number}\?paid=cs_\w+$"))
    waiting = page.locator("#payment-waiting")
    expect(waiting).to_contain_text("Waiting for confirmation from the payment provider")
    expect(page.locator("#invoice-pay")).to_have_count(0)  # no second payment meanwhile
    expect(page.locator("#invoice-bank")).to_have_count(0)
    save_screenshots(page, "payment-waiting")
    page.evaluate("window.__notReloaded = true")

    delivered = held_events.deliver_all()
    assert any(held_events.get(e)["type"] == "checkout.session.completed" for e in delivered)

    expect(page.locator("#payment-paid")).to_contain_text("Paid", timeout=15_000)
    expect(waiting).to_have_count(0)
    expect(page.get_by_text(f"Payment received: invoice {payshop.invoice_number} is paid.")).to_be_visible()
    expect(page.locator("#invoice-number").locator("..")).to_contain_text("Paid")
    assert page.evaluate("window.__notReloaded") is True  # pushed to the page, not reloaded
    save_screenshots(page, "payment-paid")
