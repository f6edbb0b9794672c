"""Tenants with open invoices on a committed PostgreSQL database, and Stripe events signed as Stripe
signs them, for the webhook and Checkout tests.

Tenant "deployment" pays through the deployment's Stripe account (STRIPE_* settings); tenants A and B
each have their own account with their own webhook secret. Each has a customer with one issued
invoice of 100.00 EUR net (+19 % VAT = 119.00 EUR, a German consumer).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import stripe
from sqlalchemy import select
from sqlalchemy.engine import Engine

from backend import clock
from backend.audit.service import Actor
from backend.customers.service import open_customer_account
from backend.db import dispose_engines, make_engine, unit_of_work
from backend.invoicing import manual_drafts
from backend.invoicing.schemas import DraftInput, DraftLineInput
from backend.kit.repository import TenantScope
from backend.models import InboundWebhookEvent, Invoice, Payment, PaymentProcessor
from backend.payments.accounts import store_stripe_keys
from backend.settings import get_settings, load_settings
from backend.tenancy.service import create_tenant
from tests.billing.world import utc

NOW = utc(2027, 3, 1, 9)
DEPLOYMENT_SECRET = "whsec_deployment_test"
GROSS = Decimal("119.00")  # 100.00 net + 19 % VAT
GROSS_MINOR = 11900


@dataclass
class Shop:
    slug: str
    scope: TenantScope
    account_id: int
    invoice_id: int
    invoice_number: str
    webhook_secret: str  # the secret its events are signed with (its own, or the deployment's)


@dataclass
class PayWorld:
    engine: Engine
    deployment: Shop
    a: Shop
    b: Shop
    counter: list[int] = field(default_factory=lambda: [0])

    def client(self) -> Any:
        from fastapi.testclient import TestClient

        from backend.api.app import create_api

        return TestClient(create_api(), base_url="http://console.test")

    def pending_payment(self, shop: Shop, *, kind: str = "checkout", amount: Decimal = GROSS) -> Payment:
        """A pending payment as Pay writes it before calling Stripe (with its session once created)."""
        self.counter[0] += 1
        n = self.counter[0]
        with unit_of_work(self.engine) as session:
            payment = Payment(
                tenant_id=shop.scope.tenant_id,
                invoice_id=shop.invoice_id,
                customer_account_id=shop.account_id,
                processor=PaymentProcessor.STRIPE,
                external_id=f"cs_test_{uuid.uuid4().hex[:12]}" if kind == "checkout" else None,
                idempotency_key=f"{kind}:{shop.invoice_id}:{n}",
                amount=amount,
                currency="EUR",
                attempt=n,
                kind=kind,
            )
            session.add(payment)
            session.flush()
            return payment

    def invoice(self, shop: Shop) -> Invoice:
        with unit_of_work(self.engine) as session:
            return session.scalars(select(Invoice).where(Invoice.id == shop.invoice_id)).one()

    def payment(self, payment_id: int) -> Payment:
        with unit_of_work(self.engine) as session:
            return session.scalars(select(Payment).where(Payment.id == payment_id)).one()

    def stored_events(self, event_id: str) -> list[InboundWebhookEvent]:
        with unit_of_work(self.engine) as session:
            statement = select(InboundWebhookEvent).where(InboundWebhookEvent.event_id == event_id)
            return list(session.scalars(statement))


def _shop(engine: Engine, slug: str, secret: str | None) -> Shop:
    with clock.frozen(NOW), unit_of_work(engine) as session:
        tenant = create_tenant(session, slug=slug, name=slug.upper(), settings=load_settings())
        scope = TenantScope(tenant.id or 0)
        if secret is not None:
            store_stripe_keys(
                session, scope, secret_key=f"sk_test_{slug}", webhook_secret=secret, publishable_key=""
            )
        account = open_customer_account(
            session, scope, name="Erika Mustermann", email=f"erika@{slug}.test", country="DE"
        )
        admin = Actor.admin(scope.tenant_id)
        line = DraftLineInput(description="Hosting", unit_price=Decimal("100.00"))
        draft = manual_drafts.create_draft(
            session, scope, admin, DraftInput(customer_account_id=account.id or 0, lines=[line]), NOW
        )
        invoice = manual_drafts.issue_invoice(session, scope, admin, draft.id or 0, NOW)
        return Shop(
            slug, scope, account.id or 0, invoice.id or 0, invoice.number or "", secret or DEPLOYMENT_SECRET
        )


@pytest.fixture
def pay_world(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[PayWorld]:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_deployment")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", DEPLOYMENT_SECRET)
    monkeypatch.setenv("REDIS_URL", "")
    get_settings.cache_clear()
    dispose_engines()
    engine = make_engine(pg_url)
    suffix = uuid.uuid4().hex[:8]
    world = PayWorld(
        engine,
        _shop(engine, f"dep-{suffix}", None),
        _shop(engine, f"pa-{suffix}", f"whsec_a_{suffix}"),
        _shop(engine, f"pb-{suffix}", f"whsec_b_{suffix}"),
    )
    with clock.frozen(NOW):
        yield world
    engine.dispose()
    get_settings.cache_clear()
    dispose_engines()


# --- events as Stripe sends them -------------------------------------------------------------------


def event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    body = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }
    return json.dumps(body).encode()


def signature(payload: bytes, secret: str, *, age_seconds: int = 0) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret, timestamp=int(time.time()) - age_seconds
    )


def metadata(shop: Shop, payment: Payment) -> dict[str, str]:
    return {
        "tenant_id": str(shop.scope.tenant_id),
        "invoice_id": str(shop.invoice_id),
        "payment_id": str(payment.id),
    }


def completed_session(
    shop: Shop, payment: Payment, *, paid: bool = True, amount_minor: int = GROSS_MINOR, intent: str = "pi_1"
) -> dict[str, Any]:
    return {
        "id": payment.external_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid" if paid else "unpaid",
        "amount_total": amount_minor,
        "currency": "eur",
        "client_reference_id": str(shop.invoice_id),
        "payment_intent": intent,
        "metadata": metadata(shop, payment),
    }


def expired_session(shop: Shop, payment: Payment) -> dict[str, Any]:
    return completed_session(shop, payment, paid=False) | {"status": "expired", "payment_intent": None}


def succeeded_intent(
    shop: Shop, payment: Payment, *, intent: str = "pi_1", amount_minor: int = GROSS_MINOR
) -> dict[str, Any]:
    return {
        "id": intent,
        "object": "payment_intent",
        "status": "succeeded",
        "amount": amount_minor,
        "amount_received": amount_minor,
        "currency": "eur",
        "latest_charge": "ch_1",
        "metadata": metadata(shop, payment),
    }
