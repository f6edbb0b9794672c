"""Servers in Chromium (issue 15): a customer orders a server and watches it come up live; an admin
reads the providers and the backorders.

A tenant of its own ("provshop", on provshop.localhost) keeps the demo's figures as the other
journeys expect them. Its service type "Cloud" runs on the simulated provider (servers are rows of
the console's database, booting on the console's clock). The console's clock is frozen, so a new
simulated server would boot "5 seconds later" never: the test plays the cloud and finishes the boot
(sets the row's ready time to now), as the real provider would after a while. The provisioning
coordinator runs in the console's scheduler and worker, as in production; the page learns of the
server's new state only through the status hub's push (the test asserts that no navigation
happened).

Sven has a complete billing profile, so the wizard's profile step shows it and goes on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update

from backend import clock
from backend.audit.service import Actor
from backend.catalog.plans import create_plan
from backend.catalog.schemas import PlanInput, ServiceTypeInput
from backend.catalog.service_types import create_service_type
from backend.customers.service import open_account_for_user
from backend.db import make_engine, unit_of_work
from backend.identity.users import create_user
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import CustomerProfile, ProviderKind, UserRole
from backend.models.provisioning import SimulatedServer
from backend.settings import load_settings
from backend.tenancy.service import create_tenant
from tests.browser.conftest import RunningConsole, save_screenshots
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_subscription_journeys import no_overflow_at_390
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.browser

CUSTOMER, ADMIN, PASSWORD = "sven@provshop.example", "admin@provshop.example", "Provshop-pass-2026"
PLAN_KEY, PLAN_NAME = "cloud-s", "Cloud Server S"
SETUP_TIMEOUT_MS = 120_000  # the coordinator's interval (30 s) plus a worker's turn, twice


@dataclass(frozen=True)
class ProvShop:
    host: str


@pytest.fixture(scope="module")
def provshop(console: RunningConsole) -> ProvShop:
    port = console.base_url.rsplit(":", 1)[1]
    host = f"provshop.localhost:{port}"
    engine = make_engine(console.database_url)
    try:
        with clock.frozen(DEMO_AS_OF), unit_of_work(engine) as session:
            tenant = create_tenant(session, slug="provshop", name="Provshop Cloud", settings=load_settings())
            tenant.issuer_country, tenant.issuer_legal_name = "DE", "Provshop Cloud GmbH"
            TenantDirectory(session).add_host(tenant.id or 0, host)
            scope = TenantScope(tenant.id or 0)
            admin = Actor.admin(scope.tenant_id)
            cloud = create_service_type(
                session,
                scope,
                ServiceTypeInput(key="cloud", name="Cloud", provider=ProviderKind.SIMULATED),
                admin,
            )
            options = {"server_type": ["cx22", "cx32", "cx42"], "location": ["fsn1", "nbg1", "hel1"]}
            create_plan(
                session,
                scope,
                PlanInput(
                    key=PLAN_KEY,
                    name=PLAN_NAME,
                    service_type_id=cloud.id,
                    base_price=Decimal("9.00"),
                    allowed_options=options,
                ),
                admin,
            )
            create_user(session, scope, email=ADMIN, password=PASSWORD, role=UserRole.ADMIN)
            user = create_user(session, scope, email=CUSTOMER, password=PASSWORD, role=UserRole.CUSTOMER)
            profile = CustomerProfile(
                customer_account_id=0, name="Sven Server", country="DE", email=CUSTOMER, billing_day=1,
                address_line1="Serverweg 2", postal_code="10115", city="Berlin",
            )  # fmt: skip
            open_account_for_user(session, scope, user, profile)
        return ProvShop(host)
    finally:
        engine.dispose()


def _tab(browser: Browser, shop: ProvShop) -> Iterator[Page]:
    context = browser.new_context(base_url=f"http://{shop.host}")  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


@pytest.fixture
def sven(browser: Browser, provshop: ProvShop) -> Iterator[Page]:
    yield from _tab(browser, provshop)


@pytest.fixture
def admin(browser: Browser, provshop: ProvShop) -> Iterator[Page]:
    yield from _tab(browser, provshop)


def finish_boot(console: RunningConsole, hostname: str) -> None:
    """The simulated cloud finishes booting the server (its ready time is the console's "now")."""
    engine = make_engine(console.database_url)
    try:
        with unit_of_work(engine) as session:
            done = session.execute(
                update(SimulatedServer).where(SimulatedServer.name == hostname).values(ready_at=DEMO_AS_OF)
            )
            assert done.rowcount == 1, f"the simulated cloud has no server {hostname}"
    finally:
        engine.dispose()


def test_customer_orders_a_server_watches_it_come_up_reveals_the_key_once_and_stops_it(
    sven: Page, console: RunningConsole
) -> None:
    page = sven
    sign_in(page, CUSTOMER, PASSWORD)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    expect(page.locator("#servers")).to_have_count(0)  # no server yet: no section

    page.goto(f"/order/{PLAN_KEY}")
    expect(page.locator("#order-heading")).to_contain_text(PLAN_NAME)
    expect(page.locator("#step-options")).to_be_visible()
    page.get_by_role("radio", name="nbg1").click()
    page.locator("#order-next").click()  # the server is available: on to the next step
    expect(page.locator("#availability")).to_have_count(0)
    expect(page.locator("#step-promotion")).to_be_visible()
    page.locator("#order-next").click()
    expect(page.locator("#profile-summary")).to_contain_text("Serverweg 2")
    page.locator("#order-next").click()
    expect(page.locator("#step-review")).to_be_visible()
    page.locator("#accept-terms").click()
    page.locator("#order-confirm").click()

    placed = page.locator("#order-placed")
    expect(placed).to_contain_text("Your server is being set up")
    save_screenshots(page, "server-order-placed")
    page.locator("#placed-dashboard").click()
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))

    card = page.locator(".server-card")
    expect(card).to_have_count(1)
    expect(card.locator(".server-state")).to_have_text("Setting up")
    expect(card).to_contain_text(PLAN_NAME)
    expect(card).to_contain_text("cx22 in nbg1")
    expect(card.locator(".server-stop")).to_have_count(0)  # no power buttons before it runs
    save_screenshots(page, "server-setting-up")
    hostname = card.locator(".server-hostname").inner_text()
    page.evaluate("window.__notReloaded = true")

    # The coordinator creates the server at the simulated cloud; the cloud finishes the boot.
    expect(card).to_have_attribute("data-hostname", hostname)
    _wait_for_cloud(console, hostname)
    finish_boot(console, hostname)

    expect(card.locator(".server-state")).to_have_text("Running", timeout=SETUP_TIMEOUT_MS)
    assert page.evaluate("window.__notReloaded") is True  # pushed, not reloaded
    subscription = page.locator("#subscriptions-table tbody tr", has_text=PLAN_NAME)
    expect(subscription).to_contain_text("Active")  # billing started with the server, shown at once
    expect(card.locator(".server-ipv4")).to_have_text(re.compile(r"^203\.0\.113\.\d+$"))
    expect(card.locator(".server-ipv6")).to_contain_text("2001:db8:")
    no_overflow_at_390(page, "server-running")

    # The SSH key: once, after a warning.
    card.locator(".server-reveal").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("shown once")
    page.locator("#server-confirm").click()
    key = page.locator("#ssh-private-key")
    expect(key).to_contain_text("BEGIN OPENSSH PRIVATE KEY")
    expect(page.locator("#ssh-command")).to_have_text(
        re.compile(rf"^ssh -i {hostname}_ed25519 root@203\.0\.113\.\d+$")
    )
    save_screenshots(page, "server-ssh-key")
    with page.expect_download() as download:
        page.locator("#ssh-key-download").click()
    assert download.value.suggested_filename == f"{hostname}_ed25519"
    page.locator("#ssh-key-done").click()
    expect(key).to_have_count(0)
    expect(card.locator(".key-revealed")).to_have_text("SSH key already revealed")
    expect(card.locator(".server-reveal")).to_have_count(0)

    # Stop, with confirmation; the buttons wait while it is pending.
    card.locator(".server-stop").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Stop {hostname}?")
    dialog.get_by_role("button", name="Not now").click()
    expect(card.locator(".server-state")).to_have_text("Running")  # nothing happened
    card.locator(".server-stop").click()
    page.locator("#server-confirm").click()
    expect(page.get_by_text(f"{hostname}: stop requested.")).to_be_visible()
    expect(card.locator(".server-state")).to_have_text("Stopping")
    expect(card.locator(".server-reboot")).to_be_disabled()
    save_screenshots(page, "server-stopping")
    _wait_for_cloud(console, hostname, "stopping")  # the job asked the cloud to stop it
    finish_boot(console, hostname)  # the cloud completes the power action
    expect(card.locator(".server-state")).to_have_text("Stopped", timeout=SETUP_TIMEOUT_MS)
    expect(card.locator(".server-start")).to_be_enabled()
    assert page.evaluate("window.__notReloaded") is True
    save_screenshots(page, "server-stopped")
    number = card.locator("a", has_text="SUB-").inner_text()

    # The tenant's admin sees the server on the subscription's page, with its provisioning log.
    page.context.clear_cookies()
    sign_in(page, ADMIN, PASSWORD)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.goto(f"/admin/subscriptions/{number}")
    servers = page.locator("#admin-servers")
    expect(servers.locator(".server-state")).to_have_text("Stopped")
    expect(servers).to_contain_text(hostname)
    expect(servers).to_contain_text("203.0.113.")
    expect(servers).to_contain_text("simulated")  # the provider, for the admin only
    expect(servers.locator("tbody tr").first).to_be_visible()  # the log
    expect(servers).to_contain_text("running")
    expect(servers.locator(".server-retry")).to_have_count(0)  # only a failed one is retried
    no_overflow_at_390(page, "admin-subscription-servers")


def _wait_for_cloud(console: RunningConsole, hostname: str, status: str = "", timeout_s: float = 120) -> None:
    """Until the provisioning job has created the server at the simulated cloud (and, with `status`,
    asked it for the transition that shows as that status)."""
    deadline = time.monotonic() + timeout_s
    engine = make_engine(console.database_url)
    try:
        while time.monotonic() < deadline:
            with unit_of_work(engine) as session:
                found = session.scalars(
                    select(SimulatedServer.status).where(SimulatedServer.name == hostname)
                )
                current = found.first()
            if current is not None and (not status or current == status):
                return
            time.sleep(1)
    finally:
        engine.dispose()
    pytest.fail(f"the provisioning job did not get {hostname} to {status or 'created'} in {timeout_s} s")


def test_admin_reads_the_providers_and_the_backorders(admin: Page, provshop: ProvShop) -> None:
    page = admin
    sign_in(page, ADMIN, PASSWORD)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))

    page.get_by_role("link", name="Cloud providers").click()
    expect(page).to_have_url(re.compile(r".*/admin/providers/?$"))
    card = page.locator(".provider-card", has_text="Cloud")
    expect(card).to_contain_text("Simulated")
    expect(card).to_contain_text("Deployment token")
    expect(card.locator(".provider-health")).to_contain_text("Reachable")
    no_overflow_at_390(page, "admin-providers")

    # A token is write-only: the form never shows one, and an empty one is refused in words.
    card.locator(".provider-set-token").click()
    token = page.locator("#provider-token")
    expect(token).to_have_attribute("type", "password")
    expect(token).to_have_value("")
    page.locator("#provider-token-save").click()
    expect(page.locator("#token-error")).to_contain_text("Paste the API token")
    save_screenshots(page, "admin-provider-token")

    page.get_by_role("link", name="Server backorders").click()
    expect(page).to_have_url(re.compile(r".*/admin/backorders/?$"))
    expect(page.get_by_text("No servers are waiting")).to_be_visible()
    no_overflow_at_390(page, "admin-backorders")
