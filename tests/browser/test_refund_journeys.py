"""Bank transfers and refunds on the admin's invoice page, on the production build, in Chromium: an
admin records a partial transfer (more than the balance is refused first), then the rest, then
refunds part of the first transfer after a preview and sees the credit note. A chargeback on the
invoice shows on its page and in the overview, which leads back to it.

The invoice of a customer of its own ("Refund Journey GmbH", Germany, 19 % VAT): one line of
100.00 net + 19.00 tax = 119.00 EUR. 50.00 arrive first (69.00 left), then 69.00. The refund of
20.00 gross: 20.00 / 1.19 = 16.8067 -> 16.81 net, 3.19 tax. At the end the invoice is marked unpaid
and voided, so the demo's paid figures that other journeys read stay as they were.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from backend import clock
from backend.customers.service import open_customer_account
from backend.db import make_engine, unit_of_work
from backend.demo.service import ADMIN_LOGIN
from backend.invoicing import manual_drafts
from backend.invoicing.schemas import DraftInput, DraftLineInput
from backend.kit.policy import Actor
from backend.models import CustomerType, Dispute, InboundWebhookEvent, PaymentProcessor, WebhookResult
from backend.tenancy.service import scope_for_slug
from tests.browser.conftest import RunningConsole
from tests.browser.test_console_smoke import sign_in
from tests.browser.test_subscription_journeys import no_overflow_at_390
from tests.conftest import DEMO_AS_OF

pytestmark = pytest.mark.browser


def _issued_invoice(console: RunningConsole) -> str:
    engine = make_engine(console.database_url)
    try:
        with clock.frozen(DEMO_AS_OF), unit_of_work(engine) as session:
            scope = scope_for_slug(session, "demo")
            admin = Actor.admin(scope.tenant_id)
            account = open_customer_account(
                session, scope, name="Refund Journey GmbH", email="billing@refund-journey.example",
                country="DE", customer_type=CustomerType.BUSINESS,
            )  # fmt: skip
            assert account.id is not None
            line = DraftLineInput(description="Consulting", quantity=Decimal(1), unit_price=Decimal("100.00"))
            draft = manual_drafts.create_draft(
                session, scope, admin, DraftInput(customer_account_id=account.id, lines=[line]), DEMO_AS_OF
            )
            invoice = manual_drafts.issue_invoice(session, scope, admin, draft.id or 0, DEMO_AS_OF)
            assert invoice.number is not None and invoice.gross == Decimal("119.00")
            # A chargeback Stripe reported on an earlier card payment of this invoice (as the webhook
            # records it), for the invoice page and the overview.
            session.add(
                Dispute(
                    tenant_id=scope.tenant_id, processor=PaymentProcessor.STRIPE, external_id="dp_journey",
                    invoice_id=invoice.id, charge_ref="ch_journey", amount=Decimal("119.00"),
                    reason="fraudulent", status="needs_response", opened_at=DEMO_AS_OF,
                )
            )  # fmt: skip
            # A Stripe event whose handler failed an hour ago, for the overview's events card.
            session.add(
                InboundWebhookEvent(
                    tenant_id=scope.tenant_id, processor=PaymentProcessor.STRIPE,
                    event_id="evt_journey_failed", event_type="charge.refunded", payload_sha256="0" * 64,
                    result=WebhookResult.FAILED,
                    error="ChargeNotKnownYet: no payment of charge ch_journey yet",
                    received_at=DEMO_AS_OF - timedelta(hours=1),
                )
            )  # fmt: skip
            return invoice.number
    finally:
        engine.dispose()


def _record(page: Page, amount: str, reference: str) -> None:
    page.locator("#record-payment").first.click()
    page.locator("#payment-amount").fill(amount)
    page.locator("#payment-reference").fill(reference)
    page.locator("#record-payment-confirm").click()


def test_admin_records_a_transfer_in_two_parts_then_refunds_part_of_it(
    page: Page, console: RunningConsole
) -> None:
    number = _issued_invoice(console)
    sign_in(page, *ADMIN_LOGIN)
    expect(page).to_have_url(re.compile(r".*/admin/?$"))
    page.goto(f"/admin/invoices/{number}")
    expect(page.locator("#invoice-balance")).to_contain_text("119.00 EUR")
    payments = page.locator("#invoice-payments")
    expect(payments).to_contain_text("No payment recorded yet")
    expect(page.locator("#invoice-disputes")).to_contain_text("Disputed: 119.00 EUR, fraudulent")
    expect(page.locator("#invoice-disputes")).to_contain_text("Needs response")

    page.locator("#record-payment").first.click()
    dialog = page.locator("#payments-dialog")
    expect(dialog).to_contain_text("The balance due is 119.00 EUR")
    expect(page.locator("#payment-amount")).to_have_value("119.00")  # prefilled with the balance
    page.locator("#payment-amount").fill("200.00")
    page.locator("#payment-reference").fill("SEPA 0001")
    page.locator("#record-payment-confirm").click()
    expect(page.locator("#payment-amount-error")).to_contain_text("at most the balance due, 119.00 EUR")
    expect(page.locator("#invoice-balance")).to_contain_text("119.00 EUR")  # nothing changed
    page.locator("#payment-amount").fill("50.00")
    page.locator("#record-payment-confirm").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#invoice-balance")).to_contain_text("69.00 EUR")
    expect(payments.locator(".payment-row")).to_have_count(1)
    expect(payments).to_contain_text("Bank transfer")
    expect(payments).to_contain_text("SEPA 0001")
    expect(page.locator("#invoice-history")).to_contain_text("Bank transfer recorded")
    no_overflow_at_390(page, "admin-invoice-partial-transfer")

    page.locator("#record-payment").first.click()
    expect(page.locator("#payment-amount")).to_have_value("69.00")
    page.locator("#payment-reference").fill("SEPA 0002")
    page.locator("#record-payment-confirm").click()
    expect(page.locator("#invoice-balance")).to_contain_text("0.00 EUR")

    page.goto("/admin")
    disputes = page.locator("#overview-disputes")
    expect(disputes).to_contain_text(number)
    expect(disputes).to_contain_text("fraudulent")
    events = page.locator("#overview-provider-events")
    expect(events).to_contain_text("Payment provider events")
    failed = events.locator(".failed-event", has_text="evt_journey_failed")
    expect(failed).to_contain_text("charge.refunded")
    expect(failed).to_contain_text("ChargeNotKnownYet: no payment of charge ch_journey yet")
    expect(page.locator("#events-failed")).to_contain_text("Failed")
    no_overflow_at_390(page, "admin-overview-disputes")
    disputes.get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(rf".*/admin/invoices/{number}/?$"))
    expect(page.locator("#invoice-disputes")).to_be_visible()
    expect(page.locator("#invoice-number").locator("..")).to_contain_text("Paid")
    expect(payments.locator(".payment-row")).to_have_count(2)

    payments.locator(".payment-row", has_text="SEPA 0001").locator(".refund-payment").click()
    expect(page.locator("#payment-amount")).to_have_value("50.00")  # what is left of that transfer
    page.locator("#payment-amount").fill("20.00")
    page.locator("#refund-reason").fill("Goodwill for the outage")
    page.locator("#refund-review").click()
    expect(page.locator("#refund-consequence")).to_contain_text(
        "You will give back 20.00 EUR by bank transfer"
    )
    expect(page.locator("#refund-credit-note")).to_contain_text("16.81 EUR net + 3.19 EUR tax")
    no_overflow_at_390(page, "admin-invoice-refund-confirm")
    page.locator("#refund-confirm").click()
    expect(page.locator("#payments-dialog")).to_be_hidden()
    notes = page.locator("#invoice-credit-notes")
    expect(notes).to_contain_text(f"{number}-CN1")
    expect(notes).to_contain_text("20.00 EUR")
    expect(payments).to_contain_text("Partly refunded")
    expect(payments.locator(".refund-entry")).to_contain_text(f"{number}-CN1")
    expect(payments.locator(".refund-entry")).to_contain_text("Goodwill for the outage")
    expect(page.locator("#invoice-history")).to_contain_text("Refunded")
    no_overflow_at_390(page, "admin-invoice-refunded")

    # Clean-up for the other journeys: unpaid again (99.00 = 119.00 less the credit note), then void.
    page.locator("#mark-unpaid").click()
    page.locator("#action-reason").fill("Journey clean-up")
    page.locator("#dialog-confirm").click()
    expect(page.locator("#invoice-balance")).to_contain_text("99.00 EUR")
    page.locator("#void-invoice").click()
    page.locator("#action-reason").fill("Journey clean-up")
    page.locator("#dialog-confirm").click()
    expect(page.locator("#invoice-balance")).to_contain_text("0.00 EUR")

    page.goto("/admin")
    disputes = page.locator("#overview-disputes")
    expect(disputes).to_contain_text(number)
    expect(disputes).to_contain_text("fraudulent")
    no_overflow_at_390(page, "admin-overview-disputes")
    disputes.get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(rf".*/admin/invoices/{number}/?$"))
    expect(page.locator("#invoice-disputes")).to_be_visible()
