"""The document rendering coordinator: every issued invoice and credit note without a document gets
one (queue `documents`), soon after it was issued (the rules are in service.py)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from backend.documents.repository import IssuedDocumentRepository
from backend.documents.service import render_credit_note_document, render_invoice_document
from backend.kit.coordination import Coordinator, IdRange, unit_keys
from backend.kit.repository import TenantScope

log = logging.getLogger(__name__)
# Unit keys: "invoice/ids:0-499", "credit_note/ids:0-499".
_KINDS = ("invoice", "credit_note")


def find_document_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    documents = IssuedDocumentRepository(session, scope)
    everything = (0, 2**62)
    return [
        *(f"invoice/{key}" for key in unit_keys(documents.invoices_without_document(*everything))),
        *(f"credit_note/{key}" for key in unit_keys(documents.credit_notes_without_document(*everything))),
    ]


def run_document_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Render the missing documents of one id range; a second run finds their hashes and renders
    nothing. A document that fails to render is logged and left pending (the next run tries it
    again) without holding back the others of its range; the unit fails only if none rendered."""
    kind, _, span = key.partition("/")
    if kind not in _KINDS:
        raise ValueError(f"not a document unit key: {key!r}")
    ids = IdRange.parse(span)
    documents = IssuedDocumentRepository(session, scope)
    if kind == "invoice":
        pending = documents.invoices_without_document(ids.first, ids.last)
        render = render_invoice_document
    else:
        pending = documents.credit_notes_without_document(ids.first, ids.last)
        render = render_credit_note_document
    rendered, failure = 0, None
    for object_id in pending:
        try:
            with session.begin_nested():  # a failed document leaves nothing of itself behind
                rendered += render(session, scope, object_id)
        except Exception as error:  # one bad document must not hold back the others
            log.exception("could not render the document of %s %s", kind, object_id)
            failure = error
    if failure is not None and not rendered:
        raise failure
    return rendered


DOCUMENT_RENDERING = Coordinator(
    name="document_rendering",
    queue="documents",
    description="Render the PDF (with Factur-X) of every issued invoice and credit note once",
    find_units=find_document_units,
    run_unit=run_document_unit,
    interval_seconds=60,
    simulated=False,
)
