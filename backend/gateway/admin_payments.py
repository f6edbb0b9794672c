"""The payments of one invoice on the admin's invoice page: the payments with what was refunded,
the refunds with their credit notes, the disputes; recording a bank transfer, previewing and making
a refund. Amounts are formatted here, dates in the tenant's time zone; the services ask the policy."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from backend import clock
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.invoicing import admin_reads
from backend.invoicing.statement_schemas import console_credit_note_pdf_url
from backend.kit.errors import FieldErrors
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.money import Money
from backend.payments import disputes, manual_payments, payouts, provider_events, refunds
from backend.payments.invoice_payments import invoice_payments, payment_to_refund
from backend.reporting.subscriptions import moment

METHODS = {"manual": "Bank transfer", "stripe": "Card (Stripe)"}
ORIGINS = {"admin": "Console", "processor": "Stripe dashboard"}


@dataclass(frozen=True, slots=True)
class PaymentLine:
    id: int
    at: str
    method: str  # "Bank transfer", "Card (Stripe)"
    reference: str
    amount: str
    status: str  # succeeded, partially_refunded, refunded, pending, failed, canceled
    refunded: str  # "" when nothing was refunded
    refundable: str  # formatted, "" when nothing is left
    refundable_value: str  # "12.34": the refund form's default
    can_refund: bool


@dataclass(frozen=True, slots=True)
class RefundLine:
    at: str
    amount: str
    status: str
    reason: str
    origin: str  # "Console", "Stripe dashboard"
    credit_note: str
    credit_note_href: str


@dataclass(frozen=True, slots=True)
class DisputeLine:
    amount: str
    reason: str
    status: str  # the processor's: needs_response, under_review, won, lost
    opened: str
    closed: str


@dataclass(frozen=True, slots=True)
class PaymentsCard:
    payments: list[PaymentLine] = field(default_factory=list)
    refunds: list[RefundLine] = field(default_factory=list)
    disputes: list[DisputeLine] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RefundPreviewView:
    """What the confirmation dialog says: the money given back and the credit note issued."""

    amount: str
    net: str
    tax: str
    how: str  # "by bank transfer" / "to the card"
    credit_note: bool


@dataclass(frozen=True, slots=True)
class OverviewDispute:
    invoice: str  # its number, "" for a charge that is not one of the console's
    href: str  # the invoice's admin page
    amount: str
    reason: str
    status: str


@dataclass(frozen=True, slots=True)
class PayoutLine:
    amount: str
    status: str  # paid, failed, ...
    arrival: str
    failure: str


@dataclass(frozen=True, slots=True)
class FailedEventLine:
    at: str  # when Stripe first sent it, in the tenant's time zone
    type: str  # "payment_intent.succeeded"
    event_id: str  # "evt_...": what to look up in the Stripe dashboard
    error: str


@dataclass(frozen=True, slots=True)
class PaymentsOverview:
    open_disputes: int = 0
    disputes: list[OverviewDispute] = field(default_factory=list)
    payouts: list[PayoutLine] = field(default_factory=list)
    # the tenant's Stripe events of the last seven days, by result, and the newest failed ones
    events_processed: int = 0
    events_ignored: int = 0
    events_failed: int = 0
    failed_events: list[FailedEventLine] = field(default_factory=list)
    time_zone: str = "UTC"  # the tenant's, named on the card


def payments_overview(user: SignedInUser) -> PaymentsOverview:
    """Open disputes (count and the newest five, each linking to its invoice), the latest payouts
    and the Stripe events of the last seven days (counts by result, the newest failed ones)."""
    with unit_of_work() as session:
        scope, who = user_scope(user), actor(None, user)
        count, found = disputes.open_disputes(session, scope, who)
        sent = payouts.latest_payouts(session, scope, who)
        events = provider_events.events_overview(session, scope, who, clock.now())
        tenant = TenantDirectory(session).by_id(user.tenant_id)
        zone = ZoneInfo(tenant.time_zone if tenant else "UTC")
        return PaymentsOverview(
            open_disputes=count,
            disputes=[
                OverviewDispute(
                    invoice=number,
                    href=f"/admin/invoices/{number}" if number else "",
                    amount=_money(d.amount, d.currency),
                    reason=d.reason.replace("_", " ") or "no reason given",
                    status=d.status,
                )
                for d, number in found
            ],
            payouts=[
                PayoutLine(
                    amount=_money(p.amount, p.currency),
                    status=p.status,
                    arrival=moment(p.arrival_at, zone) if p.arrival_at else "—",
                    failure=p.failure_message,
                )
                for p in sent
            ],
            events_processed=events.processed,
            events_ignored=events.ignored,
            events_failed=events.failed,
            failed_events=[
                FailedEventLine(
                    at=moment(e.received_at, zone), type=e.event_type, event_id=e.event_id, error=e.error
                )
                for e in events.latest_failed
            ],
            time_zone=zone.key,
        )


def payments_card(user: SignedInUser, invoice_id: int) -> PaymentsCard:
    with unit_of_work() as session:
        scope = user_scope(user)
        found = invoice_payments(session, scope, actor(None, user), invoice_id)
        tenant = TenantDirectory(session).by_id(user.tenant_id)
    zone = ZoneInfo(tenant.time_zone if tenant else "UTC")
    return PaymentsCard(
        payments=[
            PaymentLine(
                id=p.id,
                at=moment(p.at, zone),
                method=METHODS.get(p.processor, p.processor),
                reference=p.reference,
                amount=_money(p.amount, p.currency),
                status=p.status,
                refunded=_money(p.refunded_amount, p.currency) if p.refunded_amount else "",
                refundable=_money(p.refundable, p.currency) if p.refundable else "",
                refundable_value=str(p.refundable),
                can_refund=p.refundable > 0,
            )
            for p in found.payments
        ],
        refunds=[
            RefundLine(
                at=moment(r.at, zone),
                amount=_money(r.amount, r.currency),
                status=r.status,
                reason=r.reason,
                origin=ORIGINS.get(r.origin, r.origin),
                credit_note=r.credit_note,
                credit_note_href=console_credit_note_pdf_url(r.credit_note) if r.credit_note else "",
            )
            for r in found.refunds
        ],
        disputes=[
            DisputeLine(
                amount=_money(d.amount, d.currency),
                reason=d.reason.replace("_", " ") or "no reason given",
                status=d.status,
                opened=moment(d.opened_at, zone),
                closed=moment(d.closed_at, zone) if d.closed_at else "",
            )
            for d in found.disputes
        ],
    )


def record_transfer(
    request: RequestContext, user: SignedInUser, invoice_id: int, amount: str, reference: str, key: str
) -> str:
    """Record a bank transfer; returns what the toast says."""
    value = parse_amount(amount)
    with unit_of_work() as session:
        payment = manual_payments.record_bank_transfer(
            session, user_scope(user), actor(request, user), invoice_id, value, reference, clock.now(),
            idempotency_key=key,
        )  # fmt: skip
        return f"Bank transfer of {_money(payment.amount, payment.currency)} recorded."


def preview_refund(user: SignedInUser, invoice_id: int, payment_id: int, amount: str) -> RefundPreviewView:
    value = parse_amount(amount)
    with unit_of_work() as session:
        scope, who = user_scope(user), actor(None, user)
        payment_id = payment_to_refund(session, scope, who, invoice_id, payment_id)
        found = refunds.preview_refund(session, scope, who, payment_id, value)
    return RefundPreviewView(
        amount=_money(found.amount, found.currency),
        net=_money(found.net, found.currency),
        tax=_money(found.tax, found.currency),
        how="by bank transfer" if found.by_transfer else "to the card",
        credit_note=found.net + found.tax > 0,
    )


def refund(
    request: RequestContext,
    user: SignedInUser,
    invoice_id: int,
    payment_id: int,
    amount: str,
    reason: str,
    key: str,
) -> str:
    """Refund the payment (of this invoice); returns what the toast says."""
    value = parse_amount(amount)
    scope, who = user_scope(user), actor(request, user)
    with unit_of_work() as session:
        payment_id = payment_to_refund(session, scope, who, invoice_id, payment_id)
        number = admin_reads.invoice_file(session, scope, who, invoice_id).invoice.number
    refunds.refund_payment(scope, who, payment_id, value, reason, clock.now(), idempotency_key=key)
    return f"Refunded {value} on {number}; credit note issued."


def new_key() -> str:
    """A request key for one form: a double submit of the same form pays or refunds once."""
    return uuid.uuid4().hex


def parse_amount(text: str) -> Decimal:
    """An amount typed by an admin ("12.50", "12,50", "1 200.00"), refused by field otherwise."""
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FieldErrors({"amount": "Amount: enter an amount such as 120.00."}) from None
    if not value.is_finite():
        raise FieldErrors({"amount": "Amount: enter an amount such as 120.00."})
    return value


def _money(amount: Decimal, currency: str) -> str:
    return Money.of(amount, currency).format()
