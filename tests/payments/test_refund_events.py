"""`charge.refunded`: a refund started in the Stripe dashboard makes its credit note once, however
often the event comes; a refund started in the console is completed once, whether its event comes
before or after the console hears back from Stripe; a refund of a payment still pending settles it
first; one of a payment this database does not know (yet) fails the event so that Stripe retries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.models import InvoiceStatus, PaymentStatus, RefundStatus
from backend.payments.charges import ChargeNotKnownYet
from backend.payments.refunds import complete_refund, request_refund
from tests.billing.world import World
from tests.payments.refund_world import (
    card_payment,
    charge,
    credit_notes_of,
    deliver,
    issued_invoice,
    refunds_of,
    stripe_refund,
)

D = Decimal


def test_a_dashboard_refund_makes_its_credit_note_once_even_delivered_twice(world: World) -> None:
    invoice = issued_invoice(world)
    payment = card_payment(world, invoice)
    payment.status, payment.charge_ref = PaymentStatus.SUCCEEDED, "ch_1"
    invoice.status, invoice.balance_due = InvoiceStatus.PAID, D(0)
    refunded = charge(payment, refunds=[stripe_refund("re_dash", 2000, reason="requested_by_customer")])
    deliver(world, "charge.refunded", refunded)
    deliver(world, "charge.refunded", refunded)
    [refund] = refunds_of(world, payment)
    [note] = credit_notes_of(world, invoice)
    assert (refund.external_id, refund.amount, refund.origin, refund.status) == (
        "re_dash", D("20.00"), "processor", RefundStatus.SUCCEEDED
    )  # fmt: skip
    assert (refund.credit_note_id, note.gross, note.refund_amount) == (note.id, D("20.00"), D("20.00"))
    assert (payment.refunded_amount, payment.status) == (D("20.00"), PaymentStatus.PARTIALLY_REFUNDED)
    # A second dashboard refund later: the event lists both; only the new one is added.
    both = charge(payment, refunds=[stripe_refund("re_dash", 2000), stripe_refund("re_dash2", 6206)])
    deliver(world, "charge.refunded", both)
    assert [r.external_id for r in refunds_of(world, payment)] == ["re_dash", "re_dash2"]
    assert [n.gross for n in credit_notes_of(world, invoice)] == [D("20.00"), D("62.06")]
    assert (payment.refunded_amount, payment.status) == (D("82.06"), PaymentStatus.REFUNDED)


@pytest.mark.parametrize("event_first", [True, False])
def test_a_console_refund_and_its_event_make_one_credit_note(world: World, event_first: bool) -> None:
    invoice = issued_invoice(world)
    payment = card_payment(world, invoice)
    payment.status, payment.charge_ref = PaymentStatus.SUCCEEDED, "ch_1"
    refund = request_refund(
        world.session, world.scope, world.admin, payment.id or 0, D("30.00"), "Canceled", world.now,
        idempotency_key="r1",
    )  # fmt: skip
    # Stripe's refund carries the console's refund id in its metadata.
    event = charge(payment, refunds=[stripe_refund("re_1", 3000, metadata={"refund_id": str(refund.id)})])
    if event_first:
        deliver(world, "charge.refunded", event)
        complete_refund(world.session, world.scope, refund.id or 0, world.now, external_id="re_1")
    else:
        complete_refund(world.session, world.scope, refund.id or 0, world.now, external_id="re_1")
        deliver(world, "charge.refunded", event)
    deliver(world, "charge.refunded", event)
    assert [(r.id, r.external_id, r.origin) for r in refunds_of(world, payment)] == [
        (refund.id, "re_1", "admin")
    ]
    assert [n.gross for n in credit_notes_of(world, invoice)] == [D("30.00")]
    assert payment.refunded_amount == D("30.00")


def test_a_refund_of_a_payment_still_pending_settles_the_payment_first(world: World) -> None:
    # charge.refunded overtook checkout.session.completed: the refund proves the charge went through.
    invoice = issued_invoice(world)
    payment = card_payment(world, invoice)
    deliver(world, "charge.refunded", charge(payment, refunds=[stripe_refund("re_1", 8206)]))
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.PAID, D(0))
    assert (payment.status, payment.refunded_amount, payment.charge_ref) == (
        PaymentStatus.REFUNDED,
        D("82.06"),
        "ch_1",
    )
    assert [n.gross for n in credit_notes_of(world, invoice)] == [D("82.06")]


def test_a_charge_without_its_refund_list_is_refunded_by_the_difference(world: World) -> None:
    invoice = issued_invoice(world)
    payment = card_payment(world, invoice)
    payment.status = PaymentStatus.SUCCEEDED
    event = charge(payment) | {"amount_refunded": 1500}
    del event["refunds"]
    deliver(world, "charge.refunded", event)
    deliver(world, "charge.refunded", event)
    assert [(r.amount, r.origin) for r in refunds_of(world, payment)] == [(D("15.00"), "processor")]
    assert [n.gross for n in credit_notes_of(world, invoice)] == [D("15.00")]


def test_a_refund_of_an_unknown_payment_fails_the_event_for_a_retry(world: World) -> None:
    invoice = issued_invoice(world)
    payment = card_payment(world, invoice)
    event = charge(payment, refunds=[stripe_refund("re_1", 100)])
    event["metadata"]["payment_id"], event["payment_intent"] = "999999", "pi_unknown"
    with pytest.raises(ChargeNotKnownYet):
        deliver(world, "charge.refunded", event)
    foreign = charge(payment, "ch_foreign", refunds=[stripe_refund("re_2", 100)]) | {"metadata": {}}
    foreign["payment_intent"] = "pi_foreign"
    assert deliver(world, "charge.refunded", foreign) is None  # not a payment of the console: ignored
    assert refunds_of(world, payment) == []
