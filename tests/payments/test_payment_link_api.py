"""Payment links over REST and through the public page's gateway, with real commits (the identity
world): created for an email (201, the URL once), the link's page on its tenant's host only, guessing
throttled, revoked; and starting a payment commits the pending payment before the processor is asked."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlmodel import Session

from backend.gateway import payments as gateway
from backend.integrations.payment_processor import CheckoutRequest, CheckoutSession
from backend.kit.errors import NotFoundError, TooManyAttempts
from backend.kit.principals import RequestContext
from backend.models import Payment, PaymentLink
from backend.payments import links
from tests.conftest import IdentityWorld

pytestmark = pytest.mark.redis

BODY = {
    "email": "walk-in@example.test",
    "lines": [{"description": "Migration", "unit_price": "100.00"}],
    "expires_in_days": 3,
}


def create(world: IdentityWorld) -> dict[str, Any]:
    api = world.client(world.host_a)
    admin = {"Authorization": f"Bearer {world.a_admin.token}"}
    answer = api.post("/api/v1/admin/payment-links", json=BODY, headers=admin)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_api_creates_a_link_shown_once_and_revokes_it(identity_world: IdentityWorld) -> None:
    world = identity_world
    created = create(world)
    assert set(created) == {"id", "invoice_number", "url", "expires_at"}
    assert created["url"].startswith(f"http://{world.host_a}") or "/pay/" in created["url"]
    token = created["url"].rsplit("/", 1)[-1]
    with Session(world.engine) as check:
        link = check.get(PaymentLink, created["id"])
        assert link is not None and link.token_sha256 != token and token not in link.token_sha256

    page = gateway.pay_page(RequestContext(host=world.host_a, ip_address="198.51.100.1"), token)
    assert page.invoice_number == created["invoice_number"] and page.status == "active"
    with pytest.raises(NotFoundError):  # the same token on B's host
        gateway.pay_page(RequestContext(host=world.host_b, ip_address="198.51.100.1"), token)

    api = world.client(world.host_a)
    admin = {"Authorization": f"Bearer {world.a_admin.token}"}
    refused = api.post("/api/v1/admin/payment-links", json={**BODY, "email": None}, headers=admin)
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["email"]
    other = world.client(world.host_b)
    b_admin = {"Authorization": f"Bearer {world.b_admin.token}"}
    assert (
        other.post(f"/api/v1/admin/payment-links/{created['id']}/revoke", headers=b_admin).status_code == 404
    )
    revoked = api.post(f"/api/v1/admin/payment-links/{created['id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    page = gateway.pay_page(RequestContext(host=world.host_a, ip_address="198.51.100.1"), token)
    assert page.status == "revoked"


def test_guessing_tokens_is_throttled_per_ip(
    identity_world: IdentityWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = identity_world
    token = create(world)["url"].rsplit("/", 1)[-1]
    suffix = uuid.uuid4().hex[:4]  # Redis outlives the test's database: an address of this test's own
    guesser = RequestContext(host=world.host_a, ip_address=f"2001:db8::{suffix}")
    limit = gateway.throttle().per_ip
    for attempt in range(limit):
        with pytest.raises(NotFoundError):
            gateway.pay_page(guesser, f"guess-{attempt}-" + "x" * 30)
    with pytest.raises(TooManyAttempts):  # even the right token, from this IP, for the window
        gateway.pay_page(guesser, token)
    other = RequestContext(host=world.host_a, ip_address=f"2001:db8::1:{suffix}")
    assert gateway.pay_page(other, token).status == "active"


class RecordingProcessor:
    """Stands in for Stripe; asks a connection of its own whether the pending payment is committed."""

    name, online = "stripe", True

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.committed: list[bool] = []

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        with Session(self.engine) as other:
            found = other.scalars(
                select(Payment).where(Payment.id == int(request.metadata["payment_id"]))
            ).first()
            self.committed.append(found is not None)
        return CheckoutSession(id="cs_test_link", url="https://checkout.test/cs_test_link", status="open")


def test_the_pending_payment_is_committed_before_the_processor_is_called(
    identity_world: IdentityWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = identity_world
    token = create(world)["url"].rsplit("/", 1)[-1]
    processor = RecordingProcessor(world.engine.url.render_as_string(hide_password=False))
    monkeypatch.setattr(links, "processor_for", lambda session, scope: processor)
    try:
        url = gateway.start_payment(RequestContext(host=world.host_a, ip_address="198.51.100.2"), token)
    finally:
        processor.engine.dispose()
    assert url == "https://checkout.test/cs_test_link" and processor.committed == [True]


def test_the_link_downloads_its_invoice_pdf_on_its_tenants_host_only(identity_world: IdentityWorld) -> None:
    world = identity_world
    created = create(world)
    token = created["url"].rsplit("/", 1)[-1]
    answer = world.client(world.host_a).get(f"/api/pay/{token}.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf" and answer.content.startswith(b"%PDF")
    assert created["invoice_number"] in answer.headers["content-disposition"]
    assert world.client(world.host_b).get(f"/api/pay/{token}.pdf").status_code == 404
    assert world.client(world.host_a).get("/api/pay/made-up.pdf").status_code == 404
