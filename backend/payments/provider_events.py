"""What the admin sees of the processor's events: how many of the tenant's events of the last days
were processed, ignored or failed, and the latest failed ones with their error.

Every Stripe event is stored once (`InboundWebhookEvent`, backend/payments/webhooks.py) with its
result; a failed one is what Stripe is still retrying, or gave up on, and the admin has to know
(a payment that never reached its invoice, a refund not completed). Only events stored under the
tenant are counted: the deployment's events (no tenant) are the operator's and never shown here.
Both figures are aggregated and limited in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from backend.audit import service as audit
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import InboundWebhookEvent, WebhookResult
from backend.payments.repository import ProviderEventRepository

WINDOW = timedelta(days=7)
FAILED_SHOWN = 10


@dataclass(frozen=True, slots=True)
class EventsOverview:
    """The card's figures: events received since `since` by result, and the newest failed ones."""

    since: datetime
    processed: int = 0
    ignored: int = 0
    failed: int = 0
    latest_failed: list[InboundWebhookEvent] = field(default_factory=list)


def events_overview(
    session: Session, scope: TenantScope, actor: audit.Actor, now: datetime, limit: int = FAILED_SHOWN
) -> EventsOverview:
    """The tenant's events received in the last seven days (up to `now`) by result, and the newest
    `limit` of them that failed. Events still pending (being handled right now) are not counted."""
    authorize(actor, scope, Action.READ_PAYMENTS)
    since = now - WINDOW
    events = ProviderEventRepository(session, scope)
    counts = events.counts_since(since)
    return EventsOverview(
        since=since,
        processed=counts.get(WebhookResult.PROCESSED, 0),
        ignored=counts.get(WebhookResult.IGNORED, 0),
        failed=counts.get(WebhookResult.FAILED, 0),
        latest_failed=events.latest_failed(since, limit),
    )
