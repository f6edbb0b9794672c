"""Refusals in the console's own look: an unknown address (404), the job monitor for anyone but the
operator's admins (403), and the job monitor itself with the console's bar and the way back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from backend.demo.service import ADMIN_LOGIN, CUSTOMER_LOGIN
from tests.browser.conftest import save_screenshots
from tests.browser.test_console_smoke import sign_in

pytestmark = pytest.mark.browser


def no_horizontal_overflow(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize(
    ("path", "status", "element", "heading", "shot"),
    [
        ("/no-such-page", 404, "not-found", "Page not found", "not-found-signed-out"),
        ("/admin/queues/", 403, "jobs-refused", "Admins only", "job-monitor-refused-signed-out"),
    ],
    ids=["unknown address", "job monitor"],
)
def test_a_signed_out_visitor_is_refused_in_the_sign_in_frame_and_offered_to_sign_in(
    page: Page, path: str, status: int, element: str, heading: str, shot: str
) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status
    expect(page.locator(f"#{element}")).to_be_visible()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    save_screenshots(page, shot)
    page.locator(f"#{element}-sign-in").click()
    expect(page).to_have_url(re.compile(r".*/login/?$"))


def test_a_customer_at_an_unknown_address_sees_it_in_the_console_and_gets_home(page: Page) -> None:
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    response = page.goto("/invoices/2026/no-such-invoice")
    assert response is not None and response.status == 404
    expect(page.locator("#not-found")).to_contain_text("There is no page at this address")
    expect(page.locator("#current-user")).to_contain_text("Erika Mustermann")  # the console's frame
    no_horizontal_overflow(page)
    save_screenshots(page, "not-found")
    page.locator("#not-found-home").click()
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))


def test_a_customer_opening_the_job_monitor_is_refused_in_the_console(page: Page) -> None:
    sign_in(page, *CUSTOMER_LOGIN)
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))
    response = page.goto("/admin/queues/jobs")
    assert response is not None and response.status == 403
    refusal = page.locator("#jobs-refused")
    expect(refusal).to_contain_text("Error 403")
    expect(refusal).to_contain_text("The job monitor is for administrators")
    expect(page.locator("#current-user")).to_contain_text("Erika Mustermann")
    no_horizontal_overflow(page)
    save_screenshots(page, "job-monitor-refused")
    page.locator("#jobs-refused-home").click()
    expect(page).to_have_url(re.compile(r".*/dashboard/?$"))


def test_the_admin_opens_the_job_monitor_under_the_consoles_bar_and_comes_back(page: Page) -> None:
    sign_in(page, *ADMIN_LOGIN)
    expect(page.locator("#admin-overview")).to_be_visible()
    page.get_by_role("link", name="Job queues", exact=True).click()
    expect(page).to_have_url(re.compile(r".*/admin/queues/queues$"))
    bar = page.locator("#console-bar")
    expect(bar).to_contain_text("Billing Console")
    expect(bar).to_contain_text("Job monitor")
    expect(page.locator("table")).to_contain_text("billing")  # the dashboard's own queue table
    save_screenshots(page, "job-monitor")
    page.locator("#console-back").click()
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    expect(page.locator("#admin-overview")).to_be_visible()
