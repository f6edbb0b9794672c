"""Account journeys in the production build: sign up, confirm, sign in and out; reset a password.

They run in any order: the stolen-cookie test signs in as Erika, whose password no test changes;
the reset test changes the business customer's.
"""

from __future__ import annotations

import re
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect

from backend.demo.service import BUSINESS_LOGIN, CUSTOMER_LOGIN
from tests.browser.conftest import RunningConsole

pytestmark = pytest.mark.browser


def latest_mail_to(console: RunningConsole, address: str, subject_part: str) -> EmailMessage:
    """The newest message for `address` in the console's outbox (waits briefly for it)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = []
        for path in sorted(console.mail_dir.glob("*.eml")) if console.mail_dir.exists() else []:
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == address and subject_part in message["Subject"]:
                found.append(message)
        if found:
            return found[-1]  # type: ignore[return-value]
        time.sleep(0.2)
    raise AssertionError(f"no email {subject_part!r} to {address} in {console.mail_dir}")


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def sign_in(page: Page, email: str, password: str) -> None:
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()


def test_register_confirm_sign_in_and_sign_out(page: Page, console: RunningConsole) -> None:
    email = f"journey-{uuid.uuid4().hex[:8]}@example.com"
    password = "Journey-pass-2026"
    page.goto("/login")
    page.locator("#login-register-link").click()
    expect(page).to_have_url(re.compile(r".*/register/?$"))
    page.locator("#register-name").fill("Jane Journey")
    page.locator("#register-email").fill(email)
    page.locator("#register-password").fill(password)
    page.locator("#register-password-confirm").fill(password)
    page.locator("#register-submit").click()

    expect(page).to_have_url(re.compile(r".*/confirm-email\?.*"))
    expect(page.locator("#confirm-email")).to_have_value(email)
    code = re.search(r"code is (\d{6})", text_of(latest_mail_to(console, email, "confirm")))
    assert code is not None
    page.locator("#confirm-code").fill(code.group(1))
    page.locator("#confirm-submit").click()

    expect(page).to_have_url(re.compile(r".*/login\?confirmed=1$"))
    expect(page.locator("#login-notice")).to_contain_text("confirmed")
    sign_in(page, email, password)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    expect(page.locator("#current-user")).to_contain_text("Jane Journey")

    cookie = next(c for c in page.context.cookies() if c["name"] == "bc_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # PUBLIC_URL is plain http here; https turns Secure on
    assert page.evaluate("document.cookie").find("bc_session") == -1  # invisible to scripts

    page.locator("#sign-out").click()
    expect(page).to_have_url(re.compile(r".*/login/?$"))
    assert not [c for c in page.context.cookies() if c["name"] == "bc_session"]
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r".*/login/?$"))


def test_a_stolen_cookie_is_worthless_after_sign_out(page: Page, browser: object) -> None:
    page.goto("/login")
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    stolen = [c for c in page.context.cookies() if c["name"] == "bc_session"]
    page.locator("#sign-out").click()
    expect(page).to_have_url(re.compile(r".*/login/?$"))

    thief = browser.new_context(base_url=page.url.split("/login")[0])  # type: ignore[attr-defined]
    try:
        thief.add_cookies(stolen)
        tab = thief.new_page()
        tab.goto("/dashboard")
        expect(tab).to_have_url(re.compile(r".*/login/?$"))
    finally:
        thief.close()


def test_forgotten_password_reset_then_sign_in(page: Page, console: RunningConsole) -> None:
    email = BUSINESS_LOGIN[0]
    new_password = "Fresh-business-pass-9"
    page.goto("/login")
    page.locator("#login-forgot-link").click()
    expect(page).to_have_url(re.compile(r".*/forgot-password/?$"))
    page.locator("#forgot-email").fill(email)
    page.locator("#forgot-submit").click()
    expect(page.locator("#forgot-sent")).to_contain_text(email)

    link = re.search(
        r"https?://\S+/reset-password\?token=\S+", text_of(latest_mail_to(console, email, "reset"))
    )
    assert link is not None
    page.goto(link.group(0))
    page.locator("#reset-password").fill(new_password)
    page.locator("#reset-password-confirm").fill(new_password)
    page.locator("#reset-submit").click()

    expect(page).to_have_url(re.compile(r".*/login\?reset=1$"))
    sign_in(page, email, BUSINESS_LOGIN[1])
    expect(page.locator("#login-error")).to_contain_text("Email or password is wrong")
    sign_in(page, email, new_password)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    expect(page.locator("#current-user")).to_contain_text("Nordwind")

    page.goto(link.group(0))  # the link works once
    page.locator("#reset-password").fill("Another-pass-123")
    page.locator("#reset-password-confirm").fill("Another-pass-123")
    page.locator("#reset-submit").click()
    expect(page.locator("#reset-error")).to_contain_text("wrong, used or expired")
