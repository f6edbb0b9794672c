"""Saving a card through Checkout in setup mode: stored once from either report, in any order; a
late report of a replaced or removed card changes nothing; another tenant's account is untouchable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.integrations.payment_processor import WebhookEvent
from backend.kit.errors import PermissionDenied
from backend.kit.policy import Actor
from backend.models import AuditLogEntry, CustomerAccount, CustomerProfile
from backend.payments import saved_methods
from backend.payments.errors import NoSavedMethod
from tests.billing.world import World, utc
from tests.payments.auto_billing.conftest import CardWorld

# The charging unit commits mid-way (the pending payment before the charge); pysqlite does not keep
# the test's savepoint across that commit, so on SQLite its rows would outlive the test.
pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def test_the_hosted_setup_page_saves_the_card_with_brand_and_last_four(card_world: CardWorld) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer()
    profile = card_world.save_card(account, "5555555555554444", auto_billing=False)
    assert profile.payment_customer_ref.startswith("cus_")
    assert profile.default_payment_method_ref.startswith("pm_")
    assert (profile.payment_method_brand, profile.payment_method_last4) == ("mastercard", "4444")
    assert profile.auto_billing is False


def setup_events(card_world: CardWorld, account: CustomerAccount, card: str) -> dict[str, str]:
    """Save `card` on the hosted page and hold Stripe's reports: event type -> event id."""
    before = {event["id"] for event in card_world.fake.pending_events()}
    card_world.fake.complete_checkout(card_world.start_setup(account), card=card)
    return {
        event["type"]: event["id"] for event in card_world.fake.pending_events() if event["id"] not in before
    }


def saved_audits(card_world: CardWorld, account: CustomerAccount) -> list[AuditLogEntry]:
    statement = select(AuditLogEntry).where(
        AuditLogEntry.tenant_id == card_world.world.scope.tenant_id,
        AuditLogEntry.action == "payment_method.saved",
        AuditLogEntry.object_id == str(account.id),
    )
    return list(card_world.world.session.scalars(statement))


def test_either_report_saves_the_card_once_in_any_order(card_world: CardWorld) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer()
    events = setup_events(card_world, account, "4242424242424242")
    card_world.fake.deliver(events["checkout.session.completed"], times=2)
    profile = card_world.profile(account)
    assert (profile.payment_method_brand, profile.payment_method_last4) == ("visa", "4242")
    card_world.fake.deliver(events["setup_intent.succeeded"], times=2)
    assert card_world.profile(account).default_payment_method_ref == profile.default_payment_method_ref
    assert len(saved_audits(card_world, account)) == 1


def test_a_late_report_of_a_replaced_card_does_not_bring_it_back(card_world: CardWorld) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer()
    first = setup_events(card_world, account, "4242424242424242")
    world.at(utc(2027, 1, 10, 9, 5))
    second = setup_events(card_world, account, "5555555555554444")
    for kind in ("setup_intent.succeeded", "checkout.session.completed"):
        card_world.fake.deliver(second[kind])
    for kind in ("checkout.session.completed", "setup_intent.succeeded"):
        card_world.fake.deliver(first[kind])  # the visa's reports arrive after the mastercard's
    profile = card_world.profile(account)
    assert (profile.payment_method_brand, profile.payment_method_last4) == ("mastercard", "4444")


def test_a_removed_card_stays_removed_when_its_setup_is_reported_again(card_world: CardWorld) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer()
    events = setup_events(card_world, account, "4242424242424242")
    card_world.fake.deliver(events["setup_intent.succeeded"])
    assert account.id is not None
    view = saved_methods.set_auto_billing(
        world.session, world.scope, card_world.owner(account), account.id, enabled=True
    )
    assert (view.has_card, view.auto_billing, view.brand, view.last4) == (True, True, "visa", "4242")
    view = saved_methods.remove_saved_method(
        world.session, world.scope, card_world.owner(account), account.id
    )
    assert (view.has_card, view.auto_billing) == (False, False)
    card_world.fake.deliver(events["setup_intent.succeeded"])
    card_world.fake.deliver(events["checkout.session.completed"])
    profile = card_world.profile(account)
    assert (profile.default_payment_method_ref, profile.auto_billing) == ("", False)
    world.at(utc(2027, 1, 11, 9))
    assert card_world.save_card(account, "5555555555554444").payment_method_last4 == "4444"  # a new one is


def test_a_setup_naming_another_tenants_account_or_another_customer_changes_nothing(
    card_world: CardWorld,
) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    other_world = World(world.session, world.clock)
    theirs = other_world.customer()
    ours = world.customer()
    card_world.save_card(ours, auto_billing=False)
    before = card_world.profile(ours).default_payment_method_ref
    notes = []
    for account_id, customer in ((theirs.id, "cus_theirs"), (ours.id, "cus_someone_else")):
        event = WebhookEvent(
            id=f"evt_forged_{account_id}",
            type="setup_intent.succeeded",
            created=int(world.now.timestamp()),
            object={
                "id": f"seti_forged_{account_id}",
                "object": "setup_intent",
                "status": "succeeded",
                "customer": customer,
                "payment_method": {"id": "pm_forged", "card": {"brand": "visa", "last4": "0000"}},
                "created": int(world.now.timestamp()) + 60,
                "metadata": {"tenant_id": str(world.scope.tenant_id), "account_id": str(account_id)},
            },
        )
        notes.append(card_world.webhooks.handle(event))
    assert notes == [
        f"no customer account {theirs.id} here; card not saved",
        f"card of another processor customer; account {ours.id} unchanged",
    ]
    theirs_profile = world.session.scalars(
        select(CustomerProfile).where(CustomerProfile.customer_account_id == theirs.id)
    ).one()
    assert theirs_profile.default_payment_method_ref == ""
    assert card_world.profile(ours).default_payment_method_ref == before


def test_viewers_and_other_customers_cannot_change_the_card_or_auto_billing(card_world: CardWorld) -> None:
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account, stranger = world.customer(), world.customer()
    assert account.id is not None and stranger.id is not None
    card_world.save_card(account, auto_billing=False)
    viewer = Actor.customer(world.scope.tenant_id, account.id, member_role="viewer")
    billing = Actor.customer(world.scope.tenant_id, account.id, member_role="billing")
    other = Actor.customer(world.scope.tenant_id, stranger.id)
    for who in (viewer, other, world.admin):
        with pytest.raises(PermissionDenied):
            saved_methods.set_auto_billing(world.session, world.scope, who, account.id, enabled=True)
        with pytest.raises(PermissionDenied):
            saved_methods.remove_saved_method(world.session, world.scope, who, account.id)
    assert saved_methods.saved_method(world.session, world.scope, viewer, account.id).has_card
    view = saved_methods.set_auto_billing(world.session, world.scope, billing, account.id, enabled=True)
    assert view.auto_billing
    with pytest.raises(NoSavedMethod):
        saved_methods.set_auto_billing(world.session, world.scope, other, stranger.id, enabled=True)
    switched = world.session.scalars(
        select(AuditLogEntry).where(
            AuditLogEntry.tenant_id == world.scope.tenant_id, AuditLogEntry.action == "customer.auto_billing"
        )
    ).all()
    assert [(entry.before, entry.after) for entry in switched] == [
        (
            {"auto_billing": False, "card": "visa ending 4242"},
            {"auto_billing": True, "card": "visa ending 4242"},
        )
    ]
