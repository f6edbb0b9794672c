"""The customer's Pay through Stripe Checkout, against the fake Stripe server with the real SDK: the
session's shape, handing an open session out again, a changed balance, the refusals, and the
invoice paid only when the (signed, delivered) webhook says so."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend import clock
from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.invoicing import service as invoicing
from backend.kit.errors import PermissionDenied
from backend.models import CustomerProfile, InvoiceStatus, Payment, PaymentStatus
from backend.payments import checkout_flow
from backend.payments.errors import AutomaticPaymentInProgress, InvoiceNotOpen, OnlinePaymentUnavailable
from backend.settings import get_settings
from tests.fakes.stripe_server import FakeStripe
from tests.payments.checkout_world import DEPLOYMENT_SECRET, GROSS, PayWorld, Shop, pay_world

pytestmark = pytest.mark.postgres
__all__ = ["pay_world"]

CONSOLE = "http://shop.test"
DEPLOYMENT_KEY = "sk_test_deployment"


@pytest.fixture
def stripe_fake(pay_world: PayWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    """The fake Stripe, its events delivered at once to the app's webhook doors."""
    with FakeStripe([DEPLOYMENT_KEY]) as fake:
        fake.now = lambda: clock.now().timestamp()
        monkeypatch.setenv("STRIPE_API_BASE", fake.base_url)
        get_settings.cache_clear()
        client = pay_world.client()

        def door(path: str):  # type: ignore[no-untyped-def]
            return lambda body, headers: client.post(path, content=body, headers=headers).status_code

        fake.set_webhook(DEPLOYMENT_KEY, door("/api/webhooks/stripe"), secret=DEPLOYMENT_SECRET)
        for shop in (pay_world.a, pay_world.b):
            key = f"sk_test_{shop.slug}"
            fake.set_webhook(key, door(f"/api/webhooks/stripe/{shop.slug}"), secret=shop.webhook_secret)
        yield fake


def customer(shop: Shop, member_role: str = "owner") -> Actor:
    return Actor.customer(shop.scope.tenant_id, shop.account_id, member_role=member_role)


def pay(shop: Shop, actor: Actor | None = None) -> checkout_flow.CheckoutStarted:
    return checkout_flow.pay_invoice(
        shop.scope, actor or customer(shop), shop.invoice_number, console_url=CONSOLE
    )


def payments(world: PayWorld, shop: Shop) -> list[Payment]:
    with unit_of_work(world.engine) as session:
        statement = select(Payment).where(Payment.invoice_id == shop.invoice_id).order_by(Payment.id)
        return list(session.scalars(statement))


def test_pay_opens_a_checkout_session_for_the_balance_with_the_invoice_and_tenant_named(
    pay_world: PayWorld, stripe_fake: FakeStripe
) -> None:
    shop = pay_world.deployment

    started = pay(shop)

    session = stripe_fake.get(started.session_id)
    [payment] = payments(pay_world, shop)
    assert started.url == session["url"] and started.url.startswith(stripe_fake.base_url)
    assert session["mode"] == "payment" and session["amount_total"] == 11900 and session["currency"] == "eur"
    assert session["client_reference_id"] == str(shop.invoice_id)
    named = {
        "tenant_id": str(shop.scope.tenant_id),
        "invoice_id": str(shop.invoice_id),
        "payment_id": str(payment.id),
    }
    assert session["metadata"] == named
    intent = stripe_fake.get(session["payment_intent"]) if session.get("payment_intent") else None
    assert intent is None or intent["metadata"] == named
    assert session["success_url"] == f"{CONSOLE}/invoices/{shop.invoice_number}?paid={{CHECKOUT_SESSION_ID}}"
    assert session["cancel_url"] == f"{CONSOLE}/invoices/{shop.invoice_number}?canceled=1"
    [create] = stripe_fake.requests_for("POST", "/v1/checkout/sessions")
    assert create["idempotency_key"] == f"checkout:{shop.invoice_id}:1"
    assert create["params"]["payment_intent_data"]["metadata"] == named
    assert (payment.status, payment.kind, payment.attempt, payment.amount) == (
        PaymentStatus.PENDING, "checkout", 1, GROSS,
    )  # fmt: skip
    assert payment.idempotency_key == f"checkout:{shop.invoice_id}:1"
    assert payment.external_id == started.session_id and payment.checkout_url == started.url
    with unit_of_work(pay_world.engine) as db:
        profile = db.scalars(
            select(CustomerProfile).where(CustomerProfile.customer_account_id == shop.account_id)
        ).one()
    assert profile.payment_customer_ref == session["customer"]
    assert pay_world.invoice(shop).status == InvoiceStatus.ISSUED  # paid only by the webhook


def test_a_second_pay_hands_out_the_same_open_session(pay_world: PayWorld, stripe_fake: FakeStripe) -> None:
    shop = pay_world.deployment

    first, second = pay(shop), pay(shop)

    assert second == first
    assert len(stripe_fake.objects(DEPLOYMENT_KEY, "checkout.session")) == 1
    assert len(payments(pay_world, shop)) == 1


def test_paying_on_the_hosted_page_pays_the_invoice_through_the_webhook(
    pay_world: PayWorld, stripe_fake: FakeStripe
) -> None:
    shop = pay_world.deployment
    started = pay(shop)

    stripe_fake.complete_checkout(started.session_id)

    invoice = pay_world.invoice(shop)
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.PAID, Decimal(0))
    [payment] = payments(pay_world, shop)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.payment_intent_ref
    with pytest.raises(InvoiceNotOpen):
        pay(shop)


def test_a_tenants_own_account_is_used_and_its_events_come_through_its_door(
    pay_world: PayWorld, stripe_fake: FakeStripe
) -> None:
    shop = pay_world.a
    started = pay(shop)

    stripe_fake.complete_checkout(started.session_id)

    assert started.session_id in {
        s["id"] for s in stripe_fake.objects(f"sk_test_{shop.slug}", "checkout.session")
    }
    assert stripe_fake.objects(DEPLOYMENT_KEY, "checkout.session") == []
    assert pay_world.invoice(shop).status == InvoiceStatus.PAID


def test_an_expired_session_leaves_the_invoice_open_and_pay_starts_attempt_two(
    pay_world: PayWorld, stripe_fake: FakeStripe
) -> None:
    shop = pay_world.deployment
    first = pay(shop)

    stripe_fake.expire_checkout(first.session_id)
    second = pay(shop)

    assert pay_world.invoice(shop).status == InvoiceStatus.ISSUED
    old, new = payments(pay_world, shop)
    assert (old.status, new.status, new.attempt) == (PaymentStatus.CANCELED, PaymentStatus.PENDING, 2)
    assert second.session_id != first.session_id
    assert new.idempotency_key == f"checkout:{shop.invoice_id}:2"


def test_a_changed_balance_expires_the_open_session_before_a_new_one(
    pay_world: PayWorld, stripe_fake: FakeStripe
) -> None:
    shop = pay_world.deployment
    first = pay(shop)
    with unit_of_work(pay_world.engine) as session:  # a bank transfer of 19.00 arrives meanwhile
        invoicing.receive_payment(
            session, shop.scope, shop.invoice_id, Decimal("19.00"), clock.now(),
            actor=Actor.admin(shop.scope.tenant_id), reference="Transfer 1",
        )  # fmt: skip

    second = pay(shop)

    assert stripe_fake.get(first.session_id)["status"] == "expired"
    assert stripe_fake.get(second.session_id)["amount_total"] == 10000  # 119.00 - 19.00
    old, new = payments(pay_world, shop)
    # canceled by the expired event (delivered at once here) or by Pay itself, whichever came first
    assert (old.status, old.failure_code in {"expired", "replaced"}) == (PaymentStatus.CANCELED, True)
    assert (new.amount, new.attempt) == (Decimal("100.00"), 2)


def test_a_pending_automatic_charge_blocks_pay(pay_world: PayWorld, stripe_fake: FakeStripe) -> None:
    shop = pay_world.deployment
    pay_world.pending_payment(shop, kind="off_session")

    with pytest.raises(AutomaticPaymentInProgress, match="automatic payment"):
        pay(shop)

    assert stripe_fake.objects(DEPLOYMENT_KEY, "checkout.session") == []


def test_a_tenant_without_stripe_is_told_to_pay_by_bank_transfer(
    pay_world: PayWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", "")
    get_settings.cache_clear()
    shop = pay_world.deployment

    with pytest.raises(OnlinePaymentUnavailable, match="bank transfer"):
        pay(shop)

    assert payments(pay_world, shop) == []


def test_viewers_and_admins_do_not_pay_and_other_customers_do_not_see_the_invoice(
    pay_world: PayWorld, stripe_fake: FakeStripe
) -> None:
    shop = pay_world.deployment
    stranger = Actor.customer(shop.scope.tenant_id, shop.account_id + 1000)

    with pytest.raises(PermissionDenied, match="owners and billing members"):
        pay(shop, customer(shop, "viewer"))
    with pytest.raises(PermissionDenied, match="Only customers"):
        pay(shop, Actor.admin(shop.scope.tenant_id))
    with pytest.raises(PermissionDenied) as hidden:
        pay(shop, stranger)

    assert hidden.value.http_status == 404
    assert payments(pay_world, shop) == []
    assert pay(shop, customer(shop, "billing")).url


def test_pay_expires_the_open_session_of_the_invoices_payment_link_first(
    pay_world: PayWorld, stripe_fake: FakeStripe
) -> None:
    """A guest opened the invoice's payment link and left its Checkout open; the customer then pays
    in the console: the link's session is expired first, so the invoice cannot be paid twice."""
    shop = pay_world.deployment
    link_session = stripe_fake.client(DEPLOYMENT_KEY).v1.checkout.sessions.create(
        {
            "mode": "payment",
            "success_url": "https://shop.example/pay/t?paid={CHECKOUT_SESSION_ID}",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {"currency": "eur", "unit_amount": 11900, "product_data": {"name": "x"}},
                }
            ],
        }
    )
    link_payment = pay_world.pending_payment(shop, kind="payment_link")
    with unit_of_work(pay_world.engine) as session:
        session.get(Payment, link_payment.id).external_id = link_session.id

    started = pay(shop)

    assert stripe_fake.get(link_session.id)["status"] == "expired"
    assert pay_world.payment(link_payment.id or 0).status == PaymentStatus.CANCELED
    assert stripe_fake.get(started.session_id)["status"] == "open"
    assert started.session_id != link_session.id
