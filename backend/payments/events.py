"""What each processor event does: one registry from event type to handler.

The webhook route (backend/payments/webhooks.py) verifies the signature, stores the event once and
then calls `dispatch` in the same transaction. Each handler lives with its subject (checkout,
off-session charges, saved methods, refunds, disputes, payouts) and registers itself with
`@handles("charge.refunded")` when its module is imported; `HANDLER_MODULES` lists those modules so
the route imports them all. Several handlers may take one type (checkout.session.completed pays an
invoice in payment mode and saves a card in setup mode): each returns None when the event is not
its business. A type nobody handles is stored and answered 200 ("ignored").

Handlers must be safe to run in any order and more than once for the same object (Stripe retries,
and delivers out of order): they look at the object's state, not at what they assume came before.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from backend.integrations.payment_processor import WebhookEvent
from backend.kit.repository import TenantScope


@dataclass(frozen=True, slots=True)
class EventContext:
    session: Session
    scope: TenantScope  # the tenant the event belongs to (checked against its metadata by the route)
    event: WebhookEvent
    now: datetime
    processor: str = "stripe"


# A handler returns a short note of what it did ("invoice INV-2026-00001 paid", "already paid"),
# stored with the event for the admin's view, or None when the event is not its business. It
# raises to fail the event (the transaction rolls back, the route answers 500, Stripe retries).
Handler = Callable[[EventContext], str | None]

_handlers: dict[str, dict[str, Handler]] = {}

HANDLER_MODULES: tuple[str, ...] = (
    "backend.payments.checkout",
    "backend.payments.refunds",
    "backend.payments.disputes",
    "backend.payments.payouts",
    "backend.payments.balance",
)


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        key = f"{handler.__module__}.{handler.__qualname__}"
        for event_type in event_types:
            _handlers.setdefault(event_type, {})[key] = handler
        return handler

    return register


def load_handlers() -> None:
    for module in HANDLER_MODULES:
        importlib.import_module(module)


def handlers_for(event_type: str) -> list[Handler]:
    load_handlers()
    return list(_handlers.get(event_type, {}).values())


def dispatch(context: EventContext) -> str | None:
    """Run the event's handlers; None when none of them took it (stored as ignored)."""
    notes = [note for handler in handlers_for(context.event.type) if (note := handler(context))]
    return "; ".join(notes) if notes else None
