"""The fake Stripe server, driven by the real SDK: the shapes, errors, webhooks and controls the payment
tests rely on."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import stripe

from tests.fakes.stripe_server import FakeStripe

KEY_A = "sk_test_tenant_a"
KEY_B = "sk_test_tenant_b"
INVOICE_LINE = {
    "quantity": 1,
    "price_data": {"currency": "eur", "unit_amount": 1190, "product_data": {"name": "Invoice 2026-0001"}},
}


class Receiver:
    """A webhook endpoint on a real port: keeps what it receives, answers `status`."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append((body, dict(self.headers.items())))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/api/webhooks/stripe"

    @property
    def types(self) -> list[str]:
        return [json.loads(body)["type"] for body, _ in self.received]

    def last(self, event_type: str) -> tuple[bytes, str]:
        body, headers = next(
            (b, h) for b, h in reversed(self.received) if json.loads(b)["type"] == event_type
        )
        return body, headers["Stripe-Signature"]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Recorder:
    """A webhook target called in-process (as an app behind a TestClient would be)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, body: bytes, headers: dict[str, str]) -> int:
        self.events.append(json.loads(body))
        return 200

    @property
    def types(self) -> list[str]:
        return [event["type"] for event in self.events]


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe([KEY_A, KEY_B]) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def client(fake: FakeStripe) -> stripe.StripeClient:
    return fake.client(KEY_A)


def make_customer(client: stripe.StripeClient, email: str = "ada@example.com") -> stripe.Customer:
    return client.v1.customers.create(params={"email": email, "name": "Ada", "metadata": {"tenant_id": "3"}})


def payment_session(
    client: stripe.StripeClient, customer: str | None = None, **extra: Any
) -> stripe.checkout.Session:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [INVOICE_LINE],
        "client_reference_id": "41",
        "metadata": {"tenant_id": "3", "invoice_id": "41"},
        "payment_intent_data": {
            "metadata": {"tenant_id": "3", "invoice_id": "41"},
            "description": "Invoice 41",
        },
        "success_url": "https://console.test/pay/done?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://console.test/pay/cancelled",
        **extra,
    }
    if customer:
        params["customer"] = customer
    return client.v1.checkout.sessions.create(params=params)


def off_session_charge(
    client: stripe.StripeClient, customer: str, pm: str, **options: Any
) -> stripe.PaymentIntent:
    params = {
        "amount": 1190,
        "currency": "eur",
        "customer": customer,
        "payment_method": pm,
        "off_session": True,
        "confirm": True,
        "metadata": {"invoice_id": "41"},
    }
    return client.v1.payment_intents.create(params=params, options=options)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- checkout


def test_checkout_session_create_retrieve_and_expire_have_stripes_shapes(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    customer = make_customer(client)
    fake.now = lambda: 1_800_000_000
    session = payment_session(client, customer.id, expires_at=1_800_000_000 + 3600)

    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_")
    assert (session.mode, session.status, session.payment_status) == ("payment", "open", "unpaid")
    assert (session.amount_total, session.currency, session.customer) == (1190, "eur", customer.id)
    assert session.client_reference_id == "41"
    assert session.metadata.to_dict() == {"tenant_id": "3", "invoice_id": "41"}
    assert session.payment_intent is None  # created when the customer pays, like Stripe today
    assert (session.created, session.expires_at) == (1_800_000_000, 1_800_003_600)
    assert session.url == f"{fake.base_url}/checkout/{session.id}"
    # the wire format: nested keys arrive as nested data
    created = fake.requests_for("POST", "/v1/checkout/sessions")[0]
    assert created["params"]["line_items"][0]["price_data"]["unit_amount"] == "1190"
    assert created["params"]["payment_intent_data"]["metadata"] == {"tenant_id": "3", "invoice_id": "41"}

    again = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["line_items"]})
    assert again.line_items.data[0].price.unit_amount == 1190
    assert again.line_items.data[0].description == "Invoice 2026-0001"

    expired = client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert fake.events(KEY_A, "checkout.session.expired")[0]["data"]["object"]["id"] == session.id
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.expire(session.id)
    assert refused.value.http_status == 400
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


def test_checkout_validation_answers_like_stripe(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        payment_session(client, colour="blue")
    assert (unknown.value.code, unknown.value.param) == ("parameter_unknown", "colour")
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.checkout.sessions.create(params={"mode": "payment", "success_url": "https://x.test/"})
    assert (missing.value.code, missing.value.param) == ("parameter_missing", "line_items")
    with pytest.raises(stripe.InvalidRequestError) as other_tenant:
        payment_session(client, "cus_unknown")
    assert (other_tenant.value.http_status, other_tenant.value.param) == (400, "customer")
    with pytest.raises(stripe.InvalidRequestError) as too_late:
        payment_session(client, expires_at=20_000_000_000)
    assert too_late.value.param == "expires_at"


def test_paying_on_the_hosted_page_sends_a_signed_event_only_its_accounts_secret_accepts(
    fake: FakeStripe, client: stripe.StripeClient, receiver: Receiver
) -> None:
    secret_a = fake.set_webhook(KEY_A, receiver.url)
    secret_b = fake.set_webhook(KEY_B, receiver.url)
    customer = make_customer(client)
    session = payment_session(client, customer.id)

    page = httpx.get(session.url)
    assert page.status_code == 200
    assert "€11.90" in page.text and "Invoice 41" in page.text and 'id="pay"' in page.text
    paid = httpx.post(
        f"{fake.base_url}/checkout/{session.id}/pay", data={"card_number": "4242 4242 4242 4242"}
    )
    assert paid.status_code == 303
    assert paid.headers["location"] == f"https://console.test/pay/done?session={session.id}"

    assert receiver.types == [
        "customer.created",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    body, header = receiver.last("checkout.session.completed")
    assert header.startswith("t=") and ",v1=" in header
    event = stripe.Webhook.construct_event(body, header, secret_a)
    assert (event.type, event.object, event.livemode, event.api_version) == (
        "checkout.session.completed",
        "event",
        False,
        stripe.api_version,
    )
    completed = event.data.object
    assert (completed.id, completed.status, completed.payment_status) == (session.id, "complete", "paid")
    assert completed.client_reference_id == "41"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, secret_b)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.replace(b"1190", b"1"), header, secret_a)

    intent = client.v1.payment_intents.retrieve(
        completed.payment_intent, params={"expand": ["latest_charge.balance_transaction"]}
    )
    assert (intent.status, intent.amount_received, intent.customer) == ("succeeded", 1190, customer.id)
    assert intent.metadata.to_dict() == {"tenant_id": "3", "invoice_id": "41"}
    charge = intent.latest_charge
    assert charge.id.startswith("ch_") and charge.payment_method.startswith("pm_")
    assert charge.payment_method_details.card.last4 == "4242"
    assert charge.metadata.to_dict() == {"tenant_id": "3", "invoice_id": "41"}
    txn = charge.balance_transaction
    assert (txn.type, txn.amount, txn.fee, txn.net) == ("charge", 1190, 43, 1147)  # 1.5 % + 25

    again = httpx.post(f"{fake.base_url}/checkout/{session.id}/pay")
    assert again.status_code == 400 and "already complete" in again.text


def test_declined_card_on_the_page_keeps_the_session_open_and_cancel_goes_back(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    session = payment_session(client)
    declined = httpx.post(
        f"{fake.base_url}/checkout/{session.id}/pay", data={"card_number": "4000000000000002"}
    )
    assert declined.status_code == 402 and "Your card was declined." in declined.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    cancel = httpx.get(f"{fake.base_url}/checkout/{session.id}/cancel")
    assert (cancel.status_code, cancel.headers["location"]) == (303, "https://console.test/pay/cancelled")
    fake.expire_checkout(session.id)
    gone = httpx.post(f"{fake.base_url}/checkout/{session.id}/pay")
    assert gone.status_code == 400 and "expired" in gone.text


def test_saving_a_card_in_setup_mode_then_charging_it_off_session(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    recorder = Recorder()
    fake.set_webhook(KEY_A, recorder)
    customer = make_customer(client)
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "setup",
            "customer": customer.id,
            "currency": "eur",
            "setup_intent_data": {"metadata": {"tenant_id": "3"}},
            "success_url": "https://console.test/card/saved",
        }
    )
    assert session.payment_status == "no_payment_required"
    assert "Save card" in httpx.get(session.url).text
    saved = httpx.post(f"{fake.base_url}/checkout/{session.id}/pay")
    assert (saved.status_code, saved.headers["location"]) == (303, "https://console.test/card/saved")
    assert recorder.types[-3:] == [
        "setup_intent.created",
        "setup_intent.succeeded",
        "checkout.session.completed",
    ]

    completed = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["setup_intent.payment_method"]}
    )
    setup_intent = completed.setup_intent
    assert (setup_intent.object, setup_intent.status, setup_intent.customer) == (
        "setup_intent",
        "succeeded",
        customer.id,
    )
    assert setup_intent.metadata.to_dict() == {"tenant_id": "3"}
    method = setup_intent.payment_method
    assert (method.id[:3], method.card.brand, method.card.last4, method.customer) == (
        "pm_",
        "visa",
        "4242",
        customer.id,
    )
    listed = client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"})
    assert [pm.id for pm in listed.data] == [method.id]

    updated = client.v1.customers.update(
        customer.id, params={"invoice_settings": {"default_payment_method": method.id}}
    )
    assert updated.invoice_settings.default_payment_method == method.id

    intent = off_session_charge(client, customer.id, method.id)
    assert (intent.status, intent.amount_received, intent.payment_method) == ("succeeded", 1190, method.id)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.status, charge.customer, charge.metadata.to_dict()) == (
        "succeeded",
        customer.id,
        {"invoice_id": "41"},
    )


# ------------------------------------------------------------------------------------------- off session


def test_off_session_charges_declined_twice_then_paid_on_the_third_try(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    customer = make_customer(client)
    method = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    fake.decline_next(customer.id, 2, code="insufficient_funds")

    for attempt in range(2):
        with pytest.raises(stripe.CardError) as declined:
            off_session_charge(client, customer.id, method.id)
        error = declined.value
        assert (error.http_status, error.code, error.error.decline_code) == (
            402,
            "card_declined",
            "insufficient_funds",
        )
        intent = error.error.payment_intent
        assert intent.status == "requires_payment_method"
        assert intent.last_payment_error.decline_code == "insufficient_funds"
        assert intent.metadata.to_dict() == {"invoice_id": "41"}
        failed = client.v1.charges.retrieve(intent.latest_charge)
        assert (failed.status, failed.failure_code, failed.balance_transaction) == (
            "failed",
            "card_declined",
            None,
        )
        assert len(fake.events(KEY_A, "payment_intent.payment_failed")) == attempt + 1

    paid = off_session_charge(client, customer.id, method.id)
    assert paid.status == "succeeded"
    assert [c["status"] for c in fake.objects(KEY_A, "charge")] == ["failed", "failed", "succeeded"]


def test_test_payment_methods_decline_and_require_authentication(client: stripe.StripeClient) -> None:
    customer = make_customer(client)
    with pytest.raises(stripe.CardError) as declined:
        off_session_charge(client, customer.id, "pm_card_chargeDeclined")
    assert (declined.value.code, declined.value.user_message) == ("card_declined", "Your card was declined.")

    with pytest.raises(stripe.CardError) as needs_customer:
        off_session_charge(client, customer.id, "pm_card_authenticationRequired")
    assert needs_customer.value.code == "authentication_required"
    assert needs_customer.value.error.payment_intent.status == "requires_payment_method"

    on_session = client.v1.payment_intents.create(
        params={
            "amount": 500,
            "currency": "eur",
            "payment_method": "pm_card_authenticationRequired",
            "confirm": True,
        }
    )
    assert (on_session.status, on_session.next_action.type) == ("requires_action", "use_stripe_sdk")

    with pytest.raises(stripe.InvalidRequestError) as too_small:
        client.v1.payment_intents.create(params={"amount": 10, "currency": "eur"})
    assert too_small.value.code == "amount_too_small"


def test_an_idempotency_key_replays_the_first_answer_and_refuses_other_parameters(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    customer = make_customer(client)
    first = off_session_charge(client, customer.id, "pm_card_visa", idempotency_key="invoice-41-try-1")
    second = off_session_charge(client, customer.id, "pm_card_visa", idempotency_key="invoice-41-try-1")
    assert second.id == first.id and second.latest_charge == first.latest_charge
    assert len(fake.objects(KEY_A, "charge")) == 1
    requests = fake.requests_for("POST", "/v1/payment_intents")
    assert [r["replayed"] for r in requests] == [False, True]
    assert {r["idempotency_key"] for r in requests} == {"invoice-41-try-1"}

    with pytest.raises(stripe.IdempotencyError) as mismatch:
        client.v1.payment_intents.create(
            params={"amount": 999, "currency": "eur", "customer": customer.id},
            options={"idempotency_key": "invoice-41-try-1"},
        )
    assert mismatch.value.http_status == 400
    assert mismatch.value.error.type == "idempotency_error"

    # a declined attempt is replayed as the same decline, not charged again
    fake.decline_next(customer.id, 1)
    with pytest.raises(stripe.CardError) as one:
        off_session_charge(client, customer.id, "pm_card_visa", idempotency_key="invoice-41-try-2")
    with pytest.raises(stripe.CardError) as two:
        off_session_charge(client, customer.id, "pm_card_visa", idempotency_key="invoice-41-try-2")
    assert one.value.error.payment_intent.id == two.value.error.payment_intent.id
    assert len(fake.objects(KEY_A, "charge")) == 2

    # every POST carries a key (the SDK makes one up): the same body twice is two objects
    make_customer(client, "same@example.com")
    make_customer(client, "same@example.com")
    assert len(fake.objects(KEY_A, "customer")) == 3


# ------------------------------------------------------------------------------------------- refunds


def test_refunds_part_then_the_rest_and_never_more_than_was_charged(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    recorder = Recorder()
    fake.set_webhook(KEY_A, recorder, enabled_events=["charge.refunded"])
    customer = make_customer(client)
    intent = off_session_charge(client, customer.id, "pm_card_visa")

    part = client.v1.refunds.create(
        params={"payment_intent": intent.id, "amount": 500, "metadata": {"note": "goodwill"}}
    )
    assert (part.object, part.status, part.amount, part.charge) == (
        "refund",
        "succeeded",
        500,
        intent.latest_charge,
    )
    assert part.id.startswith("re_")
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (500, False)
    txn = client.v1.balance_transactions.retrieve(part.balance_transaction)
    assert (txn.type, txn.amount, txn.fee) == ("refund", -500, 0)

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 691})
    assert (too_much.value.http_status, too_much.value.code, too_much.value.param) == (
        400,
        "amount_too_large",
        "amount",
    )

    rest = client.v1.refunds.create(params={"charge": intent.latest_charge})
    assert rest.amount == 690
    assert client.v1.refunds.retrieve(rest.id).payment_intent == intent.id
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"payment_intent": intent.id})
    assert again.value.code == "charge_already_refunded"

    assert recorder.types == ["charge.refunded", "charge.refunded"]
    refunded = recorder.events[-1]["data"]["object"]
    assert (refunded["amount_refunded"], refunded["refunded"], refunded["payment_intent"]) == (
        1190,
        True,
        intent.id,
    )
    assert refunded["metadata"] == {"invoice_id": "41"}
    assert [r["amount"] for r in refunded["refunds"]["data"]] == [690, 500]
    assert recorder.events[-1]["data"]["previous_attributes"] == {"amount_refunded": 500, "refunded": False}


def test_dashboard_refund_dispute_and_payout_events(fake: FakeStripe, client: stripe.StripeClient) -> None:
    recorder = Recorder()
    fake.set_webhook(KEY_A, recorder)
    fake.now = lambda: 1_900_000_000
    customer = make_customer(client)
    intent = off_session_charge(client, customer.id, "pm_card_visa")

    refund = fake.refund_from_dashboard(intent.latest_charge, amount=190)
    event = recorder.events[-1]
    assert (event["type"], event["created"], event["request"]) == (
        "charge.refunded",
        1_900_000_000,
        {"id": None, "idempotency_key": None},
    )
    assert event["data"]["object"]["refunds"]["data"][0]["id"] == refund["id"]

    dispute = fake.open_dispute(intent.latest_charge, reason="fraudulent")
    assert dispute["id"].startswith("dp_") and dispute["amount"] == 1000
    assert recorder.types[-2:] == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]
    assert recorder.events[-2]["data"]["object"]["status"] == "needs_response"
    with pytest.raises(stripe.InvalidRequestError) as disputed:
        client.v1.refunds.create(params={"payment_intent": intent.id})
    assert disputed.value.code == "charge_disputed"
    fake.close_dispute(dispute["id"], status="lost")
    closed = recorder.events[-1]
    assert (closed["type"], closed["data"]["object"]["status"]) == ("charge.dispute.closed", "lost")
    assert client.v1.disputes.retrieve(dispute["id"]).status == "lost"

    paid = fake.payout(KEY_A, 5000, "eur")
    failed = fake.payout(KEY_A, 700, "eur", status="failed")
    assert recorder.types[-4:] == ["payout.created", "payout.paid", "payout.created", "payout.failed"]
    paid_event = recorder.events[-3]["data"]["object"]
    assert (paid_event["id"], paid_event["status"], paid_event["arrival_date"]) == (
        paid["id"],
        "paid",
        1_900_000_000 + 2 * 86_400,
    )
    failed_event = recorder.events[-1]["data"]["object"]
    assert failed_event["failure_code"] == "account_closed"
    assert failed_event["failure_message"] == "The bank account has been closed."
    txn = client.v1.balance_transactions.retrieve(failed["balance_transaction"])
    assert (txn.type, txn.amount) == ("payout", -700)

    listed = client.v1.events.list(params={"type": "payout.*", "limit": 3})
    assert [e.type for e in listed.data] == ["payout.failed", "payout.created", "payout.paid"]
    assert client.v1.events.retrieve(closed["id"]).data.object.id == dispute["id"]


def test_async_payments_complete_unpaid_then_settle(fake: FakeStripe, client: stripe.StripeClient) -> None:
    recorder = Recorder()
    fake.set_webhook(KEY_A, recorder, enabled_events=["checkout.session.*"])
    good, bad = payment_session(client), payment_session(client)

    fake.async_checkout(good.id, succeed=True, settle=False)
    assert recorder.events[-1]["data"]["object"]["payment_status"] == "unpaid"
    assert client.v1.payment_intents.retrieve(fake.get(good.id)["payment_intent"]).status == "processing"
    fake.settle_async(good.id)
    fake.async_checkout(bad.id, succeed=False)
    assert recorder.types == [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.completed",
        "checkout.session.async_payment_failed",
    ]
    assert recorder.events[1]["data"]["object"]["payment_status"] == "paid"
    assert recorder.events[3]["data"]["object"]["payment_status"] == "unpaid"


# ------------------------------------------------------------------------------------------- delivery


def test_manual_delivery_lets_the_test_choose_order_and_duplicates(
    fake: FakeStripe, client: stripe.StripeClient, receiver: Receiver
) -> None:
    fake.delivery = "manual"
    secret = fake.set_webhook(
        KEY_A, receiver.url, enabled_events=["checkout.session.completed", "payment_intent.succeeded"]
    )
    session = payment_session(client)
    fake.complete_checkout(session.id)
    assert receiver.received == []
    pending = fake.pending_events()
    assert [e["type"] for e in pending] == ["payment_intent.succeeded", "checkout.session.completed"]

    completed, succeeded = pending[1]["id"], pending[0]["id"]
    assert fake.deliver(completed, times=2) == [200, 200]
    assert fake.deliver(succeeded) == [200]
    assert receiver.types == [
        "checkout.session.completed",
        "checkout.session.completed",
        "payment_intent.succeeded",
    ]
    assert fake.pending_events() == []
    for body, headers in receiver.received:
        assert stripe.Webhook.construct_event(body, headers["Stripe-Signature"], secret).id in {
            completed,
            succeeded,
        }

    # a stale signature (delivered "too late") is refused by the SDK's 300 s tolerance
    fake.deliver(completed, timestamp=int(fake.sign_clock()) - 600)
    body, header = receiver.last("checkout.session.completed")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, secret)
    body, header = fake.signed(fake.get(completed), secret)
    assert stripe.Webhook.construct_event(body, header, secret).id == completed


def test_a_failed_sync_delivery_stays_pending_for_a_retry(
    fake: FakeStripe, client: stripe.StripeClient, receiver: Receiver
) -> None:
    fake.set_webhook(KEY_A, receiver.url, enabled_events=["checkout.session.completed"])
    receiver.status = 500
    session = payment_session(client)
    fake.complete_checkout(session.id)
    [event] = fake.pending_events()
    assert fake.deliveries[-1]["status"] == 500
    receiver.status = 200
    assert fake.deliver_all() == [event["id"]]
    assert fake.pending_events() == [] and len(receiver.received) == 2


def test_accounts_are_separate_and_a_bad_key_is_refused(fake: FakeStripe) -> None:
    a, b = fake.client(KEY_A), fake.client(KEY_B)
    customer = make_customer(a)
    with pytest.raises(stripe.InvalidRequestError) as missing:
        b.v1.customers.retrieve(customer.id)
    assert missing.value.http_status == 404
    with pytest.raises(stripe.AuthenticationError) as refused:
        fake.client("sk_test_unknown").v1.customers.retrieve(customer.id)
    assert refused.value.http_status == 401
    fake.revoke_key(KEY_A)
    with pytest.raises(stripe.AuthenticationError):
        a.v1.customers.retrieve(customer.id)


def test_an_endpoint_made_through_the_api_gets_events_signed_with_the_secret_it_was_given(
    fake: FakeStripe, client: stripe.StripeClient, receiver: Receiver
) -> None:
    endpoint = client.v1.webhook_endpoints.create(
        params={"url": receiver.url, "enabled_events": ["customer.created"]}
    )
    assert endpoint.secret.startswith("whsec_") and endpoint.status == "enabled"
    customer = make_customer(client)
    body, header = receiver.last("customer.created")
    event = stripe.Webhook.construct_event(body, header, endpoint.secret)
    assert event.data.object.id == customer.id
    assert event.request.id == fake.requests_for("POST", "/v1/customers")[0]["request_id"]
    client.v1.webhook_endpoints.delete(endpoint.id)
    make_customer(client)
    assert receiver.types == ["customer.created"]
