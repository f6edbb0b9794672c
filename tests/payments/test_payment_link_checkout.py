"""Paying through a payment link with the tenant's own Stripe keys, against the fake Stripe server
through the real SDK: the pending payment is committed before the Checkout Session is created, the
session carries the invoice and `payment_id` / `invoice_id` / `tenant_id` in its metadata, and
settling that payment (what the `checkout.session.completed` webhook handler does with the
metadata) marks the invoice paid, which the link's page then says.

The webhook route and its handlers are another part of #14; this test applies the completed
event's metadata through `payments.settlement.payment_succeeded` the way they will.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import Session

from backend.integrations.mail import MailBatch
from backend.invoicing.schemas import DraftLineInput
from backend.models import Invoice, InvoiceStatus, Payment
from backend.payments import links
from backend.payments.schemas import PaymentLinkInput
from backend.payments.settings_service import save_stripe_settings
from backend.payments.settlement import payment_succeeded
from backend.settings import get_settings
from tests.billing.world import World
from tests.fakes.stripe_server import FakeStripe

KEY = "sk_test_" + "L1nkT3nant" * 3
BASE = "https://console.example.test"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    with FakeStripe([KEY]) as server:
        monkeypatch.setenv("STRIPE_API_BASE", server.base_url)
        monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_link_is_paid_through_checkout_and_then_says_so(world: World, fake: FakeStripe) -> None:
    save_stripe_settings(
        world.session, world.scope, world.admin, secret_key=KEY, webhook_secret="whsec_" + "x1" * 10
    )
    line = DraftLineInput(description="Consulting", quantity=Decimal(2), unit_price=Decimal("50.00"))
    created = links.create_payment_link(
        world.session,
        world.scope,
        world.admin,
        PaymentLinkInput(email="payer@example.test", lines=[line]),
        world.now,
        mail=MailBatch(),
        base_url=BASE,
    )
    token = created.url.rsplit("/", 1)[-1]
    world.session.commit()
    engine = world.session.get_bind()

    @contextmanager
    def unit() -> Iterator[Session]:
        with Session(bind=engine, join_transaction_mode="create_savepoint") as session:
            yield session
            session.commit()

    url = links.start_link_checkout(unit, world.scope, token, world.now, base_url=BASE)
    [checkout] = fake.objects(KEY, "checkout.session")
    assert url == checkout["url"] and url.startswith(fake.base_url)
    invoice = world.session.scalars(
        select(Invoice).where(
            Invoice.tenant_id == world.scope.tenant_id, Invoice.number == created.invoice_number
        )
    ).one()
    # 2 x 50.00 = 100.00 net, 19 % VAT = 19.00: 119.00 EUR, 11900 cents
    assert checkout["amount_total"] == 11900 and checkout["currency"] == "eur"
    assert checkout["client_reference_id"] == str(invoice.id)
    metadata = checkout["metadata"]
    assert metadata["invoice_id"] == str(invoice.id) and metadata["tenant_id"] == str(world.scope.tenant_id)
    assert checkout["success_url"] == f"{BASE}/pay/{token}?paid={{CHECKOUT_SESSION_ID}}"
    with Session(bind=engine, join_transaction_mode="create_savepoint") as check:
        payment = check.get(Payment, int(metadata["payment_id"]))
        assert (
            payment is not None and payment.kind == "payment_link" and payment.external_id == checkout["id"]
        )
        assert payment.created_at == world.now

    fake.complete_checkout(checkout["id"])
    [event] = fake.events(KEY, type="checkout.session.completed")
    paid = event["data"]["object"]
    assert paid["metadata"]["payment_id"] == metadata["payment_id"] and paid["payment_status"] == "paid"
    with unit() as session:  # what the webhook handler does with the event
        payment_succeeded(
            session,
            world.scope,
            int(paid["metadata"]["payment_id"]),
            Decimal(paid["amount_total"]) / 100,
            world.now,
            payment_intent_ref=paid["payment_intent"],
        )
    with Session(bind=engine, join_transaction_mode="create_savepoint") as check:
        settled = check.get(Invoice, invoice.id)
        assert settled is not None and settled.status == InvoiceStatus.PAID and settled.balance_due == 0
        view = links.public_invoice(check, world.scope, token, world.now)
        assert (view.status, view.message) == ("paid", "This invoice is paid. Thank you.")
    with pytest.raises(links.PaymentLinkUnusable, match="paid"):
        links.start_link_checkout(unit, world.scope, token, world.now, base_url=BASE)
    assert len(fake.objects(KEY, "checkout.session")) == 1
