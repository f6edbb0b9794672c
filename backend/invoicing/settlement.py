"""What else happens when an invoice stops waiting for its money (paid, or voided).

Invoicing sits below the domains that react to a settled invoice (dunning reinstates past-due
subscriptions; payments and provisioning may follow), so it cannot call them: they register a
listener here when their service module is imported, and every path that settles an invoice
(`mark_paid`, `void_invoice`, payments) calls `invoice_settled` in its own unit of work, so a
listener's changes commit or roll back with the payment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models import Invoice


class SettlementListener(Protocol):
    def __call__(
        self, session: Session, scope: TenantScope, invoice: Invoice, now: datetime, actor: Actor
    ) -> object: ...


_listeners: dict[str, SettlementListener] = {}


def on_settled(name: str, listener: SettlementListener) -> None:
    """Register `listener` under `name` (registering a name again replaces it)."""
    _listeners[name] = listener


def invoice_settled(
    session: Session, scope: TenantScope, invoice: Invoice, now: datetime, actor: Actor
) -> None:
    """Tell every listener that `invoice` was paid or voided, in the caller's unit of work."""
    for listener in list(_listeners.values()):
        listener(session, scope, invoice, now, actor)
