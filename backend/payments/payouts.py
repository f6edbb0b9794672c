"""Payouts: money the processor sent to the tenant's bank account (`payout.paid`), or could not
(`payout.failed`, with the bank's message). One `Payout` row per processor payout, whatever order
and how often the events come; its balance transaction (the money leaving the processor balance)
is recorded for the finance views. Each change is audited; the overview lists the latest payouts.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from backend.audit import service as audit
from backend.kit.policy import SYSTEM, Action, authorize
from backend.kit.repository import TenantScope
from backend.models import PaymentProcessor, Payout
from backend.money import Money
from backend.payments import balance
from backend.payments.events import EventContext, handles
from backend.payments.repository import PayoutRepository

# A payout that failed stays failed; a paid one can still fail (the bank returns it days later).
FINAL = ("failed", "canceled")


@handles("payout.paid", "payout.failed")
def payout_changed(context: EventContext) -> str | None:
    """Record the payout as the processor reports it; a failed one is not made paid again by an
    older event."""
    session, scope, found = context.session, context.scope, context.event.object
    external_id = str(found.get("id") or "")
    if not external_id:
        return None
    payouts = PayoutRepository(session, scope)
    payout = payouts.by_external_id(PaymentProcessor.STRIPE, external_id)
    status = str(found.get("status") or context.event.type.removeprefix("payout."))[:40]
    if payout is not None and (payout.status == status or payout.status in FINAL):
        return f"payout {external_id} already {payout.status}"
    created = payout is None
    if payout is None:
        payout = payouts.add(Payout(processor=PaymentProcessor.STRIPE, external_id=external_id))
    before = {"status": payout.status}
    currency = str(found.get("currency") or "eur").upper()
    payout.amount = Money.from_minor(int(found.get("amount") or 0), currency).amount
    payout.currency = currency
    payout.status = status
    payout.failure_message = str(found.get("failure_message") or "") if payout.status == "failed" else ""
    arrival = found.get("arrival_date")
    payout.arrival_at = datetime.fromtimestamp(int(arrival), UTC) if arrival else payout.arrival_at
    session.flush()
    audit.record(
        session,
        scope,
        SYSTEM,
        f"payout.{payout.status}",
        object_type="payout",
        object_id=payout.id,
        before=None if created else before,
        after={
            "payout": external_id,
            "amount": str(payout.amount),
            "status": payout.status,
            "failure": payout.failure_message,
        },
    )
    noted = balance.record_of(context, found, "payout") if payout.status == "paid" else ""
    return f"payout {external_id} {payout.status}" + (f"; {noted}" if noted else "")


def latest_payouts(session: Session, scope: TenantScope, actor: audit.Actor, limit: int = 5) -> list[Payout]:
    """The newest payouts (the overview's card)."""
    authorize(actor, scope, Action.READ_PAYMENTS)
    return PayoutRepository(session, scope).latest(limit)
