"""Disputes opened and closed on a charge, in order, out of order and twice; payouts paid and
failed, recorded once; balance transactions of charges, refunds and payouts recorded once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from backend.models import AuditLogEntry, BalanceTransaction, Dispute, PaymentStatus, Payout
from backend.payments.disputes import open_disputes
from backend.payments.payouts import latest_payouts
from tests.billing.world import World
from tests.payments.refund_world import card_payment, charge, deliver, issued_invoice

D = Decimal


def _dispute(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": "dp_1",
        "object": "dispute",
        "amount": 8206,
        "currency": "eur",
        "charge": "ch_1",
        "payment_intent": "pi_1",
        "reason": "fraudulent",
        "status": status,
        "created": 1_800_000_000,
    } | fields


def _rows(world: World, model: type[Any]) -> list[Any]:
    statement = select(model).where(model.tenant_id == world.scope.tenant_id).order_by(model.id)
    return list(world.session.scalars(statement))


def test_a_dispute_is_recorded_on_its_invoice_and_closed_once(world: World) -> None:
    invoice = issued_invoice(world)
    payment = card_payment(world, invoice)
    payment.status, payment.charge_ref = PaymentStatus.SUCCEEDED, "ch_1"
    deliver(world, "charge.dispute.created", _dispute("needs_response"))
    [dispute] = _rows(world, Dispute)
    assert (dispute.invoice_id, dispute.payment_id, dispute.amount, dispute.reason, dispute.status) == (
        invoice.id, payment.id, D("82.06"), "fraudulent", "needs_response"
    )  # fmt: skip
    count, listed = open_disputes(world.session, world.scope, world.admin)
    assert (count, [(d.external_id, number) for d, number in listed]) == (1, [("dp_1", invoice.number)])
    deliver(world, "charge.dispute.closed", _dispute("won"))
    deliver(world, "charge.dispute.closed", _dispute("won"))
    deliver(world, "charge.dispute.created", _dispute("needs_response"))  # late: does not reopen it
    [dispute] = _rows(world, Dispute)
    assert (dispute.status, dispute.closed_at) == ("won", world.now)
    assert open_disputes(world.session, world.scope, world.admin) == (0, [])
    actions = [e.action for e in _rows(world, AuditLogEntry) if e.action.startswith("payment.dispute")]
    assert actions[0] == "payment.dispute_opened" and len(actions) == 4


def test_a_dispute_of_an_unknown_charge_is_kept_without_an_invoice(world: World) -> None:
    deliver(world, "charge.dispute.created", _dispute("needs_response", charge="ch_x", payment_intent="pi_x"))
    [dispute] = _rows(world, Dispute)
    assert (dispute.invoice_id, dispute.charge_ref) == (None, "ch_x")


def _payout(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": "po_1",
        "object": "payout",
        "amount": 150000,
        "currency": "eur",
        "status": status,
        "arrival_date": 1_800_086_400,
    } | fields


def test_payouts_paid_and_failed_are_recorded_once(world: World) -> None:
    deliver(world, "payout.paid", _payout("paid"))
    deliver(world, "payout.paid", _payout("paid"))
    [payout] = _rows(world, Payout)
    assert (payout.external_id, payout.amount, payout.status, payout.failure_message) == (
        "po_1",
        D("1500.00"),
        "paid",
        "",
    )
    failing = _payout("failed", id="po_2", amount=2500, failure_message="The bank account has been closed.")
    deliver(world, "payout.failed", failing)
    deliver(world, "payout.failed", failing)
    deliver(world, "payout.paid", failing | {"status": "paid"})  # an older event: stays failed
    failed = next(p for p in _rows(world, Payout) if p.external_id == "po_2")
    assert (failed.amount, failed.status, failed.failure_message) == (
        D("25.00"), "failed", "The bank account has been closed."
    )  # fmt: skip
    assert [p.external_id for p in latest_payouts(world.session, world.scope, world.admin)] == [
        "po_2",
        "po_1",
    ]
    audited = [e.action for e in _rows(world, AuditLogEntry) if e.action.startswith("payout.")]
    assert sorted(audited) == ["payout.failed", "payout.paid"]


def _balance_transaction(bt_id: str, kind: str, amount: int, fee: int, source: str) -> dict[str, Any]:
    return {
        "id": bt_id,
        "object": "balance_transaction",
        "type": kind,
        "amount": amount,
        "fee": fee,
        "net": amount - fee,
        "currency": "eur",
        "created": 1_800_000_000,
        "source": source,
    }


def test_balance_transactions_of_charges_refunds_and_payouts_are_recorded_once(world: World) -> None:
    invoice = issued_invoice(world)
    payment = card_payment(world, invoice)
    payment.status = PaymentStatus.SUCCEEDED
    succeeded = charge(payment) | {
        "balance_transaction": _balance_transaction("txn_1", "charge", 8206, 144, "ch_1")
    }
    deliver(world, "charge.succeeded", succeeded)
    deliver(world, "charge.succeeded", succeeded)
    refund = {
        "id": "re_1", "amount": 1000, "currency": "eur", "status": "succeeded",
        "balance_transaction": _balance_transaction("txn_2", "refund", -1000, 0, "re_1"),
    }  # fmt: skip
    deliver(world, "charge.refunded", charge(payment, refunds=[refund]))
    paid = _payout("paid") | {
        "balance_transaction": _balance_transaction("txn_3", "payout", -150000, 0, "po_1")
    }
    deliver(world, "payout.paid", paid)
    rows = sorted(_rows(world, BalanceTransaction), key=lambda row: row.external_id)
    assert [(r.external_id, r.type, r.amount, r.fee, r.net, r.source_ref) for r in rows] == [
        ("txn_1", "charge", D("82.06"), D("1.44"), D("80.62"), "ch_1"),
        ("txn_2", "refund", D("-10.00"), D(0), D("-10.00"), "re_1"),
        ("txn_3", "payout", D("-1500.00"), D(0), D("-1500.00"), "po_1"),
    ]


def test_a_balance_transaction_the_processor_cannot_give_is_noted_not_fatal(world: World) -> None:
    # Without Stripe keys the tenant's processor is manual: it has no balance to read.
    invoice = issued_invoice(world)
    payment = card_payment(world, invoice)
    note = deliver(world, "charge.succeeded", charge(payment) | {"balance_transaction": "txn_9"})
    assert note is not None and "not read" in note and _rows(world, BalanceTransaction) == []
