"""The isolation table of paying through Checkout (backend/payments/checkout.py) and the payment
reads behind it: tenant B with A's payment, session, invoice and customer ids.

A has one pending Checkout payment of Alice's issued invoice (`checkout_payment`, session
`checkout_session`); B has none. The webhook's handlers run in the scope the route found for the
event and find payments only through `PaymentRepository` (probed here);
tests/payments/test_webhook_isolation_and_races.py sends A's events to B's door.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from backend.audit.service import Actor
from backend.customers.service import record_payment_customer
from backend.integrations.payment_processor import CheckoutSession
from backend.invoicing import service as invoicing
from backend.models import Invoice, PaymentProcessor
from backend.payments import checkout, settlement
from backend.payments.errors import OnlinePaymentUnavailable
from backend.payments.repository import PaymentRepository, ProcessorAccountRepository
from tests.isolation.probes import Probe, nothing
from tests.isolation.repository_probes import R, row
from tests.isolation.service_probes import S
from tests.isolation.world import NOW, Side


def _alice(me: Side) -> Actor:
    """The acting tenant's first customer (Alice in A), owner of her account."""
    return Actor.customer(me.tenant_id, me.customer_id, user_id=me.user_id)


def _number(session: Session, a: Side) -> str:
    return row(session, Invoice, a.issued_invoice).number or ""


def _pay(session: Session, me: Side, a: Side) -> object:
    """Pay on A's invoice number. The tenants take bank transfers only, so in A reaching the
    invoice ends in that refusal (the control), while B finds no invoice with that number."""
    try:
        return checkout.plan_checkout(
            session, me.scope, _alice(me), _number(session, a), NOW, console_url="http://x.test"
        )
    except OnlinePaymentUnavailable as refused:
        return refused.invoice


CHECKOUT_REPOSITORY_PROBES: list[Probe] = [
    R(PaymentRepository.get, lambda s, me, a: (a.checkout_payment,)),
    R(PaymentRepository.lock, lambda s, me, a: (a.checkout_payment,)),
    R(PaymentRepository.by_external_id, lambda s, me, a: (a.checkout_session,)),
    R(PaymentRepository.by_payment_intent, lambda s, me, a: ("pi_" + a.checkout_session,)),
    R(PaymentRepository.of_invoice, lambda s, me, a: (a.issued_invoice,)),
    R(ProcessorAccountRepository.of, lambda s, me, a: (PaymentProcessor.STRIPE,)),
]

CHECKOUT_PROBES: list[Probe] = [
    S(checkout.plan_checkout, _pay),
    S(
        checkout.checkout_status,
        lambda s, me, a: checkout.checkout_status(s, me.scope, _alice(me), _number(s, a), a.checkout_session),
    ),
    S(
        checkout.record_session,
        lambda s, me, a: checkout.record_session(
            s, me.scope, a.checkout_payment, CheckoutSession("cs_probe", "https://x.test", "open"), NOW
        ),
    ),
    S(
        checkout.session_replaced,
        lambda s, me, a: checkout.session_replaced(s, me.scope, a.checkout_payment, NOW),
    ),
    S(
        checkout.payment_refused,
        lambda s, me, a: checkout.payment_refused(s, me.scope, a.checkout_payment, NOW, "x", "Refused."),
    ),
    S(
        checkout.record_customer,
        lambda s, me, a: checkout.record_customer(s, me.scope, a.customer_id, "cus_probe"),
        nothing,
    ),
    S(
        record_payment_customer,
        lambda s, me, a: record_payment_customer(s, me.scope, a.customer_id, "cus_probe"),
        nothing,
    ),
    S(invoicing.locked_invoice, lambda s, me, a: invoicing.locked_invoice(s, me.scope, a.issued_invoice)),
    S(
        invoicing.receive_payment,
        lambda s, me, a: invoicing.receive_payment(
            s, me.scope, a.issued_invoice, Decimal("1.00"), NOW, actor=me.actor, reference="Probe"
        ),
    ),
    S(
        settlement.payment_succeeded,
        lambda s, me, a: settlement.payment_succeeded(s, me.scope, a.checkout_payment, Decimal("1.00"), NOW),
    ),
    S(
        settlement.payment_failed,
        lambda s, me, a: settlement.payment_failed(
            s, me.scope, a.checkout_payment, NOW, code="x", message="x"
        ),
    ),
]
