"""What each processor event does: one registry from event type to handler.

The webhook route (backend/payments/webhooks.py) verifies the signature, stores the event once and
then calls `dispatch` in the same transaction. Each handler lives with its subject (checkout,
off-session charges, saved methods, refunds, disputes, payouts) and registers itself with
`@handles("charge.refunded")` when its module is imported; `HANDLER_MODULES` lists those modules so
the route imports them all. A type nobody handles is stored and answered 200 ("ignored").

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
# stored with the event for the admin's view. It raises to fail the event (the transaction rolls
# back, the route answers 500 and Stripe retries).
Handler = Callable[[EventContext], str]

_handlers: dict[str, Handler] = {}

HANDLER_MODULES: tuple[str, ...] = ()


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            _handlers[event_type] = handler
        return handler

    return register


def load_handlers() -> None:
    for module in HANDLER_MODULES:
        importlib.import_module(module)


def handler_for(event_type: str) -> Handler | None:
    load_handlers()
    return _handlers.get(event_type)


def dispatch(context: EventContext) -> str | None:
    """Run the event's handler; None when no handler knows its type (stored as ignored)."""
    handler = handler_for(context.event.type)
    return None if handler is None else handler(context)
