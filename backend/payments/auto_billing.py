"""Auto-billing: issued invoices charged off-session with the customer's saved card (SPEC §5).

Which invoices: issued or overdue, with a balance, of a customer with auto-billing on and a saved
card, in a tenant whose processor takes cards, whose next attempt is due. An invoice issued since the
last run (never tried, nothing scheduled) is due at once, so invoicing's issue path needs no hook.

One attempt, and why it never captures an invoice twice:
1. Lock the invoice. An open Checkout Session of the customer's own Pay is expired first; if it
   turns out complete, the customer paid by hand and nothing is charged (its webhook settles it).
2. Write the pending off-session `Payment` (attempt n, idempotency key `auto:{invoice}:{n}`) and
   COMMIT it before the processor is called: for the whole time the charge is in flight the pending
   row exists (a manual Pay is refused meanwhile), and a job that dies after the charge finds it.
3. Charge. A retried job finds attempt n still pending and calls again with the same key: the
   processor answers with the same PaymentIntent, it does not charge again.
4. Succeeded: settlement applies the money once (whoever reports first, the job or the webhook).
   Declined: the attempt is recorded failed and the next one scheduled from the tenant's retry
   schedule, counted from the FIRST attempt; after the last, nothing is scheduled and dunning takes
   over. Processing: the webhook decides (`payment_intent.succeeded` / `payment_failed`).

A recorded decline mails the customer (MailKind.AUTO_PAYMENT_FAILED) in the same transaction: when
the next attempt is, or that there is none and the invoice waits to be paid by hand. Its dedupe key
is the invoice and the attempt, and only the report that records the failure queues it, so the job
run twice, or the job and the webhook, mail once per failed attempt.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.audit import service as audit
from backend.integrations.payment_processor import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    Processor,
    ProcessorError,
)
from backend.kit.policy import SYSTEM, Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.mail import MailKind, MailRequest, queue_mail
from backend.models import CustomerProfile, Invoice, Payment, PaymentProcessor, PaymentStatus
from backend.money import Money
from backend.payments import settlement
from backend.payments.accounts import processor_for
from backend.payments.events import EventContext, handles
from backend.payments.repository import (
    CHARGEABLE_STATUSES,
    AutoChargeRepository,
    PaymentProfileRepository,
    PaymentRepository,
)
from backend.payments.retry_schedule import tenant_schedule

log = logging.getLogger(__name__)

OFF_SESSION = "off_session"
UNNAMED_CHECKOUT_WAIT = timedelta(hours=1)


def invoices_due(session: Session, scope: TenantScope, now: datetime) -> list[int]:
    """The ids of the tenant's invoices whose automatic charge is due (none with bank transfer)."""
    if not processor_for(session, scope).online:
        return []
    return AutoChargeRepository(session, scope).due_ids(now)


def charge_due_invoices(session: Session, scope: TenantScope, first: int, last: int, now: datetime) -> int:
    """Charge the due invoices with ids in [first, last]; returns how many were charged or recorded.
    Commits after each invoice's pending payment and after each result (this is a job's unit)."""
    authorize(SYSTEM, scope, Action.CHARGE_SAVED_METHOD)
    processor = processor_for(session, scope)
    if not processor.online:
        return 0
    changed = 0
    for invoice_id in AutoChargeRepository(session, scope).due_ids(now, first, last):
        changed += charge_invoice(session, scope, processor, invoice_id, now)
    return changed


def _still_due(invoice: Invoice | None, profile: CustomerProfile | None, now: datetime) -> bool:
    if invoice is None or profile is None:
        return False
    scheduled = invoice.next_payment_attempt_at
    return (
        invoice.status in CHARGEABLE_STATUSES
        and invoice.balance_due > 0
        and profile.auto_billing
        and bool(profile.default_payment_method_ref)
        and (scheduled <= now if scheduled is not None else invoice.payment_attempts == 0)
    )


def charge_invoice(
    session: Session, scope: TenantScope, processor: Processor, invoice_id: int, now: datetime
) -> int:
    """One attempt for one invoice (see the module's docstring); 1 when something was recorded."""
    charges = AutoChargeRepository(session, scope)
    invoice = charges.lock(invoice_id)
    profile = (
        PaymentProfileRepository(session, scope).of_account(invoice.customer_account_id) if invoice else None
    )
    if invoice is None or profile is None or not _still_due(invoice, profile, now):
        return 0
    payment = charges.attempt(invoice_id, invoice.payment_attempts) if invoice.payment_attempts else None
    if payment is None or payment.status != PaymentStatus.PENDING:
        if not _expire_open_checkouts(session, scope, processor, invoice_id, now):
            return 0
        payment = _pending_attempt(session, scope, invoice, now)
    session.commit()  # the pending row exists before the processor is asked, for the whole flight
    request = ChargeRequest(
        amount=Money.of(payment.amount, payment.currency),
        customer_ref=profile.payment_customer_ref,
        payment_method_ref=profile.default_payment_method_ref,
        idempotency_key=payment.idempotency_key,
        description=f"Invoice {invoice.number}",
        metadata={
            "payment_id": str(payment.id),
            "invoice_id": str(invoice_id),
            "tenant_id": str(scope.tenant_id),
            "kind": OFF_SESSION,
        },
    )
    try:
        result = processor.charge_off_session(request)
    except ProcessorError as error:
        if error.retryable:  # the next run asks again with the same key
            log.warning("auto-payment of invoice %s deferred: %s", invoice_id, error)
            return 0
        result = ChargeResult(ChargeStatus.FAILED, None, error.code or "processor_error", str(error))
    assert payment.id is not None
    _record_result(session, scope, payment.id, result, now)
    session.commit()
    return 1


def _pending_attempt(session: Session, scope: TenantScope, invoice: Invoice, now: datetime) -> Payment:
    attempt = invoice.payment_attempts + 1
    assert invoice.id is not None
    payment = PaymentRepository(session, scope).add(
        Payment(
            tenant_id=scope.tenant_id,
            invoice_id=invoice.id,
            customer_account_id=invoice.customer_account_id,
            processor=PaymentProcessor.STRIPE,
            idempotency_key=f"auto:{invoice.id}:{attempt}",
            amount=invoice.balance_due,
            currency=invoice.currency,
            attempt=attempt,
            kind=OFF_SESSION,
            created_at=now,
        )
    )
    invoice.payment_attempts = attempt
    # Due until its result is recorded: a job that dies mid-charge leaves it for the next run to find.
    invoice.next_payment_attempt_at = invoice.next_payment_attempt_at or now
    session.flush()
    return payment


def _expire_open_checkouts(
    session: Session, scope: TenantScope, processor: Processor, invoice_id: int, now: datetime
) -> bool:
    """Expire the invoice's open Checkout Sessions; False when one is complete (the customer paid by
    hand, its webhook settles it) or cannot be expired now (asked again on the next run)."""
    for checkout in AutoChargeRepository(session, scope).open_checkouts(invoice_id):
        assert checkout.id is not None
        if checkout.external_id is None:
            # A Pay whose session is being created right now: wait for it (the next run expires it);
            # one that never got its session (the Pay path died first) is nothing to expire.
            if now - checkout.created_at < UNNAMED_CHECKOUT_WAIT:
                return False
            continue
        try:
            expired = processor.expire_checkout(checkout.external_id)
        except ProcessorError as error:
            log.warning("checkout %s of invoice %s not expired: %s", checkout.external_id, invoice_id, error)
            return False
        if expired.status == "complete":
            return False
        settlement.payment_failed(
            session,
            scope,
            checkout.id,
            now,
            code="expired",
            message="Expired before an automatic charge of the saved card.",
            status=PaymentStatus.CANCELED,
        )
    return True


def _record_result(
    session: Session, scope: TenantScope, payment_id: int, result: ChargeResult, now: datetime
) -> str:
    if result.status == ChargeStatus.SUCCEEDED:
        payment = PaymentRepository(session, scope).get(payment_id)
        assert payment is not None
        note = settlement.payment_succeeded(
            session, scope, payment_id, payment.amount, now, payment_intent_ref=result.payment_intent
        )
        _unschedule(session, scope, payment)
        return note
    if result.status == ChargeStatus.PROCESSING:
        payment = PaymentRepository(session, scope).lock(payment_id)
        assert payment is not None
        payment.payment_intent_ref = result.payment_intent or payment.payment_intent_ref
        _unschedule(session, scope, payment)  # the webhook reports the outcome
        return f"payment {payment_id} processing"
    return record_failed_attempt(
        session,
        scope,
        payment_id,
        now,
        code=result.failure_code or str(result.status),
        message=result.failure_message,
        payment_intent_ref=result.payment_intent,
    )


def _unschedule(session: Session, scope: TenantScope, payment: Payment) -> None:
    assert payment.invoice_id is not None
    invoice = AutoChargeRepository(session, scope).lock(payment.invoice_id)
    if invoice is not None and invoice.payment_attempts == payment.attempt:
        invoice.next_payment_attempt_at = None
        session.flush()


def record_failed_attempt(
    session: Session,
    scope: TenantScope,
    payment_id: int,
    now: datetime,
    *,
    code: str,
    message: str,
    payment_intent_ref: str | None = None,
) -> str:
    """A declined automatic charge: the attempt failed, and the next one is scheduled at the tenant's
    retry offset counted from the first attempt (none after the last). Once per attempt: whoever
    reports it second (the job or `payment_intent.payment_failed`) finds it failed already."""
    payments = PaymentRepository(session, scope)
    payment = payments.lock(payment_id)
    if payment is None or payment.kind != OFF_SESSION or payment.invoice_id is None:
        return f"payment {payment_id} is not an automatic charge here"
    if payment.status != PaymentStatus.PENDING:
        return f"automatic charge {payment_id} already {payment.status}"
    payment.payment_intent_ref = payment_intent_ref or payment.payment_intent_ref
    note = settlement.payment_failed(session, scope, payment_id, now, code=code, message=message)
    charges = AutoChargeRepository(session, scope)
    invoice = charges.lock(payment.invoice_id)
    first = charges.attempt(payment.invoice_id, 1)
    if invoice is None or first is None or invoice.payment_attempts != payment.attempt:
        return note
    schedule = tenant_schedule(session, scope)
    invoice.next_payment_attempt_at = schedule.next_attempt_at(first.created_at, payment.attempt)
    session.flush()
    audit.record(
        session,
        scope,
        SYSTEM,
        "invoice.auto_payment_failed",
        object_type="invoice",
        object_id=invoice.id,
        after={
            "attempt": payment.attempt,
            "attempts": schedule.attempts,
            "code": code,
            "next_attempt_at": invoice.next_payment_attempt_at.isoformat()
            if invoice.next_payment_attempt_at
            else None,
        },
    )
    _queue_failure_mail(session, scope, invoice, payment, code)
    return f"{note}; next attempt {invoice.next_payment_attempt_at or 'none (dunning)'}"


def _queue_failure_mail(
    session: Session, scope: TenantScope, invoice: Invoice, payment: Payment, code: str
) -> None:
    """Tell the customer the attempt failed and what happens next (see the module's docstring);
    nothing when the invoice has been paid meanwhile or the account has no billing email."""
    profile = PaymentProfileRepository(session, scope).of_account(invoice.customer_account_id)
    if profile is None or not profile.email or invoice.status not in CHARGEABLE_STATUSES:
        return
    if invoice.balance_due <= 0:
        return
    next_day = ""
    if invoice.next_payment_attempt_at is not None:
        tenant = TenantDirectory(session).by_id(scope.tenant_id)
        zone = ZoneInfo(tenant.time_zone if tenant else "UTC")
        next_day = invoice.next_payment_attempt_at.astimezone(zone).date().isoformat()
    context = {
        "customer_name": profile.company_name or profile.name,
        "link": f"/invoices/{invoice.number}",
        "invoice_number": str(invoice.number or ""),
        "amount": str(Money.of(payment.amount, payment.currency).round_to_minor().amount),
        "currency": payment.currency,
        "reason": code,  # the templates put the processor's code in words
        "next_attempt_date": next_day,  # "" after the last attempt
    }
    request = MailRequest(
        kind=MailKind.AUTO_PAYMENT_FAILED,
        to=profile.email,
        customer_id=invoice.customer_account_id,
        context=context,
        dedupe_key=f"auto-payment-failed:{invoice.id}:{payment.attempt}",
    )
    queue_mail(session, scope, request)


@handles("payment_intent.payment_failed")
def off_session_charge_failed(context: EventContext) -> str | None:
    """A declined automatic charge reported by the processor (the job may have died before it could
    record it, or the charge was processing). Other payments' failures are not ours."""
    intent = context.event.object
    metadata = intent.get("metadata") or {}
    payments = PaymentRepository(context.session, context.scope)
    raw = str(metadata.get("payment_id") or "")
    payment = payments.get(int(raw)) if raw.isdigit() else None
    if payment is None and intent.get("id"):
        payment = payments.by_payment_intent(str(intent["id"]))
    if payment is None or payment.kind != OFF_SESSION or payment.id is None:
        return None
    error = intent.get("last_payment_error") or {}
    return record_failed_attempt(
        context.session,
        context.scope,
        payment.id,
        context.now,
        code=str(error.get("code") or error.get("decline_code") or "payment_failed"),  # as the job records it
        message=str(error.get("message") or ""),
        payment_intent_ref=str(intent.get("id") or "") or None,
    )
