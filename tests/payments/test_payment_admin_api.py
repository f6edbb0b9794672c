"""The admin payments API: a bank transfer in part, then the rest; more than the balance is a 422
problem changing nothing; a replayed POST pays once; a refund answers its credit note; another
tenant's invoice is 404.

The invoice: 2 x 45.50 = 91.00 net, 19 % = 17.29 tax, 108.29 gross (Erika Muster, Germany).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from backend import clock
from backend.db import unit_of_work
from backend.integrations.payment_processor import ChargeRequest, CustomerRequest, WebhookEvent
from backend.integrations.stripe_processor import StripeProcessor
from backend.kit.repository import TenantScope
from backend.models import Invoice, Payment, PaymentProcessor
from backend.money import Money
from backend.payments import settlement
from backend.payments.events import EventContext, dispatch
from backend.payments.repository import PaymentRepository
from backend.settings import get_settings
from tests.api.conftest import bearer, problem_of
from tests.conftest import IdentityWorld
from tests.fakes.stripe_server import FakeStripe
from tests.subscriptions.shop import stock

pytestmark = pytest.mark.redis

NOW = datetime(2027, 5, 10, 8, tzinfo=UTC)
STRIPE_KEY = "sk_test_admin_api"
LINES = [{"description": "Migration", "quantity": "2", "unit_price": "45.50", "tax_category": "standard"}]


class Admin:
    def __init__(self, world: IdentityWorld, account_id: int) -> None:
        self.world, self.account_id = world, account_id
        self.client = world.client(world.host_a)

    def call(self, method: str, path: str, key: str = "", **options: Any) -> Any:
        headers = bearer(self.world.a_admin.token) | ({"Idempotency-Key": key} if key else {})
        return self.client.request(method, path, headers=headers, **options)

    def issued(self) -> str:
        body = {"customer_account_id": self.account_id, "lines": LINES}
        draft = self.call("POST", "/api/v1/admin/invoices", json=body).json()["invoice"]["id"]
        return str(self.call("POST", f"/api/v1/admin/invoices/{draft}/issue").json()["invoice"]["number"])

    def invoice(self, number: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/api/v1/admin/invoices/{number}").json())


@pytest.fixture
def admin(identity_world: IdentityWorld) -> Iterator[Admin]:
    with clock.frozen(NOW):
        shop = stock(identity_world.engine, identity_world.a_admin, identity_world.a_customer)
        yield Admin(identity_world, shop.account_id)


def test_a_transfer_in_part_then_the_rest_then_a_refund_with_its_credit_note(admin: Admin) -> None:
    number = admin.issued()
    path = f"/api/v1/admin/invoices/{number}/payments"
    first = admin.call("POST", path, key="t1", json={"amount": "100.00", "reference": "SEPA 1"})
    assert first.status_code == 201, first.text
    assert admin.invoice(number)["invoice"]["balance_due"] == "8.29"  # 108.29 - 100.00
    too_much = admin.call("POST", path, key="t2", json={"amount": "8.30", "reference": "SEPA 2"})
    assert [e["field"] for e in problem_of(too_much, 422)["errors"]] == ["amount"]
    replay = admin.call("POST", path, key="t1", json={"amount": "100.00", "reference": "SEPA 1"})
    assert replay.status_code == 201 and len(replay.json()["payments"]) == 1
    rest = admin.call("POST", path, key="t3", json={"amount": "8.29", "reference": "SEPA 2"})
    assert rest.status_code == 201
    assert [(p["amount"], p["status"], p["reference"]) for p in rest.json()["payments"]] == [
        ("100.00", "succeeded", "SEPA 1"),
        ("8.29", "succeeded", "SEPA 2"),
    ]
    assert admin.invoice(number)["invoice"]["status"] == "paid"

    refunds = f"/api/v1/admin/invoices/{number}/refunds"
    several = admin.call("POST", refunds, key="r0", json={"amount": "1.00", "reason": "Goodwill"})
    assert [e["field"] for e in problem_of(several, 422)["errors"]] == ["payment_id"]
    payment_id = rest.json()["payments"][0]["id"]
    body = {"amount": "11.90", "reason": "Goodwill", "payment_id": payment_id}
    refunded = admin.call("POST", refunds, key="r1", json=body)
    assert refunded.status_code == 201, refunded.text
    [refund] = refunded.json()["refunds"]
    assert (refund["amount"], refund["status"], refund["credit_note"]) == (
        "11.90",
        "succeeded",
        f"{number}-CN1",
    )
    # 11.90 gross at 19 %: 11.90 / 1.19 = 10.00 net, 1.90 tax.
    [note] = admin.invoice(number)["credit_notes"]
    assert (note["net"], note["tax"], note["gross"], note["refund_amount"]) == (
        "10.00",
        "1.90",
        "11.90",
        "11.90",
    )
    assert refunded.json()["payments"][0]["refundable"] == "88.10"


def test_another_tenants_invoice_is_not_found(admin: Admin) -> None:
    number = admin.issued()
    other = admin.world.client(admin.world.host_b)
    headers = bearer(admin.world.b_admin.token)
    response = other.post(
        f"/api/v1/admin/invoices/{number}/payments",
        headers=headers,
        json={"amount": "1.00", "reference": "X"},
    )
    assert response.status_code == 404
    assert admin.invoice(number)["invoice"]["balance_due"] == "108.29"


def test_a_card_refund_whose_event_arrives_during_the_stripe_call_makes_one_credit_note(
    admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stripe sends `charge.refunded` while the console still waits for its answer (the fake delivers
    in the refund's own request): the webhook completes the refund the console wrote and committed
    first, and the console then finds it done. No lock is held during the call, so nothing waits."""
    scope = TenantScope(admin.world.a_admin.tenant_id)
    with FakeStripe([STRIPE_KEY], delivery="sync") as stripe:
        for name, value in (
            ("STRIPE_SECRET_KEY", STRIPE_KEY), ("STRIPE_WEBHOOK_SECRET", "whsec_api"),
            ("STRIPE_API_BASE", stripe.base_url),
        ):  # fmt: skip
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        handled: list[str] = []

        def webhook(body: bytes, headers: dict[str, str]) -> int:  # what the webhook route does
            event = json.loads(body)
            with unit_of_work() as session:
                found = WebhookEvent(event["id"], event["type"], event["created"], event["data"]["object"])
                handled.append(
                    f"{event['type']}: {dispatch(EventContext(session, scope, found, clock.now()))}"
                )
            return 200

        stripe.set_webhook(STRIPE_KEY, webhook, secret="whsec_api")
        number = admin.issued()
        payment_id = _paid_by_card(scope, stripe, number)
        body = {"amount": "30.00", "reason": "Canceled", "payment_id": payment_id}
        refunded = admin.call("POST", f"/api/v1/admin/invoices/{number}/refunds", key="card-1", json=body)
        assert refunded.status_code == 201, refunded.text
        [refund] = refunded.json()["refunds"]
        assert (refund["amount"], refund["status"], refund["credit_note"]) == (
            "30.00",
            "succeeded",
            f"{number}-CN1",
        )
        assert any(note.startswith("charge.refunded: refund") for note in handled), handled
        assert [n["gross"] for n in admin.invoice(number)["credit_notes"]] == ["30.00"]
        assert [r["amount"] for r in stripe.objects(STRIPE_KEY, "refund")] == [3000]
    get_settings.cache_clear()


def _paid_by_card(scope: TenantScope, stripe: FakeStripe, number: str) -> int:
    """The invoice (108.29) charged off-session through the fake and settled, as auto-billing does."""
    processor = StripeProcessor(STRIPE_KEY, "whsec_api", api_base=stripe.base_url)
    with unit_of_work() as session:
        invoice = session.scalars(
            select(Invoice).where(Invoice.number == number, Invoice.tenant_id == scope.tenant_id)
        ).one()
        payment = PaymentRepository(session, scope).add(
            Payment(
                invoice_id=invoice.id, customer_account_id=invoice.customer_account_id,
                processor=PaymentProcessor.STRIPE, kind="off_session", idempotency_key="off:1",
                amount=invoice.gross,
            )
        )  # fmt: skip
        payment_id = payment.id or 0
    customer = processor.ensure_customer(CustomerRequest(scope.tenant_id, 1, "Erika", "e@x.example", "cus:1"))
    metadata = {"payment_id": str(payment_id), "tenant_id": str(scope.tenant_id)}
    charge = ChargeRequest(
        Money(Decimal("108.29"), "EUR"), customer, "pm_card_visa", "off:1", metadata=metadata
    )
    result = processor.charge_off_session(charge)
    with unit_of_work() as session:
        settlement.payment_succeeded(
            session,
            scope,
            payment_id,
            Decimal("108.29"),
            clock.now(),
            payment_intent_ref=result.payment_intent,
        )
    return payment_id
