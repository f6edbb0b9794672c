"""Paying an invoice through Stripe Checkout: the customer's Pay, and the events that settle it.

Pay (`plan_checkout`, run by checkout_flow.py around the processor calls) hands out the URL of a
hosted payment page for the invoice's balance:
- only an owner or billing member of the invoice's account pays it (`Action.PAY_INVOICE`), and only
  an issued or overdue invoice with a balance; a tenant without Stripe takes bank transfers only;
- an automatic (off-session) charge of the invoice in flight blocks it, so it is never captured twice;
- an open session for the same amount is handed out again (a second click, another tab); one for
  another amount (a credit note changed the balance) is expired at Stripe first;
- the pending `Payment` (kind "checkout", attempt n, idempotency key "checkout:{invoice}:{n}") is
  committed BEFORE Stripe is called, and its id travels in the session's and the payment intent's
  metadata, so every report finds it.

The invoice is paid only when Stripe says so, through the handlers below; each looks at the
payment's state, so any order and any repetition of the events settles it once
(payments/settlement.py locks the row). Setup-mode sessions (saving a card) and off-session charges'
failures are not this module's business: their handlers return None here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from backend.audit.service import Actor
from backend.customers.service import billing_profile, record_payment_customer
from backend.integrations.payment_processor import CheckoutRequest, CheckoutSession, CustomerRequest
from backend.integrations.stripe_processor import money_from_minor
from backend.invoicing import service as invoicing
from backend.invoicing import statements
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import Payment, PaymentProcessor, PaymentStatus
from backend.models.statuses import UNPAID_INVOICE_STATUSES
from backend.money import Money
from backend.payments import settlement
from backend.payments.accounts import processor_for
from backend.payments.errors import AutomaticPaymentInProgress, InvoiceNotOpen, OnlinePaymentUnavailable
from backend.payments.events import EventContext, handles
from backend.payments.repository import PaymentRepository
from backend.payments.schemas import CheckoutStarted

CHECKOUT = "checkout"
PAYMENT_LINK = "payment_link"
OFF_SESSION = "off_session"
# Stripe keeps a session open 30 minutes to 24 hours; an hour is long enough to find a card.
CHECKOUT_LIFETIME = timedelta(hours=1)
# A session about to expire is not handed out again: the customer would land on an expired page.
REUSE_MARGIN = timedelta(minutes=5)
# A pending payment whose session was never stored (a request in flight, or one that died) is
# resumed with its own idempotency key for this long (Stripe answers the same session); later it
# counts as abandoned.
RESUME_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class CheckoutPlan:
    """What the first unit of Pay decided: hand out an open session again, expire stale sessions
    first, or create (or resume) the session of a committed pending payment."""

    invoice_number: str
    reuse: CheckoutStarted | None = None
    expire: tuple[tuple[int, str], ...] = ()  # (payment id, session id)
    payment_id: int = 0
    customer: CustomerRequest | None = None  # the account has no processor customer yet
    request: CheckoutRequest | None = None


def plan_checkout(
    session: Session, scope: TenantScope, actor: Actor, number: str, now: datetime, *, console_url: str
) -> CheckoutPlan:
    """Decide how the customer pays invoice `number` (module docstring), holding the invoice's lock.

    `console_url` is the console's origin the customer came from: Stripe sends them back to the
    invoice's page there (`?paid=<session id>` on success)."""
    view = statements.invoice_by_number(session, scope, actor, number)  # another customer's: 404
    authorize(actor, scope, Action.PAY_INVOICE, owner_account_id=view.customer_account_id)
    if not processor_for(session, scope).online:
        raise OnlinePaymentUnavailable(view.number)
    invoice = invoicing.locked_invoice(session, scope, view.id)
    if invoice.status not in UNPAID_INVOICE_STATUSES or invoice.balance_due <= 0:
        raise InvoiceNotOpen(view.number, str(invoice.status))
    amount = Money.of(invoice.balance_due, invoice.currency).round_to_minor()
    payments = PaymentRepository(session, scope)
    earlier = payments.of_invoice(view.id)
    if any(p.kind == OFF_SESSION and p.status == PaymentStatus.PENDING for p in earlier):
        raise AutomaticPaymentInProgress(view.number)
    expire: list[tuple[int, str]] = []
    resume: Payment | None = None
    for payment in (
        p for p in earlier if p.kind in (CHECKOUT, PAYMENT_LINK) and p.status == PaymentStatus.PENDING
    ):
        assert payment.id is not None
        if payment.kind == PAYMENT_LINK:
            # The invoice's payment link has a session open: expire it first, so the invoice
            # cannot be paid on both pages (one still being created is the link page's to finish).
            if payment.external_id:
                expire.append((payment.id, payment.external_id))
            continue
        if payment.external_id:
            if _reusable(payment, amount, now):
                return CheckoutPlan(
                    view.number,
                    reuse=CheckoutStarted(url=payment.checkout_url, session_id=payment.external_id),
                )
            expire.append((payment.id, payment.external_id))
        elif resume is None and payment.amount == amount.amount and payment.created_at > now - RESUME_WINDOW:
            resume = payment
        else:
            settlement.payment_failed(
                session, scope, payment.id, now, code="abandoned",
                message="The payment never reached the payment provider.", status=PaymentStatus.CANCELED,
            )  # fmt: skip
    if expire:
        return CheckoutPlan(view.number, expire=tuple(expire))
    payment = resume or _new_payment(payments, view.id, view.customer_account_id, amount, earlier)
    assert payment.id is not None
    profile = billing_profile(session, scope, view.customer_account_id)
    customer_ref = profile.payment_customer_ref if profile is not None else ""
    customer = None
    if not customer_ref:
        customer = CustomerRequest(
            tenant_id=scope.tenant_id,
            account_id=view.customer_account_id,
            name=(profile.company_name or profile.name) if profile is not None else view.buyer_name,
            email=profile.email if profile is not None else "",
            idempotency_key=f"customer:{scope.tenant_id}:{view.customer_account_id}",
        )
    page = f"{console_url.rstrip('/')}/invoices/{view.number}"
    request = CheckoutRequest(
        mode="payment",
        tenant_id=scope.tenant_id,
        customer_ref=customer_ref,
        success_url=f"{page}?paid={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{page}?canceled=1",
        idempotency_key=payment.idempotency_key,
        amount=Money.of(payment.amount, payment.currency),
        description=f"Invoice {view.number}",
        invoice_id=view.id,
        invoice_number=view.number,
        metadata={"invoice_id": str(view.id), "payment_id": str(payment.id)},
        expires_at=payment.created_at + CHECKOUT_LIFETIME,
    )
    return CheckoutPlan(view.number, payment_id=payment.id, customer=customer, request=request)


def _reusable(payment: Payment, amount: Money, now: datetime) -> bool:
    expires = payment.checkout_expires_at
    return (
        payment.amount == amount.amount
        and bool(payment.checkout_url)
        and expires is not None
        and expires > now + REUSE_MARGIN
    )


def _new_payment(
    payments: PaymentRepository, invoice_id: int, account_id: int, amount: Money, earlier: list[Payment]
) -> Payment:
    attempt = 1 + max((p.attempt for p in earlier if p.kind == CHECKOUT), default=0)
    return payments.add(
        Payment(
            invoice_id=invoice_id,
            customer_account_id=account_id,
            processor=PaymentProcessor.STRIPE,
            idempotency_key=f"checkout:{invoice_id}:{attempt}",
            amount=amount.amount,
            currency=amount.currency,
            attempt=attempt,
            kind=CHECKOUT,
        )
    )


def record_customer(session: Session, scope: TenantScope, account_id: int, customer_ref: str) -> None:
    """The processor's customer for the account, created for its first payment."""
    record_payment_customer(session, scope, account_id, customer_ref)


def record_session(
    session: Session,
    scope: TenantScope,
    payment_id: int,
    created: CheckoutSession,
    expires_at: datetime | None,
) -> CheckoutStarted:
    """The session Stripe created for the pending payment: its id, URL and expiry, for Pay to hand
    out again and for the events to find it."""
    payment = PaymentRepository(session, scope).lock(payment_id)
    if payment is None:
        raise NotFoundError("Payment not found.")
    payment.external_id = created.id
    payment.checkout_url = created.url
    payment.checkout_expires_at = expires_at
    payment.payment_intent_ref = payment.payment_intent_ref or created.payment_intent
    session.flush()
    return CheckoutStarted(url=created.url, session_id=created.id)


def session_replaced(session: Session, scope: TenantScope, payment_id: int, now: datetime) -> str:
    """A stale session (another amount, about to expire) was expired at Stripe before a new one."""
    return settlement.payment_failed(
        session, scope, payment_id, now, code="replaced",
        message="Replaced by a new checkout session.", status=PaymentStatus.CANCELED,
    )  # fmt: skip


def payment_refused(
    session: Session, scope: TenantScope, payment_id: int, now: datetime, code: str, message: str
) -> str:
    """Stripe refused to create the session: the pending payment failed (nothing was charged)."""
    return settlement.payment_failed(
        session, scope, payment_id, now, code=code or "processor_error", message=message
    )


def checkout_status(session: Session, scope: TenantScope, actor: Actor, number: str, session_id: str) -> str:
    """How the payment of the customer's checkout session `session_id` of invoice `number` stands:
    "pending", "succeeded", "failed", "canceled" (refunds count as succeeded), or "" for a session
    that is not this invoice's. The invoice page shows it while it waits for the webhook."""
    view = statements.invoice_by_number(session, scope, actor, number)
    authorize(actor, scope, Action.READ_INVOICES, owner_account_id=view.customer_account_id)
    payment = PaymentRepository(session, scope).by_external_id(session_id)
    if payment is None or payment.invoice_id != view.id:
        return ""
    if payment.status in settlement.SETTLED:
        return str(PaymentStatus.SUCCEEDED)
    return str(payment.status)


# --- events --------------------------------------------------------------------------------------


@handles("checkout.session.completed", "checkout.session.async_payment_succeeded")
def checkout_session_paid(context: EventContext) -> str | None:
    """The customer finished the page. Paid: the money is applied. Unpaid (a bank debit, for
    instance): the payment stays pending until async_payment_succeeded or _failed."""
    session_object = context.event.object
    payment = _checkout_payment(context)
    if payment is None:
        return None
    intent = _id(session_object.get("payment_intent"))
    if session_object.get("payment_status") != "paid":
        _remember_intent(context, payment.id or 0, intent)
        return f"payment {payment.id} waits for the bank's confirmation"
    return _succeeded(
        context, payment, session_object.get("amount_total"), session_object.get("currency"), intent
    )


@handles("checkout.session.async_payment_failed")
def checkout_session_payment_failed(context: EventContext) -> str | None:
    payment = _checkout_payment(context)
    if payment is None:
        return None
    return settlement.payment_failed(
        context.session, context.scope, payment.id or 0, context.now,
        code="async_payment_failed", message="The bank did not confirm the payment.",
    )  # fmt: skip


@handles("checkout.session.expired")
def checkout_session_expired(context: EventContext) -> str | None:
    """Nobody paid in time (or Pay replaced the session): the payment is canceled, the invoice stays
    open for another try."""
    payment = _checkout_payment(context)
    if payment is None:
        return None
    return settlement.payment_failed(
        context.session, context.scope, payment.id or 0, context.now,
        code="expired", message="The checkout session expired unpaid.", status=PaymentStatus.CANCELED,
    )  # fmt: skip


@handles("payment_intent.succeeded")
def payment_intent_succeeded(context: EventContext) -> str | None:
    """The money is there: for a checkout (maybe before checkout.session.completed arrives) and for
    an off-session charge alike. Settles once, whoever reports first."""
    intent = context.event.object
    payment = _payment_of(context, intent, intent=_id(intent.get("id")))
    if payment is None:
        return None
    return _succeeded(
        context, payment, intent.get("amount_received"), intent.get("currency"), _id(intent.get("id")),
        charge=_id(intent.get("latest_charge")),
    )  # fmt: skip


@handles("payment_intent.payment_failed")
def payment_intent_failed(context: EventContext) -> str | None:
    """A card was declined on the checkout page. The session stays open (the customer may try another
    card), so the payment stays pending; the reason is kept for the invoice page. Off-session
    charges' failures belong to auto-billing."""
    intent = context.event.object
    payment = _payment_of(context, intent, intent=_id(intent.get("id")))
    if payment is None or payment.kind != CHECKOUT:
        return None
    locked = PaymentRepository(context.session, context.scope).lock(payment.id or 0)
    if locked is None or locked.status != PaymentStatus.PENDING:
        return f"payment {payment.id} already {locked.status if locked else 'gone'}"
    error = intent.get("last_payment_error") or {}
    locked.failure_code = str(error.get("decline_code") or error.get("code") or "declined")[:100]
    locked.failure_reason = str(error.get("message") or "The card was declined.")
    locked.payment_intent_ref = locked.payment_intent_ref or _id(intent.get("id"))
    context.session.flush()
    return f"payment {payment.id}: a card was declined ({locked.failure_code}); the session stays open"


def _checkout_payment(context: EventContext) -> Payment | None:
    """The payment of a payment-mode session event (setup mode is the saved-method handlers')."""
    session_object = context.event.object
    if session_object.get("mode") != "payment":
        return None
    payment = _payment_of(context, session_object, external_id=_id(session_object.get("id")))
    return payment if payment is not None and payment.kind != OFF_SESSION else None


def _payment_of(
    context: EventContext, obj: dict[str, Any], *, external_id: str | None = None, intent: str | None = None
) -> Payment | None:
    """The payment an object reports on: by the `payment_id` of its metadata (written before Stripe
    was called), else by its session or payment intent id; only ever within the event's tenant."""
    payments = PaymentRepository(context.session, context.scope)
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    named = str(metadata.get("payment_id") or "")
    payment = payments.get(int(named)) if named.isdigit() and len(named) < 19 else None
    if payment is None and external_id:
        payment = payments.by_external_id(external_id)
    if payment is None and intent:
        payment = payments.by_payment_intent(intent)
    return payment


def _succeeded(
    context: EventContext,
    payment: Payment,
    minor: Any,
    currency: Any,
    intent: str | None,
    *,
    charge: str | None = None,
) -> str:
    if not isinstance(minor, int) or not isinstance(currency, str):
        raise ValueError(f"a paid {context.event.type} without its amount")
    received = money_from_minor(minor, currency)
    if received.currency != payment.currency.upper():
        return (
            f"payment {payment.id}: {received.format()} received, not in {payment.currency}; left for review"
        )
    return settlement.payment_succeeded(
        context.session, context.scope, payment.id or 0, received.amount, context.now,
        payment_intent_ref=intent, charge_ref=charge,
    )  # fmt: skip


def _remember_intent(context: EventContext, payment_id: int, intent: str | None) -> None:
    locked = PaymentRepository(context.session, context.scope).lock(payment_id)
    if locked is not None and intent and not locked.payment_intent_ref:
        locked.payment_intent_ref = intent
        context.session.flush()


def _id(value: Any) -> str | None:
    """A Stripe reference as an id, whether the event carries the id or the expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None
