"""Disputes (chargebacks): the customer's bank contests a card payment.

`charge.dispute.created` and `charge.dispute.closed` (and the updates between) keep one `Dispute`
row per processor dispute, with its amount, reason and the processor's status (needs_response,
under_review, won, lost, ...); the payment and invoice are found through the charge's PaymentIntent
(or its id). Events may come in any order: a `created` after the `closed` does not reopen it. The
admin sees a dispute on its invoice's page and open ones in the overview; answering it happens in
the Stripe dashboard. A lost dispute's money is gone: the invoice is not changed here (the admin
decides: mark unpaid, or write it off).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from backend.audit import service as audit
from backend.kit.policy import SYSTEM, Action, authorize
from backend.kit.repository import TenantScope
from backend.models import Dispute, PaymentProcessor
from backend.money import Money
from backend.payments.charges import payment_of_charge
from backend.payments.events import EventContext, handles
from backend.payments.repository import DisputeRepository

# The processor's statuses of a dispute still waiting for an outcome.
OPEN_STATUSES = ("warning_needs_response", "warning_under_review", "needs_response", "under_review")
CLOSED_STATUSES = ("won", "lost", "warning_closed", "charge_refunded", "prevented")


@handles("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed")
def dispute_changed(context: EventContext) -> str | None:
    """Record the dispute as the processor reports it now (its state, not the event's order)."""
    session, scope, found = context.session, context.scope, context.event.object
    external_id = str(found.get("id") or "")
    if not external_id:
        return None
    payment = payment_of_charge(session, scope, found)
    disputes = DisputeRepository(session, scope)
    dispute = disputes.by_external_id(PaymentProcessor.STRIPE, external_id)
    status = str(found.get("status") or "needs_response")[:40]
    created = dispute is None
    if dispute is None:
        dispute = disputes.add(
            Dispute(
                processor=PaymentProcessor.STRIPE,
                external_id=external_id,
                payment_id=payment.id if payment else None,
                invoice_id=payment.invoice_id if payment else None,
                charge_ref=str(found.get("charge") or "")[:255],
                opened_at=_moment(found.get("created")) or context.now,
            )
        )
    before = {"status": dispute.status}
    currency = str(found.get("currency") or "eur").upper()
    dispute.amount = Money.from_minor(int(found.get("amount") or 0), currency).amount
    dispute.currency, dispute.reason = currency, str(found.get("reason") or "")[:100]
    if dispute.closed_at is None or status in CLOSED_STATUSES:
        dispute.status = status
    if status in CLOSED_STATUSES and dispute.closed_at is None:
        dispute.closed_at = context.now
    session.flush()
    audit.record(
        session,
        scope,
        SYSTEM,
        "payment.dispute_opened" if created else "payment.dispute_changed",
        object_type="invoice" if dispute.invoice_id else "dispute",
        object_id=dispute.invoice_id or dispute.id,
        before=None if created else before,
        after={
            "dispute": external_id,
            "amount": str(dispute.amount),
            "reason": dispute.reason,
            "status": dispute.status,
        },
    )
    return f"dispute {external_id} {dispute.status}"


def disputes_of_invoice(
    session: Session, scope: TenantScope, actor: audit.Actor, invoice_id: int
) -> list[Dispute]:
    authorize(actor, scope, Action.READ_PAYMENTS)
    return DisputeRepository(session, scope).of_invoice(invoice_id)


def open_disputes(
    session: Session, scope: TenantScope, actor: audit.Actor, limit: int = 5
) -> tuple[int, list[tuple[Dispute, str]]]:
    """How many disputes wait for an outcome, and the newest `limit` of them with the number of the
    invoice each is about ("" when its charge is not one of the console's): the overview's card."""
    authorize(actor, scope, Action.READ_PAYMENTS)
    repository = DisputeRepository(session, scope)
    count, found = repository.open_ones(OPEN_STATUSES, limit)
    numbers = repository.invoice_numbers([d.invoice_id for d in found if d.invoice_id is not None])
    return count, [(dispute, numbers.get(dispute.invoice_id or 0, "")) for dispute in found]


def _moment(seconds: Any) -> datetime | None:
    return datetime.fromtimestamp(int(seconds), UTC) if seconds else None
