"""Issued documents: rendered once, stored with their hash, rebuilt when lost (SPEC §7).

- The first render of an invoice or credit note freezes its presentation (language, time zone,
  logo, colour) into the invoice's issuer snapshot, stores the PDF under DOCUMENT_STORAGE_PATH and
  records the storage key and sha256 on the row. A document that has a hash is never rendered as
  new again: a second job, a retry or a concurrent worker finds the hash and does nothing.
- A stored file that is missing (or no longer matches its hash) is rebuilt from the snapshot. The
  rebuild must hash equal to what was issued; otherwise nothing is served and a `DocumentAlarm` is
  raised for the admin overview (the snapshot or the renderer changed since issue).
- Downloads are for the owner customer account or an admin of the tenant; to anyone else the
  document does not exist (404).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC

from sqlmodel import Session

from backend.documents.announcements import announce_credit_note, announce_invoice
from backend.documents.content import (
    PRESENTATION,
    DocumentContent,
    credit_note_content,
    invoice_content,
    presentation,
)
from backend.documents.errors import DocumentNotFound
from backend.documents.rendering import render_pdf
from backend.documents.repository import DocumentAlarmRepository, IssuedDocumentRepository
from backend.documents.schemas import DocumentAlarmView
from backend.integrations.storage import DocumentStore
from backend.kit.errors import NotFoundError, PermissionDenied
from backend.kit.policy import Action, Actor, Role, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import CreditNote, DocumentAlarm, DocumentKind, Invoice
from backend.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DocumentFile:
    number: str
    filename: str
    content: bytes | None  # None: lost, and its rebuild did not match (an alarm is raised)


def document_store() -> DocumentStore:
    return DocumentStore(get_settings().document_storage_path)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _storage_key(scope: TenantScope, folder: str, number: str) -> str:
    """`tenant-1/invoices/INV-2026-00001.pdf`: a tenant's files never share a folder with another's."""
    return f"tenant-{scope.tenant_id}/{folder}/{number}.pdf"


def render_invoice_document(
    session: Session, scope: TenantScope, invoice_id: int, *, store: DocumentStore | None = None
) -> bool:
    """Render and store the document of an issued invoice that has none; True when it did.

    The invoice row is locked first, so a concurrent job waits and then finds the hash."""
    store = store or document_store()
    documents = IssuedDocumentRepository(session, scope)
    invoice = documents.lock_invoice(invoice_id)
    if invoice is None or invoice.id is None or not invoice.number or invoice.pdf_sha256:
        return False
    content = _invoice_content(session, scope, invoice, freeze=True)
    data = render_pdf(content)
    key = _storage_key(scope, "invoices", invoice.number)
    store.put(key, data)
    documents.set_invoice_document(invoice.id, key, sha256(data))
    announce_invoice(session, scope, invoice, key, _presentation(session, scope, invoice, freeze=False))
    session.flush()
    return True


def render_credit_note_document(
    session: Session, scope: TenantScope, credit_note_id: int, *, store: DocumentStore | None = None
) -> bool:
    """Render and store the document of a credit note that has none; True when it did."""
    store = store or document_store()
    documents = IssuedDocumentRepository(session, scope)
    note = documents.lock_credit_note(credit_note_id)
    if note is None or note.id is None or note.pdf_sha256:
        return False
    content = _credit_note_content(session, scope, note, freeze=True)
    data = render_pdf(content)
    key = _storage_key(scope, "credit-notes", note.number)
    store.put(key, data)
    documents.set_credit_note_document(note.id, key, sha256(data))
    invoice = documents.get(note.invoice_id)
    if invoice is not None:
        announce_credit_note(
            session, scope, note, invoice, key, _presentation(session, scope, invoice, freeze=False)
        )
    session.flush()
    return True


def invoice_pdf(
    session: Session, scope: TenantScope, actor: Actor, number: str, *, store: DocumentStore | None = None
) -> DocumentFile:
    """The PDF of invoice `number` for its owner or an admin (anyone else: not found). Rendered
    now if the job has not come to it yet; rebuilt if its file was lost."""
    with _hidden_from_customers(actor, "Invoice not found."):
        authorize(actor, scope, Action.DOWNLOAD_INVOICE_PDF, owner_account_id=actor.customer_account_id)
    documents = IssuedDocumentRepository(session, scope)
    invoice = documents.invoice_by_number(number.strip().upper())
    if invoice is None or invoice.id is None:
        raise NotFoundError("Invoice not found.")
    with _hidden_from_customers(actor, "Invoice not found."):
        authorize(actor, scope, Action.DOWNLOAD_INVOICE_PDF, owner_account_id=invoice.customer_account_id)
    store = store or document_store()
    if not invoice.pdf_sha256:
        render_invoice_document(session, scope, invoice.id, store=store)
    return _stored_or_rebuilt(
        session, scope, store, DocumentKind.INVOICE, str(invoice.number), invoice.pdf_storage_key,
        invoice.pdf_sha256, lambda: _invoice_content(session, scope, invoice, freeze=False),
    )  # fmt: skip


def credit_note_pdf(
    session: Session, scope: TenantScope, actor: Actor, number: str, *, store: DocumentStore | None = None
) -> DocumentFile:
    """The PDF of credit note `number`, for the owner of its invoice or an admin."""
    with _hidden_from_customers(actor, "Credit note not found."):
        authorize(actor, scope, Action.DOWNLOAD_INVOICE_PDF, owner_account_id=actor.customer_account_id)
    documents = IssuedDocumentRepository(session, scope)
    note = documents.credit_note_by_number(number.strip().upper())
    invoice = documents.get(note.invoice_id) if note is not None else None
    if note is None or note.id is None or invoice is None:
        raise NotFoundError("Credit note not found.")
    with _hidden_from_customers(actor, "Credit note not found."):
        authorize(actor, scope, Action.DOWNLOAD_INVOICE_PDF, owner_account_id=invoice.customer_account_id)
    store = store or document_store()
    if not note.pdf_sha256:
        render_credit_note_document(session, scope, note.id, store=store)
    return _stored_or_rebuilt(
        session, scope, store, DocumentKind.CREDIT_NOTE, note.number, note.pdf_storage_key,
        note.pdf_sha256, lambda: _credit_note_content(session, scope, note, freeze=False),
    )  # fmt: skip


def open_alarms(session: Session, scope: TenantScope, actor: Actor) -> list[DocumentAlarmView]:
    """The documents that could not be restored as issued, newest first, for the admin overview."""
    authorize(actor, scope, Action.READ_OVERVIEW)
    folders = {DocumentKind.INVOICE: "invoices", DocumentKind.CREDIT_NOTE: "credit-notes"}
    return [
        DocumentAlarmView(
            kind="Credit note" if alarm.document_kind == DocumentKind.CREDIT_NOTE else "Invoice",
            number=alarm.document_number,
            raised_at=alarm.raised_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            storage_key=_storage_key(
                scope, folders.get(alarm.document_kind, "invoices"), alarm.document_number
            ),
            expected_sha256=alarm.expected_sha256,
            actual_sha256=alarm.actual_sha256,
        )
        for alarm in DocumentAlarmRepository(session, scope).open_alarms()
    ]


@contextmanager
def _hidden_from_customers(actor: Actor, missing: str) -> Iterator[None]:
    """The policy is asked before the lookup (may the actor download their own at all?) and again
    with the document's owner. A refused customer is told the document does not exist, so a
    stranger cannot even learn that a number is taken."""
    try:
        yield
    except PermissionDenied as refused:
        if actor.role == Role.CUSTOMER:
            raise DocumentNotFound(missing) from refused
        raise


def _stored_or_rebuilt(
    session: Session,
    scope: TenantScope,
    store: DocumentStore,
    kind: DocumentKind,
    number: str,
    key: str,
    expected: str,
    content: Callable[[], DocumentContent],
) -> DocumentFile:
    filename = f"{number}.pdf"
    if store.exists(key):
        data = store.read(key)
        if sha256(data) == expected:
            return DocumentFile(number, filename, data)
    rebuilt = render_pdf(content())
    actual = sha256(rebuilt)
    if actual == expected:
        store.put(key, rebuilt)
        log.warning("restored the lost document %s from its snapshot", number)
        return DocumentFile(number, filename, rebuilt)
    alarms = DocumentAlarmRepository(session, scope)
    if alarms.for_document(kind, number) is None:
        alarms.add(
            DocumentAlarm(
                document_kind=kind, document_number=number, expected_sha256=expected, actual_sha256=actual
            )
        )
    log.error("document %s is lost and its rebuild hashes %s, not %s", number, actual, expected)
    return DocumentFile(number, filename, None)


def _invoice_content(
    session: Session, scope: TenantScope, invoice: Invoice, *, freeze: bool
) -> DocumentContent:
    documents = IssuedDocumentRepository(session, scope)
    assert invoice.id is not None
    shown = _presentation(session, scope, invoice, freeze=freeze)
    customer = documents.customer_number(invoice.customer_account_id)
    return invoice_content(invoice, documents.invoice_lines(invoice.id), customer, shown)


def _credit_note_content(
    session: Session, scope: TenantScope, note: CreditNote, *, freeze: bool
) -> DocumentContent:
    documents = IssuedDocumentRepository(session, scope)
    invoice = documents.get(note.invoice_id)
    if invoice is None or note.id is None:
        raise NotFoundError("Credit note not found.")
    shown = _presentation(session, scope, invoice, freeze=freeze)
    customer = documents.customer_number(invoice.customer_account_id)
    return credit_note_content(note, documents.credit_note_lines(note.id), invoice, customer, shown)


def _presentation(session: Session, scope: TenantScope, invoice: Invoice, *, freeze: bool) -> dict[str, str]:
    """The invoice's frozen presentation; the first render decides it and stores it (a credit
    note rendered first freezes it on its invoice, so both look alike)."""
    frozen = (invoice.issuer_snapshot or {}).get(PRESENTATION)
    if frozen:
        return dict(frozen)
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    if tenant is None:
        raise NotFoundError("Tenant not found.")
    shown = presentation(invoice, tenant)
    if freeze:
        invoice.issuer_snapshot = {**(invoice.issuer_snapshot or {}), PRESENTATION: shown}
        session.flush()
    return shown
