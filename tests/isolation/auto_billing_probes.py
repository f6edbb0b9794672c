"""Saved cards and auto-billing (backend/payments: saved_methods, auto_billing, retry_schedule,
tasks), each run by tenant B with tenant A's ids.

In A, Bob (the other customer) has a saved card and auto-billing on; his overdue invoice has a
balance, an open Checkout Session and a declined first automatic charge whose retry is due: A's
own queries find them. A takes bank transfers only, so its coordinator finds no units
(`invoices_due` asks the processor first): those probes show B finds nothing and changes nothing.
The retry schedule lives on the tenant row, picked by the scope's id (`filtered=False`).
"""

from __future__ import annotations

from sqlmodel import Session

from backend.integrations.payment_processor import ChargeRequest, ChargeResult, CheckoutSession, SavedMethod
from backend.kit.policy import Actor
from backend.payments import auto_billing, retry_schedule, saved_methods, tasks
from backend.payments.manual import ManualProcessor
from backend.payments.repository import AutoChargeRepository, PaymentProfileRepository
from backend.payments.retry_schedule import RetrySchedule
from tests.isolation.probes import Probe, equals, nothing
from tests.isolation.repository_probes import EVERY_ID, R
from tests.isolation.service_probes import S, unit
from tests.isolation.world import NOW, Side


def bobs_claim(me: Side, a: Side) -> Actor:
    """A customer of the acting tenant who claims A's account id (Bob's): the policy lets the claim
    through (it is "their own" account id), so only the tenant scope keeps A's card out of reach."""
    return Actor.customer(me.tenant_id, a.other_customer_id)


class Untouchable(ManualProcessor):
    """A processor that fails the probe if the call ever gets as far as asking it anything."""

    @property
    def online(self) -> bool:
        return True

    def expire_checkout(self, session_id: str) -> CheckoutSession:
        raise AssertionError(f"tenant B reached checkout {session_id}")

    def charge_off_session(self, request: ChargeRequest) -> ChargeResult:
        raise AssertionError(f"tenant B charged {request.idempotency_key}")


def declined_charge(session: Session, a: Side) -> int:
    """The id of A's declined first automatic charge of Bob's overdue invoice."""
    payment = AutoChargeRepository(session, a.scope).attempt(a.overdue_invoice, 1)
    assert payment is not None and payment.id is not None
    return payment.id


def not_an_automatic_charge(result: object, b: object, session: object) -> None:
    assert isinstance(result, str) and result.endswith("is not an automatic charge here"), result


def card_refused(result: object, b: object, session: object) -> None:
    assert isinstance(result, str) and result.startswith("no customer account"), result


AUTO_BILLING_REPOSITORY_PROBES: list[Probe] = [
    R(AutoChargeRepository.due_ids, lambda s, me, a: (NOW, *EVERY_ID)),
    R(AutoChargeRepository.lock, lambda s, me, a: (a.overdue_invoice,)),
    R(AutoChargeRepository.attempt, lambda s, me, a: (a.overdue_invoice, 1)),
    R(AutoChargeRepository.open_checkouts, lambda s, me, a: (a.overdue_invoice,)),
    R(PaymentProfileRepository.of_account, lambda s, me, a: (a.other_customer_id,)),
]

AUTO_BILLING_PROBES: list[Probe] = [
    # B takes bank transfers only, so these stop before their first query (`filtered=False`): the
    # query's tenant filter is probed on AutoChargeRepository.due_ids above, the charge below. A
    # takes bank transfers too: its own calls find nothing either (tests/payments has the controls).
    S(
        tasks.find_auto_payment_units,
        lambda s, me, a: tasks.find_auto_payment_units(s, me.scope, NOW),
        nothing,
        control=False,
        filtered=False,
    ),
    S(
        tasks.run_auto_payment_unit,
        lambda s, me, a: tasks.run_auto_payment_unit(s, me.scope, unit(a.overdue_invoice), NOW),
        nothing,
        control=False,
        filtered=False,
    ),
    S(
        auto_billing.invoices_due,
        lambda s, me, a: auto_billing.invoices_due(s, me.scope, NOW),
        nothing,
        control=False,
        filtered=False,
    ),
    S(
        auto_billing.charge_due_invoices,
        lambda s, me, a: auto_billing.charge_due_invoices(s, me.scope, *EVERY_ID, NOW),
        nothing,
        control=False,
        filtered=False,
    ),
    S(
        saved_methods.saved_method,
        lambda s, me, a: saved_methods.saved_method(s, me.scope, me.actor, a.other_customer_id),
    ),
    # B's scope finds no profile of A's account: a setup reported to B names nobody there.
    S(
        saved_methods.store_saved_method,
        lambda s, me, a: saved_methods.store_saved_method(
            s, me.scope, a.other_customer_id, SavedMethod("pm_forged", "", "visa", "0000", 2**31, "succeeded")
        ),
        card_refused,
    ),
    S(
        saved_methods.set_auto_billing,
        lambda s, me, a: saved_methods.set_auto_billing(
            s, me.scope, bobs_claim(me, a), a.other_customer_id, enabled=False
        ),
    ),
    S(
        saved_methods.remove_saved_method,
        lambda s, me, a: saved_methods.remove_saved_method(
            s, me.scope, bobs_claim(me, a), a.other_customer_id
        ),
    ),
    # A takes bank transfers only: its own call gets as far as that refusal (tests/payments has the
    # setups through the fake Stripe); B's finds no profile first.
    S(
        saved_methods.start_card_setup,
        lambda s, me, a: saved_methods.start_card_setup(
            s, me.scope, bobs_claim(me, a), a.other_customer_id, success_url="", cancel_url="", now=NOW
        ),
        control=False,
    ),
    # B's lock of A's invoice finds nothing: the processor is never asked (tests/payments has the
    # controls: A's own call would charge, and commit, through a real processor).
    S(
        auto_billing.charge_invoice,
        lambda s, me, a: auto_billing.charge_invoice(s, me.scope, Untouchable(), a.overdue_invoice, NOW),
        nothing,
        control=False,
    ),
    S(
        auto_billing.record_failed_attempt,
        lambda s, me, a: auto_billing.record_failed_attempt(
            s, me.scope, declined_charge(s, a), NOW, code="card_declined", message=""
        ),
        lambda result, b, session: None if "not an automatic charge here" in result else result.fail(),
        control=False,
    ),
    S(
        retry_schedule.retry_schedule,
        lambda s, me, a: retry_schedule.retry_schedule(s, me.scope, me.actor),
        equals(lambda b: RetrySchedule().view()),
        filtered=False,
    ),
    S(
        retry_schedule.tenant_schedule,
        lambda s, me, a: retry_schedule.tenant_schedule(s, me.scope),
        equals(lambda b: RetrySchedule()),
        filtered=False,
    ),
    S(
        retry_schedule.update_retry_schedule,
        lambda s, me, a: retry_schedule.update_retry_schedule(
            s, me.scope, me.actor, retry_schedule_hours=[0, 6]
        ),
        equals(lambda b: RetrySchedule((0, 6)).view()),
        filtered=False,
    ),
]
