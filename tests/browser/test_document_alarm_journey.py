"""An admin opens the overview and sees the document that could not be restored, with the file to put
back from a backup; the alarm belongs to the demo tenant (seeded here in the console's database)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from backend.demo.service import ADMIN_LOGIN
from tests.browser.conftest import RunningConsole, save_screenshots
from tests.browser.test_console_smoke import sign_in

pytestmark = pytest.mark.browser

LOST = "INV-2026-00901"


def _raise_alarm(console: RunningConsole) -> int:
    from backend.db import make_engine
    from backend.models import DocumentAlarm, DocumentKind
    from backend.tenancy.service import scope_for_slug

    engine = make_engine(console.database_url)
    try:
        with Session(engine) as session:
            tenant_id = scope_for_slug(session, "demo").tenant_id
            session.add(
                DocumentAlarm(
                    tenant_id=tenant_id,
                    document_kind=DocumentKind.INVOICE,
                    document_number=LOST,
                    expected_sha256="a" * 64,
                    actual_sha256="b" * 64,
                )
            )
            session.commit()
            return tenant_id
    finally:
        engine.dispose()


def test_the_admin_sees_a_document_that_cannot_be_provided(page: Page, console: RunningConsole) -> None:
    tenant_id = _raise_alarm(console)
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    alarms = page.locator("#document-alarms")
    expect(alarms).to_contain_text("Documents that cannot be provided")
    expect(alarms).to_contain_text(LOST)
    expect(alarms).to_contain_text(f"tenant-{tenant_id}/invoices/{LOST}.pdf")
    expect(alarms).to_contain_text("Restore each file from a backup")
    save_screenshots(page, "admin-overview-document-alarm")
    page.set_viewport_size({"width": 390, "height": 900})
    expect(alarms).to_contain_text(LOST)  # the long file path wraps: no page overflow on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
