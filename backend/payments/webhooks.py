"""Receiving a Stripe event: verify it, store it once, then handle it in one transaction, on a worker.

Two doors: `POST /api/webhooks/stripe` for the deployment's Stripe account (shared by every tenant
without an account of its own) and `POST /api/webhooks/stripe/{tenant_slug}` for a tenant's own
account, verified with that tenant's webhook secret only.

Receiving (the web process, as Stripe advises: answer fast, work later):
- The signature is checked on the raw body by the SDK (`StripeProcessor.parse_webhook`). A missing,
  wrong or stale one is a 400 and nothing is stored. The tenant door answers the same 400 for a slug
  that does not exist or a tenant without its own account: nobody learns which slugs are tenants.
- The event row (`InboundWebhookEvent`, unique per processor and event id) is stored with ONE
  statement (INSERT ... ON CONFLICT DO NOTHING), committed at once, result `pending`. Its tenant
  column is, for now, the door's tenant or the one the event names (looked up in that statement).
  A second delivery inserts nothing and answers 200 "duplicate" (the same id with another body is
  logged as a conflict); a redelivery of an event whose handling failed hands it off again.
- The stored event is handed off as a unit of the `webhook_events` coordinator (a job on the
  `payments` queue, one job id per event). Where no job queue answers (a process without one bound,
  or Redis down) it is handled right there, in the request, as before the handoff existed; a
  failure there answers 500 so that Stripe delivers it again.

Handling (`handle_stored_event`, on a worker or in the request):
- One transaction holding the row's lock: an event already handled is left alone.
- The tenant is the door's (tenant door) or the one the object's metadata names (`tenant_id`, which
  every object we create carries; a dispute names only its payment intent, whose payment says it).
  A tenant with its own account is never touched through the deployment's door, and an event whose
  metadata names another tenant is not handled for the door's tenant: each is stored as ignored.
- A handler that raises rolls the work back; the row is then marked `failed` with the error, and
  the unit job raises, so RQ retries it with the job system's backoff. The coordinator also finds
  events received over a minute ago and still waiting (a handoff lost with its web process) and
  failed ones, and queues them again (a failed unit's job id is kept until an operator acts).

Opening its own units of work is the point of this module (the receiving step owns its
transactions, as a job does); the route in endpoints.py only turns the answer into HTTP.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from backend import clock
from backend.db import unit_of_work
from backend.integrations.payment_processor import InvalidSignature, WebhookEvent
from backend.kit.coordination import IdRange
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import InboundWebhookEvent, PaymentProcessor, WebhookResult
from backend.payments.accounts import (
    StripeCredentials,
    deployment_stripe_credentials,
    stripe_processor,
    tenant_stripe_credentials,
)
from backend.payments.events import EventContext, dispatch
from backend.payments.repository import (
    InboundEventLog,
    ProcessorAccountRepository,
    ProviderEventRepository,
    named_tenant_hint,
    tenant_of_payment_intent,
)
from backend.ports import job_queue

log = logging.getLogger(__name__)

SIGNATURE_REFUSED = "The Stripe-Signature header does not verify for this endpoint."
MAX_ERROR_LENGTH = 2000
WEBHOOK_EVENTS_COORDINATOR = "webhook_events"  # the coordinator whose units handle stored events
HANDOFF_GRACE = timedelta(minutes=1)  # a pending event older than this lost its handoff: queued again
_HANDLED = (WebhookResult.PROCESSED, WebhookResult.IGNORED)


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """What the route answers: 200 (received, processed, ignored, duplicate), 400 (refused), 500 (failed)."""

    status: int
    outcome: str  # received | processed | ignored | duplicate | refused | failed
    detail: str = ""

    def body(self) -> dict[str, str]:
        return {"received": self.outcome, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Routing:
    """Whose event it is: the tenant to store it under, and whether its handlers run for that tenant."""

    tenant_id: int | None
    handle: bool
    reason: str = ""  # why it is not handled


class HandlingFailed(RuntimeError):
    """A stored event's handlers raised; the row says `failed` with the error (the unit job retries)."""


def receive_stripe_event(payload: bytes, signature: str, tenant_slug: str | None = None) -> WebhookAnswer:
    """Verify and store one delivery of a Stripe event, then hand it off (the module docstring)."""
    if tenant_slug is None:  # the deployment's door: its keys come from configuration, not the database
        route_tenant, credentials = None, deployment_stripe_credentials()
    else:
        with unit_of_work() as session:
            route_tenant, credentials = _door(session, tenant_slug)
    if credentials is None or not signature:
        return WebhookAnswer(400, "refused", SIGNATURE_REFUSED)
    try:
        event = stripe_processor(credentials).parse_webhook(payload, signature)
    except InvalidSignature:
        return WebhookAnswer(400, "refused", SIGNATURE_REFUSED)
    digest = hashlib.sha256(payload).hexdigest()
    with unit_of_work() as session:
        stored = InboundEventLog(session).store_once(
            _values(event, json.loads(payload), digest, route_tenant is not None),
            route_tenant if route_tenant is not None else _named_hint(event),
        )
    if stored is not None:
        return hand_off(*stored)
    return _duplicate(event, digest)


def hand_off(row_id: int, tenant_id: int | None) -> WebhookAnswer:
    """Queue the stored event's handling as a unit job; handle it here when no queue answers (or it
    names no tenant, so no tenant's unit can take it: it is routed, and mostly ignored, at once)."""
    if tenant_id is not None:
        try:
            # A unit of its own (ids:N-N), not its 500-id bucket: an event arriving while the bucket's
            # job runs must not find that job's id taken and wait for the coordinator's next sweep.
            job_queue().enqueue_unit(WEBHOOK_EVENTS_COORDINATOR, tenant_id, IdRange(row_id, row_id).key)
        except Exception as error:  # JobsUnavailable, or Redis down: the event must not wait for it
            log.info("stored Stripe event %s handled in the request: %s", row_id, error)
        else:
            return WebhookAnswer(200, "received", "stored; handled by a worker")
    try:
        return handle_stored_event(row_id)
    except HandlingFailed:
        return WebhookAnswer(500, "failed", "The event could not be handled; it will be retried.")


def handle_stored_event(row_id: int) -> WebhookAnswer:
    """Route and handle one stored event in one transaction, unless it was handled already. Raises
    `HandlingFailed` after recording the error on the row when a handler raised."""
    try:
        with unit_of_work() as session:
            return _handle(session, row_id)
    except Exception as error:
        log.exception("stored Stripe event %s failed; it will be retried", row_id)
        _record_failure(row_id, error)
        raise HandlingFailed(str(error)) from error


def handle_waiting_events(session: Session, scope: TenantScope, first: int, last: int) -> int:
    """A unit of the `webhook_events` coordinator: handle the tenant's waiting events with ids in
    first..last, each in its own transaction (`session` only finds them). Returns how many were
    handled; raises after trying them all when one failed, so the unit is retried."""
    ids = ProviderEventRepository(session, scope).waiting(None, first, last)
    failures: list[str] = []
    for row_id in ids:
        try:
            handle_stored_event(row_id)
        except HandlingFailed as error:
            failures.append(f"event {row_id}: {error}")
    if failures:
        raise HandlingFailed("; ".join(failures))
    return len(ids)


def waiting_event_ids(session: Session, scope: TenantScope, now: datetime) -> list[int]:
    """The tenant's events the coordinator queues again: received over HANDOFF_GRACE before `now`
    and still pending (their handoff was lost), or failed."""
    return ProviderEventRepository(session, scope).waiting(now - HANDOFF_GRACE)


def _handle(session: Session, row_id: int) -> WebhookAnswer:
    stored = InboundEventLog(session).by_id(row_id, lock=True)
    if stored is None:
        return WebhookAnswer(200, "ignored", "no such stored event")
    if stored.result in _HANDLED:
        return WebhookAnswer(200, "duplicate", "already handled")
    event = _event_of(stored)
    routing = route_event(session, event, stored.tenant_id if stored.via_tenant_endpoint else None)
    now = clock.now()
    stored.tenant_id = routing.tenant_id
    note = None
    if routing.handle and routing.tenant_id is not None:
        context = EventContext(session, TenantScope(routing.tenant_id), event, now, processor="stripe")
        note = dispatch(context)
    stored.result = WebhookResult.PROCESSED if note else WebhookResult.IGNORED
    stored.error = (note or routing.reason or f"no handler takes {event.type}")[:MAX_ERROR_LENGTH]
    stored.processed_at = now
    session.flush()
    return WebhookAnswer(200, str(stored.result), stored.error)


def _event_of(stored: InboundWebhookEvent) -> WebhookEvent:
    payload = stored.payload
    return WebhookEvent(
        id=stored.event_id,
        type=stored.event_type,
        created=int(payload.get("created") or 0),
        object=dict((payload.get("data") or {}).get("object") or {}),
        livemode=bool(payload.get("livemode")),
    )


def _named_hint(event: WebhookEvent) -> Any:
    named = _named_tenant(event.object)
    if named is not None:
        return named_tenant_hint(int(named), None) if named.isdigit() and len(named) < 19 else None
    return named_tenant_hint(None, _payment_intent_of(event.object))


def _door(session: Session, tenant_slug: str | None) -> tuple[int | None, StripeCredentials | None]:
    """The tenant whose own account the door is (None: the deployment's) and the keys that verify it."""
    if tenant_slug is None:
        return None, deployment_stripe_credentials()
    tenant = TenantDirectory(session).by_slug(tenant_slug)
    if tenant is None or tenant.id is None:
        return None, None
    credentials = tenant_stripe_credentials(session, TenantScope(tenant.id))
    if credentials is None or not credentials.webhook_secret:
        return None, None
    return tenant.id, credentials


def route_event(session: Session, event: WebhookEvent, route_tenant: int | None) -> Routing:
    """Which tenant the event belongs to, and whether it may be handled for it (module docstring)."""
    named = _named_tenant(event.object)
    if route_tenant is not None:
        if named is not None and named != str(route_tenant):
            return Routing(route_tenant, False, "the event's metadata names another tenant")
        return Routing(route_tenant, True)
    if named is None:
        intent = _payment_intent_of(event.object)
        found = tenant_of_payment_intent(session, intent) if intent else None
        named = str(found) if found is not None else None
    if named is None or not named.isdigit():
        return Routing(None, False, "the event names no tenant")
    tenant = TenantDirectory(session).by_id(int(named))
    if tenant is None or tenant.id is None:
        return Routing(None, False, "the event names no tenant of this deployment")
    own = ProcessorAccountRepository(session, TenantScope(tenant.id)).of(PaymentProcessor.STRIPE)
    if own is not None and own.secret_key_encrypted:
        return Routing(None, False, "the tenant it names has its own Stripe account")
    return Routing(tenant.id, True)


def _named_tenant(obj: dict[str, Any]) -> str | None:
    metadata = obj.get("metadata")
    value = metadata.get("tenant_id") if isinstance(metadata, dict) else None
    return str(value).strip() if value not in (None, "") else None


def _payment_intent_of(obj: dict[str, Any]) -> str | None:
    """The PaymentIntent a charge, dispute or refund belongs to (an id, or an expanded object)."""
    intent = obj.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    return intent if isinstance(intent, str) and intent else None


def _values(
    event: WebhookEvent, payload: dict[str, Any], digest: str, via_tenant_endpoint: bool
) -> dict[str, Any]:
    return {
        "processor": PaymentProcessor.STRIPE,
        "event_id": event.id,
        "event_type": event.type[:100],
        "payload_sha256": digest,
        "payload": payload,
        "result": WebhookResult.PENDING,
        "error": "",
        "via_tenant_endpoint": via_tenant_endpoint,
        "received_at": clock.now(),
    }


def _duplicate(event: WebhookEvent, digest: str) -> WebhookAnswer:
    """A delivery of an event stored before: 200, nothing done (another body under its id is logged),
    except that a failed event is handed off again, as Stripe's redelivery asks."""
    with unit_of_work() as session:
        stored = InboundEventLog(session).receipt(PaymentProcessor.STRIPE, event.id)
    if stored is None:  # removed meanwhile (retention): nothing to do
        return WebhookAnswer(200, "duplicate", "already received")
    row_id, earlier, result, tenant_id = stored
    if earlier != digest:
        log.warning("Stripe event %s delivered again with another body (conflict); ignored", event.id)
        return WebhookAnswer(200, "duplicate", "already received, with another body: ignored (conflict)")
    if result == WebhookResult.FAILED:
        return hand_off(row_id, tenant_id)
    return WebhookAnswer(200, "duplicate", "already received")


def _record_failure(row_id: int, error: Exception) -> None:
    """After the rollback: keep the failure visible (result `failed`, the error), unless another
    handler finished the event meanwhile."""
    message = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
    try:
        with unit_of_work() as session:
            stored = InboundEventLog(session).by_id(row_id, lock=True)
            if stored is not None and stored.result not in _HANDLED:
                stored.result, stored.error, stored.processed_at = WebhookResult.FAILED, message, clock.now()
    except Exception:
        log.exception("the failure of stored Stripe event %s was not recorded", row_id)
