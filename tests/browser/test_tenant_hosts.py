"""Two tenants on their own hostnames, served by one console whose PUBLIC_URL names neither.

The operator creates them with `billing-console create-tenant --host ...` while the console runs
(hosts live in the database). On each host a person registers, confirms with the emailed code
(the email links to that tenant's own host), signs in and sees their own tenant. A session cookie
of one host is refused on the other. Chromium resolves every *.localhost name to 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import RunningConsole, save_screenshots
from tests.browser.test_identity_journeys import latest_mail_to, sign_in, text_of

pytestmark = pytest.mark.browser

PASSWORD = "Tenant-host-pass-2027"


@pytest.fixture(scope="module")
def hosts(console: RunningConsole) -> dict[str, str]:
    """Tenant slug -> host (with the console's port), created by the CLI on the console's database."""
    port = console.base_url.rsplit(":", 1)[1]
    found = {"alpha": f"alpha.localhost:{port}", "beta": f"beta.localhost:{port}"}
    env = {**os.environ, "DATABASE_URL": console.database_url, "PUBLIC_URL": console.base_url}
    for slug, host in found.items():
        command = ["create-tenant", "--slug", slug, "--name", f"{slug.title()} Hosting", "--country", "DE"]
        created = subprocess.run(
            [sys.executable, "-m", "billing_console.cli", *command, "--host", host],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert created.returncode == 0, created.stderr
        assert f"links open http://{host};" in created.stdout  # the default: the first host
    return found


def _register_confirm_and_sign_in(page: Page, console: RunningConsole, slug: str, host: str) -> None:
    name, email = f"{slug.title()} Owner", f"owner@{slug}.example"
    page.goto("/register")
    page.locator("#register-name").fill(name)
    page.locator("#register-email").fill(email)
    page.locator("#register-password").fill(PASSWORD)
    page.locator("#register-password-confirm").fill(PASSWORD)
    page.locator("#register-submit").click()
    expect(page).to_have_url(re.compile(r".*/confirm-email\?.*"))

    mail = latest_mail_to(console, email, "confirm your email address")
    assert mail["Subject"] == f"{slug.title()} Hosting: confirm your email address"  # the host's tenant
    body = text_of(mail)
    link = re.search(r"https?://\S+/confirm-email\?\S+", body)
    assert link is not None and link.group(0).startswith(f"http://{host}/confirm-email?"), body
    code = re.search(r"code is (\d{6})", body)
    assert code is not None
    page.goto(link.group(0))  # as if clicked in the email
    expect(page.locator("#confirm-email")).to_have_value(email)
    page.locator("#confirm-code").fill(code.group(1))
    page.locator("#confirm-submit").click()
    expect(page).to_have_url(re.compile(r".*/login\?confirmed=1$"))

    sign_in(page, email, PASSWORD)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))  # the tenant's first user is its admin
    expect(page.locator("#current-user")).to_contain_text(name)
    expect(page.get_by_role("heading", name=f"{slug.title()} Hosting")).to_be_visible()
    assert page.url.startswith(f"http://{host}/")


def test_two_tenants_on_their_own_hosts(
    browser: Browser, console: RunningConsole, hosts: dict[str, str]
) -> None:
    assert hosts["alpha"] not in console.base_url and hosts["beta"] not in console.base_url
    cookies = {}
    for slug, host in hosts.items():
        context = browser.new_context(base_url=f"http://{host}")
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            _register_confirm_and_sign_in(page, console, slug, host)
            save_screenshots(page, f"tenant-host-{slug}-admin")
            cookies[slug] = next(c for c in context.cookies() if c["name"] == "bc_session")
        finally:
            context.close()
    assert cookies["alpha"]["domain"] == "alpha.localhost"  # a host-only cookie of the alpha host

    # The alpha session works on alpha (control), and is refused on beta: back to sign-in.
    for host, expected in ((hosts["alpha"], r".*/admin/?$"), (hosts["beta"], r".*/login/?$")):
        context = browser.new_context(base_url=f"http://{host}")
        try:
            context.add_cookies(
                [{"name": "bc_session", "value": cookies["alpha"]["value"], "url": f"http://{host}"}]
            )
            sent = [c["value"] for c in context.cookies(f"http://{host}/admin") if c["name"] == "bc_session"]
            assert sent == [cookies["alpha"]["value"]]  # the browser sends it to this host
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto("/admin")
            expect(page).to_have_url(re.compile(expected))
            if host == hosts["beta"]:
                expect(page.get_by_role("heading", name="Alpha Hosting")).to_have_count(0)
                save_screenshots(page, "tenant-host-beta-refuses-alpha-cookie")
            else:
                expect(page.get_by_role("heading", name="Alpha Hosting")).to_be_visible()
        finally:
            context.close()
