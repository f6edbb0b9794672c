"""A billing world whose tenant takes cards through the fake Stripe server (the real SDK, pointed at
it by STRIPE_API_BASE), with its webhooks delivered by hand into the world's session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from backend.integrations.payment_processor import WebhookEvent
from backend.kit.policy import Actor
from backend.models import CustomerAccount, CustomerProfile
from backend.payments import saved_methods
from backend.payments.accounts import processor_for
from backend.payments.events import EventContext, dispatch
from backend.settings import get_settings
from tests.billing.world import World
from tests.fakes.stripe_server import FakeStripe

API_KEY = "sk_test_auto_billing"


@dataclass
class Webhooks:
    """The webhook route's part, in-process: verify with the tenant's processor, dispatch in the
    world's session. What each event's handlers noted is kept for assertions."""

    world: World
    notes: list[tuple[str, str | None]] = field(default_factory=list)

    def __call__(self, body: bytes, headers: dict[str, str]) -> int:
        processor = processor_for(self.world.session, self.world.scope)
        event = processor.parse_webhook(body, headers["Stripe-Signature"])
        self.handle(event)
        return 200

    def handle(self, event: WebhookEvent) -> str | None:
        note = dispatch(EventContext(self.world.session, self.world.scope, event, self.world.now))
        self.notes.append((event.type, note))
        return note


@dataclass
class CardWorld:
    world: World
    fake: FakeStripe
    webhooks: Webhooks

    def owner(self, account: CustomerAccount) -> Actor:
        assert account.id is not None
        return Actor.customer(self.world.scope.tenant_id, account.id, user_id=None)

    def profile(self, account: CustomerAccount) -> CustomerProfile:
        self.world.session.flush()
        statement = select(CustomerProfile).where(CustomerProfile.customer_account_id == account.id)
        found = self.world.session.scalars(statement).one()
        self.world.session.refresh(found)
        return found

    def start_setup(self, account: CustomerAccount) -> str:
        """The customer's "Save a card": the Checkout Session's id."""
        assert account.id is not None
        url = saved_methods.start_card_setup(
            self.world.session,
            self.world.scope,
            self.owner(account),
            account.id,
            success_url="https://billing.test/profile?card=saved",
            cancel_url="https://billing.test/profile",
            now=self.world.now,
        )
        return urlsplit(url).path.rsplit("/", 1)[-1]

    def save_card(
        self, account: CustomerAccount, card: str = "4242424242424242", *, auto_billing: bool = True
    ) -> CustomerProfile:
        """Save a card through the hosted page and deliver what Stripe reports; auto-billing on."""
        self.fake.complete_checkout(self.start_setup(account), card=card)
        self.fake.deliver_all()
        if auto_billing:
            assert account.id is not None
            saved_methods.set_auto_billing(
                self.world.session, self.world.scope, self.owner(account), account.id, enabled=True
            )
        return self.profile(account)

    def payment_intent_posts(self) -> list[dict]:
        return self.fake.requests_for("POST", "/v1/payment_intents")


@pytest.fixture
def card_world(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[CardWorld]:
    with FakeStripe([API_KEY], delivery="manual") as fake:
        fake.now = lambda: world.now.timestamp()  # objects and events on the world's clock
        webhooks = Webhooks(world)
        secret = fake.set_webhook(API_KEY, webhooks)
        monkeypatch.setenv("STRIPE_SECRET_KEY", API_KEY)
        monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", secret)
        monkeypatch.setenv("STRIPE_API_BASE", fake.base_url)
        get_settings.cache_clear()
        try:
            yield CardWorld(world, fake, webhooks)
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()
