"""Balance transactions: each movement of the processor balance (a charge, a refund, a payout) with
the processor's fee and the net, recorded once by its id for the finance views.

A charge, refund or payout names its balance transaction (`balance_transaction`: an id, or the
object when expanded). An id is retrieved through the processor. A lookup that fails is noted and
skipped, never failing the event it came with: the figures are a report, and a later event about
the same object (a refund of the charge, say) records them again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from backend.integrations.payment_processor import BalanceTransactionInfo, ProcessorError
from backend.integrations.stripe_processor import balance_transaction_info
from backend.kit.repository import TenantScope
from backend.models import BalanceTransaction, PaymentProcessor
from backend.payments.accounts import processor_for
from backend.payments.events import EventContext, handles
from backend.payments.repository import BalanceTransactionRepository


def record(
    session: Session, scope: TenantScope, info: BalanceTransactionInfo, kind: str, now: datetime
) -> BalanceTransaction:
    """The balance transaction, once by its id (a known one is returned as it is); at the
    processor's time of it, else `now`."""
    transactions = BalanceTransactionRepository(session, scope)
    known = transactions.by_external_id(PaymentProcessor.STRIPE, info.id)
    if known is not None:
        return known
    return transactions.add(
        BalanceTransaction(
            processor=PaymentProcessor.STRIPE,
            external_id=info.id,
            type=info.type or kind,
            source_ref=info.source,
            amount=info.amount.amount,
            fee=info.fee.amount,
            net=info.net.amount,
            currency=info.amount.currency,
            occurred_at=datetime.fromtimestamp(info.created, UTC) if info.created else now,
        )
    )


def record_of(context: EventContext, obj: dict[str, Any], kind: str) -> str:
    """Record the balance transaction `obj` (a charge, refund or payout) names; a note of what happened."""
    named = obj.get("balance_transaction")
    if not named:
        return ""
    try:
        if isinstance(named, dict):
            info = balance_transaction_info(named)
        else:
            info = processor_for(context.session, context.scope).balance_transaction(str(named))
    except ProcessorError as error:
        return f"balance transaction {named} not read: {error}"
    if not info.source:
        info = BalanceTransactionInfo(
            info.id, info.type, info.amount, info.fee, info.net, info.created, str(obj.get("id") or "")
        )
    transaction = record(context.session, context.scope, info, kind, context.now)
    return f"balance transaction {transaction.external_id}"


@handles("charge.succeeded")
def charge_succeeded(context: EventContext) -> str | None:
    """A charge that took money: its balance transaction (amount, Stripe's fee, net)."""
    return record_of(context, context.event.object, "charge") or None
