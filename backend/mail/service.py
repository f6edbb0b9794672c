"""Queueing mail: a request becomes a delivery row in the caller's transaction (SPEC §7).

Nothing is sent here. The `mail_delivery` coordinator (backend/mail/tasks.py) sends queued
deliveries after the caller committed, so no mail announces a change that was rolled back, and a
delivery whose dedupe key exists already is not queued again.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.integrations.branding import brand
from backend.integrations.storage import DocumentStore, StorageKeyError
from backend.kit.pagination import Page
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.mail.errors import MailRequestInvalid
from backend.mail.rendering import MailBrand, brand_from_settings, choose_language, render_mail
from backend.mail.repository import MailDeliveryRepository
from backend.mail.schemas import CONTEXT_KEYS, DeliveryView, MailKind, MailRequest
from backend.models import MailDelivery
from backend.settings import Settings, get_settings

MESSAGE_ID_DOMAIN = "billing-console"


def mail_brand(session: Session, scope: TenantScope, settings: Settings | None = None) -> MailBrand:
    """The tenant's name, console address, brand colour and logo."""
    base = brand(session, scope, settings or get_settings())
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    return brand_from_settings(base.name, base.base_url, tenant.settings if tenant else {})


def mail_language(
    session: Session, scope: TenantScope, requested: str | None, customer_id: int | None
) -> str:
    country = MailDeliveryRepository(session, scope).customer_country(customer_id) if customer_id else None
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    return choose_language(requested, country, (tenant.settings if tenant else {}).get("language"))


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
        message_id=f"<{uuid.uuid4().hex}.{scope.tenant_id}@{MESSAGE_ID_DOMAIN}>",
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


def customer_deliveries(
    session: Session,
    scope: TenantScope,
    customer_account_id: int,
    *,
    limit: int = 20,
    starting_after: int | None = None,
) -> Page[DeliveryView]:
    """A customer's deliveries, newest first, for the admin customer page."""
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
