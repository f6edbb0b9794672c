"""/profile and invitations on the production build, in Chromium: a customer edits the billing
profile (a wrong field's message under it, then saved); an owner invites someone, who opens the
emailed link in a browser of their own, signs up, confirms and accepts; a viewer member sees no
order, cancel or resume button and is refused when calling the API anyway.

Erika (CUSTOMER_LOGIN) owns her account; Nordwind (the business customer) has the viewer Vera
(VIEWER_LOGIN) and a pending invitation (backend/demo/service.py). Erika's profile is saved with
the values it had, so the other journeys see the demo unchanged.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from backend.demo.service import CUSTOMER_LOGIN, PENDING_INVITATION, VIEWER_LOGIN
from tests.browser.conftest import RunningConsole
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_identity_journeys import latest_mail_to, text_of
from tests.browser.test_subscription_journeys import no_overflow_at_390

pytestmark = pytest.mark.browser

NORDWIND_SUPPORT = "SUB-000003"  # Nordwind's support retainer, canceled, still running: resumable


def test_a_customer_sees_a_wrong_field_under_it_then_saves_the_profile(page: Page) -> None:
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.get_by_role("link", name="Profile").first.click()
    expect(page).to_have_url(re.compile(r".*/profile/?$"))
    postal = page.locator("#profile-postal-code")
    expect(postal).not_to_have_value("")
    original = postal.input_value()
    no_overflow_at_390(page, "profile-owner")

    # A country the server cannot read: its message shows under the country field, nothing is saved.
    page.locator("#profile-country").fill("Germany!")
    page.locator("#profile-save").click()
    expect(page.locator("#profile-error")).to_contain_text("correct the marked fields")
    expect(page.locator("#profile-country-error")).to_contain_text("two-letter code")
    expect(page.locator("#profile-postal-code-error")).to_have_count(0)
    no_overflow_at_390(page, "profile-field-error")

    page.locator("#profile-country").fill("DE")
    page.locator("#profile-save").click()
    expect(page.get_by_text("Billing profile saved.")).to_be_visible()
    expect(page.locator("#profile-country-error")).to_have_count(0)
    expect(page.locator("#profile-postal-code")).to_have_value(original)


def test_an_owner_invites_and_the_invitee_signs_up_and_accepts(
    page: Page, browser: object, console: RunningConsole
) -> None:
    invitee = f"invitee-{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    page.goto("/profile")
    page.locator("#invite-email").fill(invitee)
    page.locator("#invite-submit").click()
    expect(page.locator("#invitations-list")).to_contain_text(invitee)
    number = page.locator("#customer-number").inner_text()

    # The account is German (Erika Mustermann, DE), so is its invitation: "Einladung zu ...".
    invitation = latest_mail_to(console, invitee, "Einladung")
    link = re.search(r"https?://\S+/invitations/\S+", text_of(invitation))
    assert link is not None
    path = "/invitations/" + link.group(0).rsplit("/invitations/", 1)[1]
    fresh = browser.new_context(base_url=console.base_url)  # type: ignore[attr-defined]
    try:
        tab = fresh.new_page()
        tab.set_default_timeout(30_000)
        tab.goto(path)
        expect(tab.locator("#invitation-offer")).to_contain_text(invitee)
        expect(tab.locator("#invitation-offer")).to_contain_text("Viewer")
        no_overflow_at_390(tab, "invitation")
        tab.locator("#invitation-sign-up").click()
        expect(tab).to_have_url(re.compile(r".*/register\?.*next=.*"))
        password = "Invitee-pass-2026"
        tab.locator("#register-name").fill("Ines Invitee")
        tab.locator("#register-email").fill(invitee)
        tab.locator("#register-password").fill(password)
        tab.locator("#register-password-confirm").fill(password)
        tab.locator("#register-submit").click()
        expect(tab).to_have_url(re.compile(r".*/confirm-email\?.*"))
        code = re.search(r"code is (\d{6})", text_of(latest_mail_to(console, invitee, "confirm")))
        assert code is not None
        tab.locator("#confirm-code").fill(code.group(1))
        tab.locator("#confirm-submit").click()
        expect(tab).to_have_url(re.compile(r".*/login\?.*next=.*"))
        tab.locator("#login-email").fill(invitee)
        tab.locator("#login-password").fill(password)
        tab.locator("#login-submit").click()
        expect(tab).to_have_url(re.compile(rf".*{re.escape(path)}/?$"))
        tab.locator("#invitation-accept").click()
        expect(tab).to_have_url(re.compile(r".*/profile/?$"))
        expect(tab.locator("#customer-number")).to_have_text(number)  # Erika's account, not a new one
        expect(tab.locator("#members-list")).to_contain_text(invitee)
        expect(tab.locator("#members-read-only")).to_be_visible()  # a viewer manages no members

        tab.goto(path)  # the link works once
        expect(tab.locator("#invitation-unusable")).to_contain_text("used already")
    finally:
        fresh.close()
    page.reload()
    expect(page.locator("#members-list")).to_contain_text(invitee)


def test_a_viewer_is_offered_nothing_to_change_and_refused_by_the_server(page: Page) -> None:
    sign_in(page, *VIEWER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))

    page.goto("/plans")
    pro = page.locator(".plan-card", has_text="Web Hosting Pro")
    expect(pro.locator(".plan-viewer-note")).to_contain_text("Viewers of an account cannot order")
    expect(pro.get_by_role("link", name="Order by email")).to_have_count(0)

    page.goto(f"/subscriptions/{NORDWIND_SUPPORT}")
    expect(page.locator("#subscription-heading")).to_contain_text(NORDWIND_SUPPORT)
    for button in ("#resume-subscription", "#cancel-subscription", "#change-plan"):
        expect(page.locator(button)).to_have_count(0)
    no_overflow_at_390(page, "subscription-viewer")

    page.goto("/profile")
    expect(page.locator("#profile-read-only")).to_be_visible()
    expect(page.locator("#profile-save")).to_have_count(0)
    expect(page.locator("#profile-vat-status")).to_be_visible()  # Nordwind's VAT ID and its status
    expect(page.locator("#members-list")).to_contain_text(VIEWER_LOGIN[0])
    expect(page.locator("#invitations-list")).to_contain_text(PENDING_INVITATION[0])
    expect(page.locator("#invite-email")).to_have_count(0)
    no_overflow_at_390(page, "profile-viewer")

    # The server refuses whatever the page offers: a token of the viewer with the write scope.
    page.goto("/account")
    page.locator("#token-name").fill("viewer-cli")
    page.locator("#token-scope-write").click()
    page.locator("#create-token-submit").click()
    token = page.locator("#new-token").inner_text()
    headers = {"Authorization": f"Bearer {token}"}
    for path in (
        f"/api/v1/subscriptions/{NORDWIND_SUPPORT}/resume",
        f"/api/v1/subscriptions/{NORDWIND_SUPPORT}/cancel",
    ):
        answer = page.request.post(path, headers=headers)
        assert answer.status == 403, answer.text()
        assert "Only owners and billing members" in answer.json()["detail"]
    assert page.request.get(f"/api/v1/subscriptions/{NORDWIND_SUPPORT}", headers=headers).status == 200


def test_a_viewers_crafted_events_are_refused_and_change_nothing(console: RunningConsole) -> None:
    """Hiding the buttons is no protection: the viewer emits the resume and the invite handlers over
    the websocket as a crafted message would; the server refuses both and the database is unchanged."""
    from billing_console.state.profile import ProfileState
    from billing_console.state.subscription_detail import SubscriptionState
    from tests.security.console_db import fingerprint
    from tests.security.console_socket import ConsoleSocket, handler_name
    from tests.security.console_socket import sign_in as socket_sign_in

    socket = ConsoleSocket(console.base_url, socket_sign_in(console.base_url, *VIEWER_LOGIN))
    try:
        path = f"/subscriptions/{NORDWIND_SUPPORT}"
        socket.call(
            handler_name(SubscriptionState, "load"),
            path=path,
            until=lambda reply: reply.values(SubscriptionState).get("loading") is False,
        )
        before = fingerprint(console.database_url)
        reply = socket.call(
            handler_name(SubscriptionState, "confirm_resume"),
            path=path,
            until=lambda reply: bool(reply.values(SubscriptionState).get("refusal")),
        )
        assert "Only owners and billing members" in reply.values(SubscriptionState)["refusal"]
        reply = socket.call(
            handler_name(ProfileState, "invite"),
            {"form_data": {"email": "crafted@example.com", "role": "owner"}},
            path="/profile",
            until=lambda reply: bool(reply.values(ProfileState).get("invite_error")),
        )
        assert "Only owners of the customer account" in reply.values(ProfileState)["invite_error"]
        assert fingerprint(console.database_url) == before
    finally:
        socket.close()
