"""The customer's Pay as units of work around the processor calls (the rules: checkout.py).

Stripe is never called inside a transaction that may still roll back: the first unit decides and
commits the pending payment, then Stripe creates the session (with the payment's idempotency key),
then a second unit stores it. Stale sessions are expired at Stripe and canceled here before a new
one is planned. The API route and the console's gateway both call `pay_invoice`, so this module
opens its own units of work, as a job does.
"""

from __future__ import annotations

import dataclasses
import logging

from backend import clock
from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.integrations.payment_processor import Processor, ProcessorError
from backend.kit.repository import TenantScope
from backend.payments import checkout
from backend.payments.accounts import processor_for
from backend.payments.errors import PaymentJustCompleted, PaymentProviderFailed
from backend.payments.schemas import CheckoutStarted

log = logging.getLogger(__name__)
MAX_ROUNDS = 3  # plan, expire stale sessions, plan again: a third round means a race to report


def pay_invoice(scope: TenantScope, actor: Actor, number: str, *, console_url: str) -> CheckoutStarted:
    """The Checkout page where `actor` pays invoice `number` (a customer of its account)."""
    for _round in range(MAX_ROUNDS):
        with unit_of_work() as session:
            plan = checkout.plan_checkout(session, scope, actor, number, clock.now(), console_url=console_url)
            processor = processor_for(session, scope)
        if plan.reuse is not None:
            return plan.reuse
        if plan.expire:
            _expire_stale(scope, processor, plan)
            continue
        assert plan.request is not None
        return _create(scope, processor, plan)
    raise PaymentProviderFailed("the invoice's payments kept changing")


def _expire_stale(scope: TenantScope, processor: Processor, plan: checkout.CheckoutPlan) -> None:
    for payment_id, session_id in plan.expire:
        try:
            state = processor.expire_checkout(session_id)
        except ProcessorError as error:
            raise PaymentProviderFailed(str(error)) from error
        if state.status == "complete":  # paid meanwhile: its events settle it; no second session
            raise PaymentJustCompleted(plan.invoice_number)
        with unit_of_work() as session:
            checkout.session_replaced(session, scope, payment_id, clock.now())


def _create(scope: TenantScope, processor: Processor, plan: checkout.CheckoutPlan) -> CheckoutStarted:
    assert plan.request is not None
    request = plan.request
    try:
        if plan.customer is not None:
            customer_ref = processor.ensure_customer(plan.customer)
            with unit_of_work() as session:
                checkout.record_customer(session, scope, plan.customer.account_id, customer_ref)
            request = dataclasses.replace(request, customer_ref=customer_ref)
        created = processor.create_checkout(request)
    except ProcessorError as error:
        log.warning("checkout for %s refused by the processor: %s", plan.invoice_number, error)
        if not error.retryable:  # a retryable failure keeps the payment pending: Pay resumes it
            with unit_of_work() as session:
                checkout.payment_refused(session, scope, plan.payment_id, clock.now(), error.code, str(error))
        raise PaymentProviderFailed(str(error)) from error
    with unit_of_work() as session:
        return checkout.record_session(session, scope, plan.payment_id, created, request.expires_at)
