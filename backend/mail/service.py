"""Queueing mail: a request becomes a delivery row in the caller's transaction (SPEC §7).

Nothing is sent here. The `mail_delivery` coordinator (backend/mail/tasks.py) sends queued
deliveries after the caller committed, so no mail announces a change that was rolled back, and a
delivery whose dedupe key exists already is not queued again.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend import clock
from backend.integrations.branding import brand
from backend.integrations.mail import MailBatch, Message
from backend.integrations.storage import DocumentStore, StorageKeyError
from backend.kit.errors import NotFoundError
from backend.kit.pagination import Page
from backend.kit.policy import Action, Actor, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.mail.errors import MailRequestInvalid
from backend.mail.rendering import MailBrand, brand_from_settings, choose_language, render_mail
from backend.mail.repository import MailDeliveryRepository
from backend.mail.schemas import (
    CONTEXT_KEYS,
    SECRET_KEYS,
    SECRET_LINK_KINDS,
    DeliveryView,
    MailKind,
    MailRequest,
)
from backend.models import MailDelivery, MailStatus
from backend.settings import Settings, get_settings
from backend.tenancy.settings_rules import sender_of

MESSAGE_ID_DOMAIN = "billing-console"


def mail_brand(session: Session, scope: TenantScope, settings: Settings | None = None) -> MailBrand:
    """The tenant's name, console address, brand colour and logo."""
    base = brand(session, scope, settings or get_settings())
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    return brand_from_settings(base.name, base.base_url, tenant.settings if tenant else {})


def mail_sender(session: Session, scope: TenantScope) -> tuple[str, str]:
    """The name and address the tenant's mails come from ("" where the deployment's applies)."""
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    return sender_of(tenant.settings if tenant else {})


def mail_language(
    session: Session, scope: TenantScope, requested: str | None, customer_id: int | None
) -> str:
    country = MailDeliveryRepository(session, scope).customer_country(customer_id) if customer_id else None
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    return choose_language(requested, country, (tenant.settings if tenant else {}).get("language"))


def _message_id(scope: TenantScope) -> str:
    """A Message-ID of its own per delivery, fixed when it is recorded."""
    return f"<{uuid.uuid4().hex}.{scope.tenant_id}@{MESSAGE_ID_DOMAIN}>"


def check_request(request: MailRequest) -> None:
    """Refuse a request that could never be sent: unknown kind, bad address, a context key the
    templates need missing, a context that is not JSON, an attachment key outside the store."""
    if not isinstance(request.kind, MailKind):
        raise MailRequestInvalid(f"Unknown mail kind {request.kind!r}.")
    address = request.to.strip()
    if not address or "@" not in address or len(address) > 254 or any(c in address for c in "\r\n,;"):
        raise MailRequestInvalid(f"Not a single email address: {request.to!r}.")
    missing = [key for key in CONTEXT_KEYS[request.kind] if key not in request.context]
    if missing:
        raise MailRequestInvalid(f"A {request.kind.value} mail needs {', '.join(missing)} in its context.")
    try:
        json.dumps(dict(request.context))
    except (TypeError, ValueError) as error:
        raise MailRequestInvalid(f"The mail context must be JSON (strings, numbers): {error}") from error
    for attachment in request.attachments:
        try:
            DocumentStore(Path(".")).path(attachment.document_key)
        except StorageKeyError as error:
            raise MailRequestInvalid(str(error)) from error
        if not attachment.filename or "/" in attachment.filename:
            raise MailRequestInvalid(f"Not an attachment file name: {attachment.filename!r}.")
    if request.dedupe_key is not None and not 0 < len(request.dedupe_key) <= 200:
        raise MailRequestInvalid("A dedupe key has 1 to 200 characters.")


def queue_mail(session: Session, scope: TenantScope, request: MailRequest) -> MailDelivery | None:
    """Record a queued delivery of `request` in the caller's transaction and return it; None when
    a delivery with the same dedupe key exists in this tenant (asked twice is sent once).

    The mail is rendered once here, so a template error surfaces to the caller, and its subject and
    language are recorded; the sending job renders it again from the recorded context.
    """
    check_request(request)
    deliveries = MailDeliveryRepository(session, scope)
    if request.customer_id is not None and not deliveries.has_customer(request.customer_id):
        raise NotFoundError("Customer not found.")
    if request.dedupe_key is not None and deliveries.by_dedupe_key(request.dedupe_key) is not None:
        return None
    language = mail_language(session, scope, request.language, request.customer_id)
    rendered = render_mail(request.kind, language, request.context, mail_brand(session, scope))
    delivery = MailDelivery(
        customer_account_id=request.customer_id,
        to=request.to.strip(),
        kind=request.kind,
        subject=rendered.subject,
        language=language,
        context=dict(request.context),
        attachments=[
            {"filename": a.filename, "content_type": a.content_type, "document_key": a.document_key}
            for a in request.attachments
        ],
        dedupe_key=request.dedupe_key,
        message_id=_message_id(scope),
    )
    try:
        # A concurrent request with the same dedupe key may win the race: then this one is a no-op.
        with session.begin_nested():
            deliveries.add(delivery)
    except IntegrityError:
        if request.dedupe_key is None:
            raise
        return None
    return delivery


def account_mail(
    session: Session,
    scope: TenantScope,
    batch: MailBatch,
    kind: MailKind,
    to: str,
    context: dict[str, Any],
    *,
    customer_id: int | None = None,
) -> MailDelivery:
    """An account mail (a confirmation code, a reset link, an invitation): the person waits for it
    on the page, so it goes out right after the caller commits, from `batch`
    (`backend.mail.tasks.send_account_mails` sends and settles it). It is rendered from the
    templates now and recorded as a delivery `sending` whose context keeps no code, token or link
    carrying one: the record shows what was sent, never how to use it."""
    request = MailRequest(kind=kind, to=to, customer_id=customer_id, context=context)
    check_request(request)
    deliveries = MailDeliveryRepository(session, scope)
    if customer_id is not None and not deliveries.has_customer(customer_id):
        raise NotFoundError("Customer not found.")
    language = mail_language(session, scope, None, customer_id)
    rendered = render_mail(kind, language, context, mail_brand(session, scope))
    secret = SECRET_KEYS | ({"link"} if kind in SECRET_LINK_KINDS else set())
    delivery = deliveries.add(
        MailDelivery(
            customer_account_id=customer_id,
            to=request.to.strip(),
            kind=kind,
            subject=rendered.subject,
            language=language,
            context={key: value for key, value in context.items() if key not in secret},
            status=MailStatus.SENDING,
            attempts=1,
            message_id=_message_id(scope),
        )
    )
    from_name, from_address = mail_sender(session, scope)
    batch.queue(
        Message(
            to=delivery.to,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=delivery.message_id,
            from_name=from_name,
            from_address=from_address,
        )
    )
    batch.receipts.append((scope.tenant_id, delivery.message_id))
    return delivery


def settle_account_mails(session: Session, receipts: list[tuple[int, str]], outcomes: dict[str, str]) -> int:
    """Record how the account mails of a batch went: sent, or failed with the error (a message
    never tried stays `sending`). Returns how many were settled."""
    settled = 0
    for tenant_id, message_id in receipts:
        if message_id not in outcomes:
            continue
        delivery = MailDeliveryRepository(session, TenantScope(tenant_id)).by_message_id(message_id)
        if delivery is None or delivery.status != MailStatus.SENDING:
            continue
        error = outcomes[message_id]
        delivery.status = MailStatus.FAILED if error else MailStatus.SENT
        delivery.last_error = error
        delivery.sent_at = None if error else clock.now()
        session.add(delivery)
        settled += 1
    session.flush()
    return settled


def already_queued(session: Session, scope: TenantScope, dedupe_keys: list[str]) -> set[str]:
    """The dedupe keys among `dedupe_keys` that were queued before (coordinators skip those)."""
    return MailDeliveryRepository(session, scope).existing_dedupe_keys(dedupe_keys)


def customer_deliveries(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    customer_account_id: int,
    *,
    limit: int = 20,
    starting_after: int | None = None,
) -> Page[DeliveryView]:
    """A customer's deliveries, newest first (admins: part of the customer's file)."""
    authorize(actor, scope, Action.READ_CUSTOMERS)
    page = MailDeliveryRepository(session, scope).of_customer(
        customer_account_id, limit=limit, starting_after=starting_after
    )
    return page.map(_view)


def _view(delivery: MailDelivery) -> DeliveryView:
    assert delivery.id is not None
    return DeliveryView(
        id=delivery.id,
        to=delivery.to,
        kind=delivery.kind.value,
        subject=delivery.subject,
        status=delivery.status.value,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        message_id=delivery.message_id,
        created_at=delivery.created_at,
        sent_at=delivery.sent_at,
    )
