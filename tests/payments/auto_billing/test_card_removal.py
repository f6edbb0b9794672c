"""Removing the saved card detaches it at Stripe before it is forgotten here; if Stripe refuses,
the card stays saved on both sides and the customer reads why."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.integrations.payment_processor import ProcessorError
from backend.integrations.stripe_processor import StripeProcessor
from backend.models import AuditLogEntry
from backend.payments import saved_methods
from backend.payments.accounts import processor_for
from backend.payments.errors import CardNotRemoved
from tests.billing.world import utc
from tests.payments.auto_billing.conftest import CardWorld

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def test_remove_card_detaches_it_at_stripe_and_switches_auto_billing_off(card_world: CardWorld) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer()
    profile = card_world.save_card(account)
    card, customer = profile.default_payment_method_ref, profile.payment_customer_ref
    assert card_world.fake.get(card)["customer"] == customer
    assert account.id is not None

    view = saved_methods.remove_saved_method(
        world.session, world.scope, card_world.owner(account), account.id
    )

    assert (view.has_card, view.auto_billing) == (False, False)
    assert card_world.fake.get(card)["customer"] is None
    assert len(card_world.fake.requests_for("POST", f"/v1/payment_methods/{card}/detach")) == 1
    profile = card_world.profile(account)
    assert (profile.default_payment_method_ref, profile.auto_billing) == ("", False)
    [removed] = world.session.scalars(
        select(AuditLogEntry).where(
            AuditLogEntry.tenant_id == world.scope.tenant_id,
            AuditLogEntry.action == "payment_method.removed",
            AuditLogEntry.object_id == str(account.id),
        )
    ).all()
    assert removed.after == {"card": "", "auto_billing": False, "detached": True}

    # A removal whose local half was lost is repeated: Stripe's "not attached" counts as done.
    processor_for(world.session, world.scope).detach_payment_method(card)
    assert card_world.fake.get(card)["customer"] is None


def test_a_card_stripe_does_not_detach_stays_saved_with_a_clear_error(
    card_world: CardWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer()
    profile = card_world.save_card(account)
    card = profile.default_payment_method_ref
    assert account.id is not None

    def refused(self: StripeProcessor, payment_method_ref: str) -> None:
        raise ProcessorError("Stripe is unavailable", code="api_error", retryable=True)

    monkeypatch.setattr(StripeProcessor, "detach_payment_method", refused)
    with pytest.raises(CardNotRemoved, match=r"could not remove the card .*still saved"):
        saved_methods.remove_saved_method(world.session, world.scope, card_world.owner(account), account.id)

    profile = card_world.profile(account)
    assert (profile.default_payment_method_ref, profile.auto_billing) == (card, True)
    assert card_world.fake.get(card)["customer"] == profile.payment_customer_ref
    assert card_world.fake.requests_for("POST", f"/v1/payment_methods/{card}/detach") == []
