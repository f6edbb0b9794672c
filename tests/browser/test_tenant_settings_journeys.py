"""The admin of a tenant on its own host edits the tenant's settings on the production build, in
Chromium: a bad IBAN and a bad colour are refused field by field with nothing saved; then payment
terms, the mail sender and a logo are saved, and the next mail comes from that sender.

The tenant is made for this test with the operator's CLI (as tests/browser/test_tenant_hosts.py
does), so the demo tenant the other journeys share keeps its settings.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zlib

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import RunningConsole
from tests.browser.test_identity_journeys import latest_mail_to, sign_in, text_of
from tests.browser.test_subscription_journeys import no_overflow_at_390

pytestmark = pytest.mark.browser

SLUG = "setco"
PASSWORD = "Settings-pass-2027"
ADMIN_EMAIL = "owner@setco.example"


def a_png(width: int = 48, height: int = 16) -> bytes:
    """A real PNG (a blue bar), small enough for the 64 KB rule."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x1f\x4e\x79" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def host(console: RunningConsole) -> str:
    port = console.base_url.rsplit(":", 1)[1]
    found = f"{SLUG}.localhost:{port}"
    env = {**os.environ, "DATABASE_URL": console.database_url, "PUBLIC_URL": console.base_url}
    command = ["create-tenant", "--slug", SLUG, "--name", "Setco Hosting", "--country", "DE", "--host", found]
    created = subprocess.run(
        [sys.executable, "-m", "billing_console.cli", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    return found


def register_the_admin(page: Page, console: RunningConsole) -> None:
    """The tenant's first user becomes its admin."""
    page.goto("/register")
    page.locator("#register-name").fill("Setco Owner")
    page.locator("#register-email").fill(ADMIN_EMAIL)
    page.locator("#register-password").fill(PASSWORD)
    page.locator("#register-password-confirm").fill(PASSWORD)
    page.locator("#register-submit").click()
    expect(page).to_have_url(re.compile(r".*/confirm-email\?.*"))
    code = re.search(r"code is (\d{6})", text_of(latest_mail_to(console, ADMIN_EMAIL, "confirm your email")))
    assert code is not None
    page.locator("#confirm-code").fill(code.group(1))
    page.locator("#confirm-submit").click()
    expect(page).to_have_url(re.compile(r".*/login\?confirmed=1$"))
    sign_in(page, ADMIN_EMAIL, PASSWORD)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))


def fill(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f"#settings-{name.replace('_', '-')}").fill(value)


def test_admin_changes_payment_terms_and_sender_after_field_errors(
    browser: Browser, console: RunningConsole, host: str
) -> None:
    context = browser.new_context(base_url=f"http://{host}")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        register_the_admin(page, console)
        page.get_by_role("link", name="Settings", exact=True).first.click()
        expect(page).to_have_url(re.compile(r".*/admin/settings/?$"))
        expect(page.get_by_role("main").get_by_role("heading", name="Settings", level=1)).to_be_visible()
        expect(page.locator("#settings-payment-terms-days")).to_have_value("14")
        expect(page.locator("#settings-legal-name")).to_have_value("Setco Hosting")
        no_overflow_at_390(page, "admin-settings")

        fill(
            page,
            {
                "payment_terms_days": "30",
                "mail_from_name": "Setco Billing",
                "mail_from_address": "billing@setco.example",
                "iban": "DE89 3704 0044 0532 0130 01",  # last digit wrong: checksum
                "brand_color": "#12345",
            },
        )
        page.locator("#settings-save").click()
        expect(page.locator("#settings-iban-error")).to_contain_text("is not a valid IBAN: wrong checksum")
        expect(page.locator("#settings-brand-color-error")).to_have_text(
            "Write the colour as # and six hex digits, such as #1f4e79; got '#12345'."
        )
        expect(page.locator("#settings-form-error")).to_contain_text("nothing was saved")
        expect(page.locator("#settings-payment-terms-days")).to_have_value("30")  # what was typed stays
        no_overflow_at_390(page, "admin-settings-field-errors")

        fill(page, {"iban": "DE89 3704 0044 0532 0130 00", "brand_color": "#1F4E79"})
        page.locator("#settings-save").click()
        expect(page.get_by_text("Settings saved.")).to_be_visible()
        expect(page.locator("#settings-iban-error")).to_have_count(0)
        expect(page.locator("#settings-brand-color-error")).to_have_count(0)

        page.locator("#logo-upload input[type=file]").set_input_files(
            files=[{"name": "logo.png", "mimeType": "image/png", "buffer": a_png()}]
        )
        expect(page.locator("#settings-logo")).to_be_visible()
        expect(page.get_by_text("Logo saved.")).to_be_visible()

        page.reload()
        expect(page.locator("#settings-payment-terms-days")).to_have_value("30")
        expect(page.locator("#settings-iban")).to_have_value("DE89370400440532013000")
        expect(page.locator("#settings-brand-color")).to_have_value("#1f4e79")
        expect(page.locator("#settings-mail-from-address")).to_have_value("billing@setco.example")
        expect(page.locator("#settings-logo")).to_be_visible()
        no_overflow_at_390(page, "admin-settings-saved")
    finally:
        context.close()

    # The next mail of this tenant comes from the sender just saved.
    visitor = browser.new_context(base_url=f"http://{host}")
    try:
        reset = visitor.new_page()
        reset.goto("/forgot-password")
        reset.locator("#forgot-email").fill(ADMIN_EMAIL)
        reset.locator("#forgot-submit").click()
        expect(reset.locator("#forgot-sent")).to_contain_text(ADMIN_EMAIL)
        mail = latest_mail_to(console, ADMIN_EMAIL, "reset")
        assert mail["From"] == "Setco Billing <billing@setco.example>"
    finally:
        visitor.close()
