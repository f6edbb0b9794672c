"""What auto-billing charges and what it leaves alone: an open Checkout Session is expired first (and
a completed one means the customer paid by hand), and nothing is charged without auto-billing, a
saved card, or card payments at all (bank transfer). The invoice is 11.90 EUR (10.00 + 19 % VAT)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.integrations.payment_processor import CheckoutRequest
from backend.models import CustomerAccount, CustomerProfile, Invoice, InvoiceStatus, Payment, PaymentStatus
from backend.models.enums import PaymentProcessor
from backend.money import Money
from backend.payments import saved_methods
from backend.payments.accounts import processor_for
from backend.payments.tasks import find_auto_payment_units
from tests.billing.world import World, utc
from tests.payments.auto_billing.conftest import CardWorld

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)  # the unit commits

GROSS = Decimal("11.90")


def invoice_without_auto_billing(card_world: CardWorld) -> tuple[CustomerAccount, Invoice]:
    """A saved card, auto-billing off: the February invoice stays open."""
    world = card_world.world
    world.at(utc(2027, 1, 10, 9))
    account = world.customer(billing_day=1)
    card_world.save_card(account, auto_billing=False)
    world.order(account, world.plan("web", "10.00"))
    world.run_until(utc(2027, 2, 1, 9))
    [invoice] = world.invoices()
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.ISSUED, GROSS)
    return account, invoice


def open_checkout(card_world: CardWorld, account: CustomerAccount, invoice: Invoice) -> Payment:
    """The customer pressed Pay: a Checkout Session and its pending payment (as the Pay path writes it)."""
    world = card_world.world
    profile = card_world.profile(account)
    assert invoice.id is not None and account.id is not None
    checkout = processor_for(world.session, world.scope).create_checkout(
        CheckoutRequest(
            mode="payment",
            tenant_id=world.scope.tenant_id,
            customer_ref=profile.payment_customer_ref,
            success_url="https://billing.test/invoices/1?paid",
            cancel_url="https://billing.test/invoices/1",
            idempotency_key=f"checkout:{invoice.id}:1",
            amount=Money.of(GROSS, "EUR"),
            invoice_id=invoice.id,
            invoice_number=str(invoice.number),
        )
    )
    payment = Payment(
        tenant_id=world.scope.tenant_id,
        invoice_id=invoice.id,
        customer_account_id=account.id,
        processor=PaymentProcessor.STRIPE,
        external_id=checkout.id,
        idempotency_key=f"checkout:{invoice.id}:1",
        amount=GROSS,
        kind="checkout",
    )
    world.session.add(payment)
    world.session.flush()
    return payment


def switch_on(card_world: CardWorld, account: CustomerAccount) -> None:
    assert account.id is not None
    world = card_world.world
    saved_methods.set_auto_billing(
        world.session, world.scope, card_world.owner(account), account.id, enabled=True
    )


def off_session_payments(world: World, invoice: Invoice) -> list[Payment]:
    statement = select(Payment).where(Payment.invoice_id == invoice.id, Payment.kind == "off_session")
    return list(world.session.scalars(statement))


def test_an_open_checkout_session_is_expired_before_the_automatic_charge(card_world: CardWorld) -> None:
    world = card_world.world
    account, invoice = invoice_without_auto_billing(card_world)
    checkout = open_checkout(card_world, account, invoice)
    switch_on(card_world, account)
    world.at(utc(2027, 2, 1, 10))
    world.tick()
    assert card_world.fake.get(str(checkout.external_id))["status"] == "expired"
    world.session.refresh(checkout)
    assert checkout.status == PaymentStatus.CANCELED
    paths = [request["path"] for request in card_world.fake.requests if request["method"] == "POST"]
    expire = paths.index(f"/v1/checkout/sessions/{checkout.external_id}/expire")
    assert paths[expire + 1 :] == ["/v1/payment_intents"]  # expired first, then the one charge
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.PAID, 0)


def test_a_checkout_the_customer_completed_is_not_charged_again(card_world: CardWorld) -> None:
    world = card_world.world
    account, invoice = invoice_without_auto_billing(card_world)
    checkout = open_checkout(card_world, account, invoice)
    card_world.fake.complete_checkout(str(checkout.external_id))  # paid by hand; its webhook is late
    switch_on(card_world, account)
    world.at(utc(2027, 2, 1, 10))
    world.tick()
    assert card_world.payment_intent_posts() == []
    assert off_session_payments(world, invoice) == []
    assert checkout.status == PaymentStatus.PENDING  # the checkout webhook settles it
    assert invoice.status == InvoiceStatus.ISSUED


def test_nothing_is_charged_without_auto_billing_or_without_a_saved_card(card_world: CardWorld) -> None:
    world = card_world.world
    invoice_without_auto_billing(card_world)  # card saved, auto-billing off
    uncarded = world.customer(billing_day=1)
    world.order(uncarded, world.plan("mail", "10.00"))
    profile = card_world.profile(uncarded)
    profile.auto_billing = True  # switched on somehow, but no card: nothing to charge
    world.run_until(utc(2027, 3, 2, 9))
    assert card_world.payment_intent_posts() == []
    for each in world.invoices():
        assert off_session_payments(world, each) == []
        assert each.balance_due > 0


def test_nothing_is_charged_when_the_tenant_takes_bank_transfers_only(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    account = world.customer(billing_day=1)
    profile = world.session.scalars(
        select(CustomerProfile).where(CustomerProfile.customer_account_id == account.id)
    ).one()
    profile.payment_customer_ref, profile.default_payment_method_ref = "cus_kept", "pm_kept"
    profile.auto_billing = True  # from when the tenant had Stripe keys
    world.order(account, world.plan("web", "10.00"))
    world.run_until(utc(2027, 2, 1, 9))
    [invoice] = world.invoices()
    assert find_auto_payment_units(world.session, world.scope, world.now) == []
    assert off_session_payments(world, invoice) == []
    assert (invoice.status, invoice.payment_attempts) == (InvoiceStatus.ISSUED, 0)


def test_a_pay_still_creating_its_session_holds_the_automatic_charge_back(card_world: CardWorld) -> None:
    world = card_world.world
    account, invoice = invoice_without_auto_billing(card_world)
    assert invoice.id is not None and account.id is not None
    world.at(utc(2027, 2, 1, 10))
    paying = Payment(  # committed by the Pay path before it asks Stripe for the session
        tenant_id=world.scope.tenant_id,
        invoice_id=invoice.id,
        customer_account_id=account.id,
        processor=PaymentProcessor.STRIPE,
        idempotency_key=f"checkout:{invoice.id}:1",
        amount=GROSS,
        kind="checkout",
        created_at=world.now,
    )
    world.session.add(paying)
    world.session.flush()
    switch_on(card_world, account)
    world.at(utc(2027, 2, 1, 10, 59))
    world.tick()
    assert card_world.payment_intent_posts() == []
    world.at(utc(2027, 2, 1, 11))  # an hour on, that Pay never got its session: nothing to expire
    world.tick()
    assert len(card_world.payment_intent_posts()) == 1
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.PAID, 0)
