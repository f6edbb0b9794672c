"""A payment link paid end to end: the tenant's own Stripe keys saved through the API, a link made
for an email, Pay on its page starting a Checkout on the fake Stripe server (the real SDK), the
customer paying on the hosted page, and Stripe's signed `checkout.session.completed` reaching the
tenant's webhook route, which marks the invoice paid; the link's page then says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.gateway import payments as gateway
from backend.kit.principals import RequestContext
from backend.settings import get_settings
from tests.conftest import IdentityWorld
from tests.fakes.stripe_server import FakeStripe

pytestmark = pytest.mark.redis

KEY = "sk_test_" + "W3bh00kL1nk" * 3


@pytest.fixture
def fake(identity_world: IdentityWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    with FakeStripe([KEY]) as server:
        monkeypatch.setenv("STRIPE_API_BASE", server.base_url)
        monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_link_paid_on_stripe_is_marked_paid_by_the_webhook(
    identity_world: IdentityWorld, fake: FakeStripe
) -> None:
    world = identity_world
    api = world.client(world.host_a)
    admin = {"Authorization": f"Bearer {world.a_admin.token}"}
    slug = world.host_a.removesuffix(".test")
    secret = fake.set_webhook(
        KEY,
        lambda body, headers: (
            api.post(f"/api/webhooks/stripe/{slug}", content=body, headers=headers).status_code
        ),
    )
    saved = api.put(
        "/api/v1/admin/settings/stripe", json={"secret_key": KEY, "webhook_secret": secret}, headers=admin
    )
    assert saved.status_code == 200 and saved.json()["mode"] == "tenant"
    body = {"email": "card-payer@example.test", "lines": [{"description": "Audit", "unit_price": "200.00"}]}
    created = api.post("/api/v1/admin/payment-links", json=body, headers=admin).json()
    token = created["url"].rsplit("/", 1)[-1]
    visitor = RequestContext(host=world.host_a, ip_address="198.51.100.30")
    page = gateway.pay_page(visitor, token)
    assert page.online and page.status == "active" and page.gross == "238.00 EUR"  # 200.00 + 19 % (38.00)

    url = gateway.start_payment(visitor, token)
    [session] = fake.objects(KEY, "checkout.session")
    assert url == session["url"] and session["amount_total"] == 23800
    fake.complete_checkout(session["id"])  # the customer pays; Stripe calls the webhook at once
    statuses = [delivery.get("status") for delivery in fake.deliveries]
    assert statuses and all(status == 200 for status in statuses), fake.deliveries

    paid = gateway.pay_page(visitor, token)
    assert (paid.status, paid.message) == ("paid", "This invoice is paid. Thank you.")
    rows = api.get(f"/api/v1/admin/invoices/{created['invoice_number']}", headers=admin)
    assert rows.status_code == 200 and rows.json()["invoice"]["status"] == "paid", rows.text
