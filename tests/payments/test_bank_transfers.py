"""Bank transfers an admin records: in part, then the rest; more than the balance is refused and
changes nothing; the same request twice records one payment. Amounts by hand: the invoice of
tests/payments/refund_world.py is 82.06 gross."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.invoicing import statements
from backend.kit.errors import FieldErrors, PermissionDenied
from backend.kit.policy import Actor
from backend.models import InvoiceStatus, Payment, PaymentProcessor, PaymentStatus
from backend.payments.manual_payments import ChargeInFlight, record_bank_transfer
from tests.billing.world import World
from tests.payments.refund_world import card_payment, issued_invoice

D = Decimal


def _payments(world: World, invoice_id: int) -> list[Payment]:
    return list(
        world.session.scalars(select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id))
    )


def test_a_partial_transfer_then_the_rest_pays_the_invoice(world: World) -> None:
    invoice = issued_invoice(world)
    assert invoice.id is not None
    first = record_bank_transfer(
        world.session,
        world.scope,
        world.admin,
        invoice.id,
        D("30.00"),
        "SEPA 0001",
        world.now,
        idempotency_key="k1",
    )
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.ISSUED, D("52.06"))  # 82.06 - 30.00
    rest = record_bank_transfer(
        world.session,
        world.scope,
        world.admin,
        invoice.id,
        D("52.06"),
        "SEPA 0002",
        world.now,
        idempotency_key="k2",
    )
    assert (invoice.status, invoice.balance_due, invoice.paid_at) == (InvoiceStatus.PAID, D(0), world.now)
    assert [(p.processor, p.kind, p.amount, p.status, p.note) for p in (first, rest)] == [
        (PaymentProcessor.MANUAL, "manual", D("30.00"), PaymentStatus.SUCCEEDED, "SEPA 0001"),
        (PaymentProcessor.MANUAL, "manual", D("52.06"), PaymentStatus.SUCCEEDED, "SEPA 0002"),
    ]


def test_more_than_the_balance_is_refused_and_changes_nothing(world: World) -> None:
    invoice = issued_invoice(world)
    assert invoice.id is not None
    record_bank_transfer(
        world.session,
        world.scope,
        world.admin,
        invoice.id,
        D("80.00"),
        "SEPA 1",
        world.now,
        idempotency_key="a",
    )
    with pytest.raises(FieldErrors, match=r"at most the balance due, 2\.06 EUR"):
        record_bank_transfer(
            world.session,
            world.scope,
            world.admin,
            invoice.id,
            D("2.07"),
            "SEPA 2",
            world.now,
            idempotency_key="b",
        )
    assert invoice.balance_due == D("2.06") and len(_payments(world, invoice.id)) == 1


BAD_INPUT = [
    (D("0"), "SEPA", "amount"),
    (D("-5"), "SEPA", "amount"),
    (D("1.001"), "SEPA", "amount"),
    (D("5"), "  ", "reference"),
]


@pytest.mark.parametrize(("amount", "reference", "field"), BAD_INPUT)
def test_bad_input_is_refused_by_field(world: World, amount: Decimal, reference: str, field: str) -> None:
    invoice = issued_invoice(world)
    assert invoice.id is not None
    with pytest.raises(FieldErrors) as refused:
        record_bank_transfer(
            world.session, world.scope, world.admin, invoice.id, amount, reference, world.now
        )
    assert list(refused.value.fields) == [field]
    assert invoice.balance_due == D("82.06") and _payments(world, invoice.id) == []


def test_the_same_request_twice_records_one_transfer(world: World) -> None:
    invoice = issued_invoice(world)
    assert invoice.id is not None
    for _ in range(2):
        record_bank_transfer(
            world.session,
            world.scope,
            world.admin,
            invoice.id,
            D("10.00"),
            "SEPA",
            world.now,
            idempotency_key="same",
        )
    assert invoice.balance_due == D("72.06") and len(_payments(world, invoice.id)) == 1


def test_a_customer_cannot_record_a_transfer(world: World) -> None:
    invoice = issued_invoice(world)
    assert invoice.id is not None
    customer = Actor.customer(world.scope.tenant_id, invoice.customer_account_id)
    with pytest.raises(PermissionDenied):
        record_bank_transfer(world.session, world.scope, customer, invoice.id, D("1.00"), "SEPA", world.now)
    assert invoice.balance_due == D("82.06")


def test_after_a_partial_transfer_the_customer_is_asked_for_the_rest(world: World) -> None:
    world.tenant.issuer_iban, world.tenant.issuer_legal_name = "DE89370400440532013000", "Billing Test GmbH"
    invoice = issued_invoice(world)
    assert invoice.id is not None and invoice.number is not None
    record_bank_transfer(world.session, world.scope, world.admin, invoice.id, D("30.00"), "SEPA 1", world.now)
    customer = Actor.customer(world.scope.tenant_id, invoice.customer_account_id)
    view = statements.invoice_by_number(world.session, world.scope, customer, invoice.number)
    assert view.bank_transfer is not None
    assert (view.bank_transfer.amount, view.bank_transfer.reference) == (D("52.06"), invoice.number)


def test_a_transfer_waits_while_an_automatic_card_charge_is_in_flight(world: World) -> None:
    invoice = issued_invoice(world)
    assert invoice.id is not None
    in_flight = card_payment(world, invoice)
    in_flight.kind = "off_session"  # written and committed before Stripe was called, no answer yet
    with pytest.raises(ChargeInFlight):
        record_bank_transfer(
            world.session, world.scope, world.admin, invoice.id, D("1.00"), "SEPA", world.now
        )
    in_flight.status = PaymentStatus.FAILED
    record_bank_transfer(world.session, world.scope, world.admin, invoice.id, D("1.00"), "SEPA", world.now)
    assert invoice.balance_due == D("81.06")  # 82.06 - 1.00
