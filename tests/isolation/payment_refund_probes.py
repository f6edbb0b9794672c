"""The isolation table of bank transfers, refunds, disputes, payouts and balance transactions, and
the repository methods behind them.

Like service_probes.py and repository_probes.py: `call(session, me, a)` acts in `me`'s scope with
A's ids. A's paid invoice carries a bank transfer, a card payment with a refund still waiting for
Stripe and a dispute; A has a payout, a balance transaction and two Stripe events of the overview's
week, one failed (tests/isolation/world.py); B has none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.invoicing import credit_notes
from backend.invoicing import service as invoicing
from backend.models import PaymentProcessor as P
from backend.payments import (
    charges,
    disputes,
    invoice_payments,
    manual_payments,
    payouts,
    provider_events,
    refunds,
)
from backend.payments import tasks as payment_tasks
from backend.payments.charges import ChargeNotKnownYet
from backend.payments.repository import (
    BalanceTransactionRepository,
    DisputeRepository,
    PaymentRepository,
    PayoutRepository,
    ProviderEventRepository,
    RefundRepository,
)
from tests.isolation.probes import Probe, Raises, nothing
from tests.isolation.repository_probes import R
from tests.isolation.service_probes import S
from tests.isolation.world import NOW, Side


def _no_payments(result: Any, b: Side, session: Session) -> None:
    assert not (result.payments or result.refunds or result.disputes), f"tenant B got {result!r}"


def _events_of(s: Session, me: Side) -> tuple[Any, ...]:
    """The overview's event figures in `me`'s scope: counts by result and the failed events."""
    found = provider_events.events_overview(s, me.scope, me.actor, NOW)
    return found.processed, found.ignored, found.failed, found.latest_failed


def _charge_of(a: Side) -> dict[str, Any]:
    """A's card charge as Stripe reports it, naming A's payment in its metadata."""
    return {
        "id": f"ch_iso_{a.tenant_id}",
        "payment_intent": f"pi_iso_{a.tenant_id}",
        "metadata": {"payment_id": str(a.card_payment_id)},
    }


PAYMENT_REFUND_PROBES: list[Probe] = [
    # The webhook_events coordinator: A's failed event (world.py) is A's to retry, never B's. B's
    # unit over A's ids finds nothing to handle (A's own run is not probed here: it handles each
    # event in a transaction of its own, outside the probe's session; tests/payments has it).
    S(
        payment_tasks.find_waiting_event_units,
        lambda s, me, a: payment_tasks.find_waiting_event_units(s, me.scope, NOW),
        nothing,
    ),
    S(
        payment_tasks.run_webhook_event_unit,
        lambda s, me, a: payment_tasks.run_webhook_event_unit(s, me.scope, "ids:0-999999999", NOW),
        nothing,
        control=False,
    ),
    S(
        invoicing.receive_payment,
        lambda s, me, a: invoicing.receive_payment(
            s, me.scope, a.issued_invoice, Decimal("1.00"), NOW, actor=me.actor, reference="Transfer"
        ),
    ),
    S(
        credit_notes.credit_refund,
        lambda s, me, a: credit_notes.credit_refund(
            s, me.scope, a.paid_invoice, Decimal("1.00"), "Probe", NOW, actor=me.actor
        ),
    ),
    S(
        manual_payments.record_bank_transfer,
        lambda s, me, a: manual_payments.record_bank_transfer(
            s, me.scope, me.actor, a.issued_invoice, Decimal("1.00"), "Transfer", NOW, idempotency_key="probe"
        ),
    ),
    S(
        refunds.request_refund,
        lambda s, me, a: refunds.request_refund(
            s, me.scope, me.actor, a.payment_id, Decimal("1.00"), "Probe", NOW, idempotency_key="probe"
        ),
    ),
    S(
        refunds.preview_refund,
        lambda s, me, a: refunds.preview_refund(s, me.scope, me.actor, a.payment_id, Decimal("1.00")),
    ),
    S(
        credit_notes.preview_refund_credit,
        lambda s, me, a: credit_notes.preview_refund_credit(s, me.scope, a.paid_invoice, Decimal("1.00")),
    ),
    S(refunds.refund_call, lambda s, me, a: refunds.refund_call(s, me.scope, a.refund_id), nothing),
    S(refunds.complete_refund, lambda s, me, a: refunds.complete_refund(s, me.scope, a.refund_id, NOW)),
    S(refunds.fail_refund, lambda s, me, a: refunds.fail_refund(s, me.scope, a.refund_id, "Probe"), nothing),
    # B's scope does not have the payment A's charge names: the event fails for a retry, changing nothing.
    S(
        charges.payment_of_charge,
        lambda s, me, a: charges.payment_of_charge(s, me.scope, _charge_of(a)),
        Raises(ChargeNotKnownYet),
    ),
    S(
        invoice_payments.invoice_payments,
        lambda s, me, a: invoice_payments.invoice_payments(s, me.scope, me.actor, a.paid_invoice),
        _no_payments,
    ),
    S(
        invoice_payments.payment_to_refund,
        lambda s, me, a: invoice_payments.payment_to_refund(
            s, me.scope, me.actor, a.paid_invoice, a.payment_id
        ),
    ),
    S(
        disputes.disputes_of_invoice,
        lambda s, me, a: disputes.disputes_of_invoice(s, me.scope, me.actor, a.paid_invoice),
        nothing,
    ),
    S(disputes.open_disputes, lambda s, me, a: disputes.open_disputes(s, me.scope, me.actor), nothing),
    S(payouts.latest_payouts, lambda s, me, a: payouts.latest_payouts(s, me.scope, me.actor), nothing),
    # B's admin sees none of A's events: no count, no failed event (nor the deployment's, tests/payments)
    S(provider_events.events_overview, lambda s, me, a: _events_of(s, me), nothing),
]

PAYMENT_REFUND_REPOSITORY_PROBES: list[Probe] = [
    R(PaymentRepository.get, lambda s, me, a: (a.payment_id,)),
    R(PaymentRepository.lock, lambda s, me, a: (a.payment_id,)),
    R(PaymentRepository.by_external_id, lambda s, me, a: (f"cs_iso_{a.tenant_id}",)),
    R(PaymentRepository.by_payment_intent, lambda s, me, a: (f"pi_iso_{a.tenant_id}",)),
    R(PaymentRepository.of_invoice, lambda s, me, a: (a.paid_invoice,)),
    R(PaymentRepository.by_idempotency_key, lambda s, me, a: ("manual:iso",)),
    R(PaymentRepository.by_charge, lambda s, me, a: (f"ch_iso_{a.tenant_id}",)),
    R(RefundRepository.lock, lambda s, me, a: (a.refund_id,)),
    R(RefundRepository.by_external_id, lambda s, me, a: (f"re_iso_{a.tenant_id}",)),
    R(RefundRepository.by_idempotency_key, lambda s, me, a: ("refund:iso",)),
    R(RefundRepository.of_payments, lambda s, me, a: ([a.card_payment_id],)),
    R(RefundRepository.pending_total, lambda s, me, a: (a.card_payment_id,)),
    R(RefundRepository.credit_note_numbers, lambda s, me, a: ([a.credit_note_id],)),
    R(DisputeRepository.by_external_id, lambda s, me, a: (P.STRIPE, f"dp_iso_{a.tenant_id}")),
    R(DisputeRepository.of_invoice, lambda s, me, a: (a.paid_invoice,)),
    R(DisputeRepository.open_ones, lambda s, me, a: (disputes.OPEN_STATUSES, 5)),
    R(DisputeRepository.invoice_numbers, lambda s, me, a: ([a.paid_invoice],)),
    R(PayoutRepository.by_external_id, lambda s, me, a: (P.STRIPE, f"po_iso_{a.tenant_id}")),
    R(PayoutRepository.latest, lambda s, me, a: (5,)),
    R(ProviderEventRepository.counts_since, lambda s, me, a: (NOW - provider_events.WINDOW,)),
    R(ProviderEventRepository.latest_failed, lambda s, me, a: (NOW - provider_events.WINDOW, 10)),
    R(ProviderEventRepository.waiting, lambda s, me, a: (NOW, 0, None)),
    R(BalanceTransactionRepository.by_external_id, lambda s, me, a: (P.STRIPE, f"txn_iso_{a.tenant_id}")),
]

# Operations without a probe, and why none is needed.
EXEMPT: dict[str, str] = {
    "payments.refunds.refundable": (
        "computes what is left of the payment row its caller locked in the same scope (probed:"
        " request_refund, invoice_payments); its one query, RefundRepository.pending_total, is probed"
    ),
    "payments.refunds.refund_payment": (
        "opens the units of work around request_refund, refund_call, complete_refund and fail_refund"
        " (each probed) in the scope it is given, the token's or session's own tenant"
    ),
    "payments.balance.record": (
        "records the balance transaction of an event the webhook route verified with the tenant's own"
        " secret; an id already recorded for another tenant is refused by the unique key"
        " (processor, external_id), never read across (BalanceTransactionRepository is probed)"
    ),
}
