"""Refunds an admin makes: each gives a credit note of the refunded amount, split over the invoice's
lines in proportion, net and tax per rate computed by hand below; the payment shows what was
refunded; more than is refundable is refused and changes nothing.

The invoice (tests/payments/refund_world.py) has 71.36 gross at 19 % and 10.70 gross at 7 %,
82.06 in all.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.kit.errors import FieldErrors, PermissionDenied
from backend.kit.policy import Actor
from backend.models import InvoiceStatus, PaymentStatus, RefundStatus
from backend.payments.manual_payments import record_bank_transfer
from backend.payments.refunds import (
    PaymentNotRefundable,
    complete_refund,
    preview_refund,
    refund_call,
    request_refund,
)
from tests.billing.world import World
from tests.payments.refund_world import card_payment, credit_notes_of, issued_invoice, note_lines, refunds_of

D = Decimal


def _paid_by_transfer(world: World, amount: str = "82.06"):
    invoice = issued_invoice(world)
    assert invoice.id is not None
    payment = record_bank_transfer(
        world.session,
        world.scope,
        world.admin,
        invoice.id,
        D(amount),
        "SEPA 1",
        world.now,
        idempotency_key="t",
    )
    return invoice, payment


def test_a_partial_refund_credits_each_line_in_proportion_with_its_own_rate(world: World) -> None:
    invoice, payment = _paid_by_transfer(world)
    refund = request_refund(
        world.session, world.scope, world.admin, payment.id or 0, D("10.00"), "Goodwill", world.now,
        idempotency_key="r1",
    )  # fmt: skip
    # 10.00 x 71.36/82.06 = 8.696 and 10.00 x 10.70/82.06 = 1.304: floors 8.69 + 1.30 = 9.99, the
    # missing cent to the larger remainder (0.6 > 0.4 cents): 8.70 and 1.30.
    # 8.70 / 1.19 = 7.3109 -> 7.31 net, 1.39 tax; 1.30 / 1.07 = 1.2149 -> 1.21 net, 0.09 tax.
    [note] = credit_notes_of(world, invoice)
    assert note_lines(world, note) == [(D("7.31"), D("1.39"), D(19)), (D("1.21"), D("0.09"), D(7))]
    assert (note.net, note.tax, note.gross, note.refund_amount) == (
        D("8.52"),
        D("1.48"),
        D("10.00"),
        D("10.00"),
    )
    assert note.number == f"{invoice.number}-CN1" and note.reason == "Refund: Goodwill"
    assert (refund.status, refund.credit_note_id, refund.origin) == (RefundStatus.SUCCEEDED, note.id, "admin")
    assert (payment.refunded_amount, payment.status) == (D("10.00"), PaymentStatus.PARTIALLY_REFUNDED)
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.PAID, D(0))


def test_refunding_the_rest_refunds_the_payment_in_full(world: World) -> None:
    invoice, payment = _paid_by_transfer(world)
    for key, amount in (("r1", "10.00"), ("r2", "72.06")):
        request_refund(
            world.session, world.scope, world.admin, payment.id or 0, D(amount), "Canceled", world.now,
            idempotency_key=key,
        )  # fmt: skip
    # Left after the first: 59.97 - 7.31 = 52.66 net (+10.01 tax = 62.67), 10.00 - 1.21 = 8.79 net
    # (+0.62 = 9.41): 72.08 gross left, more than 72.06, so shared: 72.06 x 62.67/72.08 = 62.6526
    # and x 9.41/72.08 = 9.4074: 62.65 + 9.40 = 72.05, the cent to 9.41 (0.74 > 0.26).
    # 62.65 / 1.19 = 52.647 -> 52.65 net, 10.00 tax; 9.41 / 1.07 = 8.794 -> 8.79 net, 0.62 tax.
    first, second = credit_notes_of(world, invoice)
    assert note_lines(world, second) == [(D("52.65"), D("10.00"), D(19)), (D("8.79"), D("0.62"), D(7))]
    assert (second.gross, first.gross + second.gross) == (D("72.06"), D("82.06"))
    assert (payment.refunded_amount, payment.status) == (D("82.06"), PaymentStatus.REFUNDED)
    with pytest.raises(PaymentNotRefundable):
        request_refund(
            world.session, world.scope, world.admin, payment.id or 0, D("0.01"), "More", world.now,
            idempotency_key="r3",
        )  # fmt: skip


def test_a_refund_of_a_partial_payment_leaves_the_balance_as_it_was(world: World) -> None:
    # Paid 50.00 of 82.06 (32.06 due); 20.00 given back with a 20.00 credit note: the invoice is
    # 62.06 now, 30.00 of it paid, so 32.06 is still due.
    invoice, payment = _paid_by_transfer(world, "50.00")
    assert invoice.balance_due == D("32.06")
    request_refund(
        world.session, world.scope, world.admin, payment.id or 0, D("20.00"), "Overpaid", world.now,
        idempotency_key="r1",
    )  # fmt: skip
    [note] = credit_notes_of(world, invoice)
    assert (note.gross, note.refund_amount) == (D("20.00"), D("20.00"))
    assert (invoice.status, invoice.balance_due) == (InvoiceStatus.ISSUED, D("32.06"))
    with pytest.raises(FieldErrors, match=r"at most what is left to refund, 30\.00 EUR"):
        request_refund(
            world.session, world.scope, world.admin, payment.id or 0, D("30.01"), "More", world.now,
            idempotency_key="r2",
        )  # fmt: skip
    assert len(credit_notes_of(world, invoice)) == 1 and payment.refunded_amount == D("20.00")


def test_a_refund_needs_a_reason_and_a_sane_amount_and_an_admin(world: World) -> None:
    invoice, payment = _paid_by_transfer(world)
    for amount, reason, field in (
        (D("5"), " ", "reason"),
        (D("0"), "x", "amount"),
        (D("1.234"), "x", "amount"),
    ):
        with pytest.raises(FieldErrors) as refused:
            request_refund(
                world.session, world.scope, world.admin, payment.id or 0, amount, reason, world.now,
                idempotency_key=f"{amount}{reason}",
            )  # fmt: skip
        assert list(refused.value.fields) == [field]
    customer = Actor.customer(world.scope.tenant_id, invoice.customer_account_id)
    with pytest.raises(PermissionDenied):
        request_refund(
            world.session, world.scope, customer, payment.id or 0, D(1), "x", world.now, idempotency_key="c"
        )
    assert refunds_of(world, payment) == [] and credit_notes_of(world, invoice) == []


def test_the_same_refund_request_twice_refunds_once(world: World) -> None:
    invoice, payment = _paid_by_transfer(world)
    for _ in range(2):
        request_refund(
            world.session, world.scope, world.admin, payment.id or 0, D("5.00"), "Twice", world.now,
            idempotency_key="same",
        )  # fmt: skip
    assert len(refunds_of(world, payment)) == 1 and len(credit_notes_of(world, invoice)) == 1
    assert payment.refunded_amount == D("5.00")


def test_a_card_refund_waits_for_the_processor_and_holds_its_amount_back(world: World) -> None:
    invoice = issued_invoice(world)
    payment = card_payment(world, invoice)
    payment.status, payment.charge_ref = PaymentStatus.SUCCEEDED, "ch_1"
    refund = request_refund(
        world.session, world.scope, world.admin, payment.id or 0, D("80.00"), "Canceled", world.now,
        idempotency_key="r1",
    )  # fmt: skip
    assert refund.status == RefundStatus.PENDING and credit_notes_of(world, invoice) == []
    call = refund_call(world.session, world.scope, refund.id or 0)
    assert call is not None
    assert (call.request.payment_intent, call.request.amount.minor_units) == ("pi_1", 8000)
    assert call.request.idempotency_key == refund.idempotency_key
    assert call.request.metadata["refund_id"] == str(refund.id)
    with pytest.raises(FieldErrors, match=r"2\.06 EUR"):  # 82.06 - 80.00 pending
        request_refund(
            world.session, world.scope, world.admin, payment.id or 0, D("2.07"), "More", world.now,
            idempotency_key="r2",
        )  # fmt: skip
    complete_refund(world.session, world.scope, refund.id or 0, world.now, external_id="re_1")
    assert "already" in complete_refund(
        world.session, world.scope, refund.id or 0, world.now, external_id="re_1"
    )
    [note] = credit_notes_of(world, invoice)
    assert note.gross == D("80.00") and refund.external_id == "re_1"
    assert (payment.refunded_amount, payment.status) == (D("80.00"), PaymentStatus.PARTIALLY_REFUNDED)


def test_the_preview_shows_the_credit_note_the_refund_will_issue_and_changes_nothing(world: World) -> None:
    invoice, payment = _paid_by_transfer(world)
    preview = preview_refund(world.session, world.scope, world.admin, payment.id or 0, D("10.00"))
    # The same split as the first test: 7.31 + 1.21 = 8.52 net, 1.39 + 0.09 = 1.48 tax.
    assert (preview.amount, preview.net, preview.tax, preview.by_transfer) == (
        D("10.00"), D("8.52"), D("1.48"), True
    )  # fmt: skip
    with pytest.raises(FieldErrors):
        preview_refund(world.session, world.scope, world.admin, payment.id or 0, D("82.07"))
    assert refunds_of(world, payment) == [] and credit_notes_of(world, invoice) == []
