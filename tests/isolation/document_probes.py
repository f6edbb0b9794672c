"""The isolation tables of the documents domain: tenant B's scope on tenant A's invoices and credit
notes (A's world renders no document: the simulation skips rendering, so A's are all pending)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, SQLModel

from backend.documents import service as documents
from backend.documents import tasks as document_tasks
from backend.documents.repository import DocumentAlarmRepository, IssuedDocumentRepository
from backend.kit.coordination import IdRange
from backend.kit.errors import NotFoundError
from backend.models import CreditNote, DocumentKind, Invoice, InvoiceStatus
from tests.isolation.probes import Check, Probe, Raises, equals, nothing
from tests.isolation.repository_probes import EVERY_ID, R, row
from tests.isolation.world import LOST_INVOICE, NOW, Side


def ids_of_b(model: type[SQLModel]) -> Check:
    """A list of ids of B's own `model` rows (possibly empty)."""

    def check(result: Any, b: Side, session: Session) -> None:
        assert isinstance(result, list), result
        owners = {session.get(model, object_id).tenant_id for object_id in result}  # type: ignore[union-attr]
        assert owners <= {b.tenant_id}, f"tenant B got ids of another tenant's {model.__name__}"

    return check


def invoice_number(session: Session, a: Side) -> str:
    return str(row(session, Invoice, a.issued_invoice).number)


def credit_note_number(session: Session, a: Side) -> str:
    return str(row(session, CreditNote, a.credit_note_id).number)


def units_of_b(result: Any, b: Side, session: Session) -> None:
    """Exactly the units of B's own pending documents (computed here from B's rows)."""
    invoices = session.scalars(
        select(Invoice.id).where(
            Invoice.tenant_id == b.tenant_id, Invoice.status != InvoiceStatus.DRAFT, Invoice.pdf_sha256 == ""
        )
    )
    notes = session.scalars(
        select(CreditNote.id).where(CreditNote.tenant_id == b.tenant_id, CreditNote.pdf_sha256 == "")
    )
    expected = [f"invoice/{IdRange.holding(i).key}" for i in sorted({i // 500 * 500 for i in invoices if i})]
    expected += [
        f"credit_note/{IdRange.holding(i).key}" for i in sorted({i // 500 * 500 for i in notes if i})
    ]
    assert result == expected, f"tenant B got units {result!r}"


def rendered_only_b(result: Any, b: Side, session: Session) -> None:
    """B rendered its own issued invoices of the unit's range (the call returns the count and the
    range), nothing else."""
    rendered, ids = result
    own = session.scalars(
        select(Invoice.id).where(
            Invoice.tenant_id == b.tenant_id,
            Invoice.status != InvoiceStatus.DRAFT,
            Invoice.id.between(ids.first, ids.last),  # type: ignore[union-attr]
        )
    ).all()
    assert rendered == len(own), f"tenant B rendered {rendered} documents, owns {len(own)} in the range"


DOCUMENT_REPOSITORY_PROBES: list[Probe] = [
    R(IssuedDocumentRepository.invoice_by_number, lambda s, me, a: (invoice_number(s, a),)),
    R(IssuedDocumentRepository.credit_note_by_number, lambda s, me, a: (credit_note_number(s, a),)),
    R(IssuedDocumentRepository.invoice_lines, lambda s, me, a: (a.issued_invoice,)),
    R(IssuedDocumentRepository.credit_note_lines, lambda s, me, a: (a.credit_note_id,)),
    R(IssuedDocumentRepository.customer_number, lambda s, me, a: (a.customer_id,), equals(lambda b: "")),
    R(IssuedDocumentRepository.invoices_without_document, lambda s, me, a: EVERY_ID, ids_of_b(Invoice)),
    R(
        IssuedDocumentRepository.credit_notes_without_document,
        lambda s, me, a: EVERY_ID,
        ids_of_b(CreditNote),
    ),
    R(IssuedDocumentRepository.lock_invoice, lambda s, me, a: (a.issued_invoice,)),
    R(IssuedDocumentRepository.lock_credit_note, lambda s, me, a: (a.credit_note_id,)),
    R(IssuedDocumentRepository.set_invoice_document, lambda s, me, a: (a.issued_invoice, "k.pdf", "0" * 64)),
    R(
        IssuedDocumentRepository.set_credit_note_document,
        lambda s, me, a: (a.credit_note_id, "k.pdf", "0" * 64),
    ),
    # A has an alarm about a lost invoice (tests/isolation/world.py).
    R(DocumentAlarmRepository.for_document, lambda s, me, a: (DocumentKind.INVOICE, LOST_INVOICE)),
    R(DocumentAlarmRepository.open_alarms),
]

DOCUMENT_OPERATION_PROBES: list[Probe] = [
    Probe(
        documents.render_invoice_document,
        lambda s, me, a: documents.render_invoice_document(s, me.scope, a.issued_invoice),
        nothing,
    ),
    Probe(
        documents.render_credit_note_document,
        lambda s, me, a: documents.render_credit_note_document(s, me.scope, a.credit_note_id),
        nothing,
    ),
    Probe(
        documents.invoice_pdf,
        lambda s, me, a: documents.invoice_pdf(s, me.scope, me.actor, invoice_number(s, a)),
        Raises(NotFoundError),
    ),
    Probe(
        documents.credit_note_pdf,
        lambda s, me, a: documents.credit_note_pdf(s, me.scope, me.actor, credit_note_number(s, a)),
        Raises(NotFoundError),
    ),
    Probe(documents.open_alarms, lambda s, me, a: documents.open_alarms(s, me.scope, me.actor), nothing),
    # B finds only its own pending documents, and the unit holding A's invoice renders only B's.
    Probe(
        document_tasks.find_document_units,
        lambda s, me, a: document_tasks.find_document_units(s, me.scope, NOW),
        units_of_b,
    ),
    Probe(
        document_tasks.run_document_unit,
        lambda s, me, a: (
            document_tasks.run_document_unit(s, me.scope, f"invoice/{_ids(a).key}", NOW),
            _ids(a),
        ),
        rendered_only_b,
    ),
]


def _ids(a: Side) -> IdRange:
    """The unit's id range holding A's issued invoice (B's own invoices may lie in it too)."""
    return IdRange.holding(a.issued_invoice)
