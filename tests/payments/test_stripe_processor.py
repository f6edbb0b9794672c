"""StripeProcessor against the fake Stripe server, through the real SDK: what the domain relies on."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from backend.integrations.payment_processor import (
    ChargeRequest,
    ChargeStatus,
    CheckoutRequest,
    CustomerRequest,
    InvalidSignature,
    RefundRequest,
)
from backend.integrations.stripe_processor import StripeProcessor
from backend.money import Money
from tests.fakes.stripe_server import FakeStripe

KEY = "sk_test_processor"


@pytest.fixture
def stripe_fake() -> Iterator[tuple[FakeStripe, StripeProcessor]]:
    with FakeStripe([KEY], delivery="manual") as fake:
        secret = fake.set_webhook(KEY, lambda body, headers: 200)
        yield fake, StripeProcessor(KEY, secret, api_base=fake.base_url)


def _eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def _customer(processor: StripeProcessor) -> str:
    return processor.ensure_customer(CustomerRequest(1, 2, "Ada", "ada@example.com", "customer:1:2"))


def test_a_payment_checkout_carries_the_invoice_amount_in_cents_and_the_metadata(stripe_fake) -> None:
    fake, processor = stripe_fake
    request = CheckoutRequest(
        "payment", 1, _customer(processor), "https://x/ok?s={CHECKOUT_SESSION_ID}", "https://x/no",
        "checkout:5:1", amount=_eur("119.00"), invoice_id=5, invoice_number="INV-2026-00005",
        metadata={"payment_id": "9"},
    )  # fmt: skip
    session = processor.create_checkout(request)
    assert session.status == "open" and session.url.endswith(session.id)
    stored = fake.get(session.id)
    assert stored["amount_total"] == 11900 and stored["client_reference_id"] == "5"
    assert stored["metadata"] == {"tenant_id": "1", "payment_id": "9"}
    # The same idempotency key answers the same session: a double click makes one session.
    assert processor.create_checkout(request).id == session.id
    assert processor.expire_checkout(session.id).status == "expired"
    assert processor.expire_checkout(session.id).status == "expired"  # no longer open: returned as is


def test_off_session_charges_succeed_fail_and_replay_by_idempotency_key(stripe_fake) -> None:
    fake, processor = stripe_fake
    customer = _customer(processor)
    setup = processor.create_checkout(
        CheckoutRequest("setup", 1, customer, "https://x/ok", "https://x/no", "s:1")
    )
    fake.complete_checkout(setup.id)
    method = fake.objects(KEY, "payment_method")[0]["id"]
    charge = ChargeRequest(_eur("5.00"), customer, method, "auto:7:1", metadata={"payment_id": "3"})
    first = processor.charge_off_session(charge)
    assert first.status == ChargeStatus.SUCCEEDED and first.payment_intent
    assert processor.charge_off_session(charge).payment_intent == first.payment_intent  # a retried job
    assert len([c for c in fake.objects(KEY, "charge") if c["status"] == "succeeded"]) == 1
    fake.decline_next(customer, 1)
    declined = processor.charge_off_session(ChargeRequest(_eur("5.00"), customer, method, "auto:8:1"))
    assert (declined.status, declined.failure_code) == (ChargeStatus.FAILED, "card_declined")
    refund = processor.refund(RefundRequest(first.payment_intent, _eur("2.00"), "refund:1"))
    assert refund.status == "succeeded" and fake.get(refund.id)["amount"] == 200


def test_webhooks_verify_on_the_raw_body_with_the_accounts_secret(stripe_fake) -> None:
    fake, processor = stripe_fake
    event = {"id": "evt_1", "object": "event", "type": "x.y", "created": 1, "data": {"object": {"id": "o"}}}
    body, header = fake.signed(event, fake.account(KEY).webhook_secret)
    parsed = processor.parse_webhook(body, header)
    assert (parsed.id, parsed.type, parsed.object) == ("evt_1", "x.y", {"id": "o"})
    with pytest.raises(InvalidSignature):
        processor.parse_webhook(body.replace(b"x.y", b"x.z"), header)
    other_body, other_header = fake.signed(event, "whsec_someone_else")
    with pytest.raises(InvalidSignature):
        processor.parse_webhook(other_body, other_header)
    stale_body, stale_header = fake.signed(event, fake.account(KEY).webhook_secret, timestamp=1)
    with pytest.raises(InvalidSignature):
        processor.parse_webhook(stale_body, stale_header)
