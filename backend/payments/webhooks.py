"""Receiving a Stripe event: verify it, find its tenant, store it once, handle it in one transaction.

Two doors: `POST /api/webhooks/stripe` for the deployment's Stripe account (shared by every tenant
without an account of its own) and `POST /api/webhooks/stripe/{tenant_slug}` for a tenant's own
account, verified with that tenant's webhook secret only.

- The signature is checked on the raw body by the SDK (`StripeProcessor.parse_webhook`). A missing,
  wrong or stale one is a 400 and nothing is stored. The tenant door answers the same 400 for a slug
  that does not exist or a tenant without its own account: nobody learns which slugs are tenants.
- The tenant is the door's (tenant door) or the one the object's metadata names (`tenant_id`, which
  every object we create carries; a dispute names only its payment intent, whose payment says it).
  A tenant with its own account is never touched through the deployment's door, and an event whose
  metadata names another tenant is not handled for the door's tenant: each is stored as ignored.
- The event row (`InboundWebhookEvent`, unique per processor and event id) is inserted in the SAME
  transaction as the handlers' work. A second delivery finds the row, or waits on the unique index
  while the first is in flight and then fails to insert: either way it answers 200 and does nothing.
  The same id with another body is answered 200 too, and logged as a conflict.
- A handler that raises rolls everything back and the answer is 500, so Stripe delivers again. So
  that admins see it meanwhile, the row is then written on its own as `failed` with the error; a
  redelivery finds a failed row and handles the event again (see docs/decisions.md).

Opening its own units of work is the point of this module (the receiving step owns its
transactions, as a job does); the route in endpoints.py only turns the answer into HTTP.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend import clock
from backend.db import unit_of_work
from backend.integrations.payment_processor import InvalidSignature, WebhookEvent
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
from backend.payments.repository import InboundEventLog, ProcessorAccountRepository, tenant_of_payment_intent

log = logging.getLogger(__name__)

SIGNATURE_REFUSED = "The Stripe-Signature header does not verify for this endpoint."
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """What the route answers: 200 (processed, ignored, duplicate), 400 (refused), 500 (failed)."""

    status: int
    outcome: str  # processed | ignored | duplicate | refused | failed
    detail: str = ""

    def body(self) -> dict[str, str]:
        return {"received": self.outcome, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Routing:
    """Whose event it is: the tenant to store it under, and whether its handlers run for that tenant."""

    tenant_id: int | None
    handle: bool
    reason: str = ""  # why it is not handled


class _AlreadyStored(Exception):
    """The event row exists (a concurrent delivery inserted it first)."""


def receive_stripe_event(payload: bytes, signature: str, tenant_slug: str | None = None) -> WebhookAnswer:
    """Verify, store once and handle one delivery of a Stripe event (the module docstring says how)."""
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
    try:
        with unit_of_work() as session:
            return _store_and_handle(session, event, json.loads(payload), digest, route_tenant)
    except _AlreadyStored:
        return _duplicate(event, digest)
    except Exception as error:
        log.exception("Stripe event %s (%s) failed; Stripe will deliver it again", event.id, event.type)
        _record_failure(event, json.loads(payload), digest, route_tenant, error)
        return WebhookAnswer(500, "failed", "The event could not be handled; it will be retried.")


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


def _store_and_handle(
    session: Session, event: WebhookEvent, payload: dict[str, Any], digest: str, route_tenant: int | None
) -> WebhookAnswer:
    events = InboundEventLog(session)
    stored = events.lock(PaymentProcessor.STRIPE, event.id)
    if stored is not None and stored.result != WebhookResult.FAILED:
        raise _AlreadyStored
    routing = route_event(session, event, route_tenant)
    now = clock.now()
    if stored is None:
        try:
            stored = events.add(_row(event, payload, digest, routing.tenant_id))
        except IntegrityError:
            raise _AlreadyStored from None
    else:  # failed before: handled again now, as the delivery that failed would have been
        stored.payload, stored.payload_sha256, stored.tenant_id = payload, digest, routing.tenant_id
    note = None
    if routing.handle and routing.tenant_id is not None:
        context = EventContext(session, TenantScope(routing.tenant_id), event, now, processor="stripe")
        note = dispatch(context)
    stored.result = WebhookResult.PROCESSED if note else WebhookResult.IGNORED
    stored.error = (note or routing.reason or f"no handler takes {event.type}")[:MAX_ERROR_LENGTH]
    stored.processed_at = now
    session.flush()
    return WebhookAnswer(200, str(stored.result), stored.error)


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


def _row(
    event: WebhookEvent, payload: dict[str, Any], digest: str, tenant_id: int | None
) -> InboundWebhookEvent:
    return InboundWebhookEvent(
        tenant_id=tenant_id,
        processor=PaymentProcessor.STRIPE,
        event_id=event.id,
        event_type=event.type[:100],
        payload_sha256=digest,
        payload=payload,
    )


def _duplicate(event: WebhookEvent, digest: str) -> WebhookAnswer:
    """A delivery of an event stored before: 200, nothing done; another body under its id is logged."""
    with unit_of_work() as session:
        stored = InboundEventLog(session).lock(PaymentProcessor.STRIPE, event.id)
        earlier = stored.payload_sha256 if stored is not None else digest
    if earlier != digest:
        log.warning("Stripe event %s delivered again with another body (conflict); ignored", event.id)
        return WebhookAnswer(200, "duplicate", "already received, with another body: ignored (conflict)")
    return WebhookAnswer(200, "duplicate", "already received")


def _record_failure(
    event: WebhookEvent, payload: dict[str, Any], digest: str, route_tenant: int | None, error: Exception
) -> None:
    """After the rollback: keep the failure visible (result `failed`, the error), unless another
    delivery handled the event meanwhile. A redelivery handles a failed event again."""
    message = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
    try:
        with unit_of_work() as session:
            events = InboundEventLog(session)
            stored = events.lock(PaymentProcessor.STRIPE, event.id)
            if stored is None:
                tenant_id = route_event(session, event, route_tenant).tenant_id
                stored = _row(event, payload, digest, tenant_id)
                with session.begin_nested():
                    events.add(stored)
            if stored.result in (WebhookResult.PENDING, WebhookResult.FAILED):
                stored.result, stored.error, stored.processed_at = WebhookResult.FAILED, message, clock.now()
    except Exception:
        log.exception("the failure of Stripe event %s was not recorded", event.id)
