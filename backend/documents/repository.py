"""Every query of the documents domain, tenant-scoped through kit's base repository.

Documents read the issued invoices and credit notes (invoicing's tables) and write only their
document fields (storage key and hash, once) and the alarms.
"""

from __future__ import annotations

from sqlalchemy import select, update

from backend.kit.repository import TenantRepository
from backend.models import (
    CreditNote,
    CreditNoteLine,
    CustomerAccount,
    DocumentAlarm,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)


class IssuedDocumentRepository(TenantRepository[Invoice]):
    """Issued invoices and credit notes as the documents domain reads them."""

    model = Invoice

    def invoice_by_number(self, number: str) -> Invoice | None:
        statement = self.select().where(Invoice.number == number, Invoice.status != InvoiceStatus.DRAFT)
        return self.session.scalars(statement).first()

    def credit_note_by_number(self, number: str) -> CreditNote | None:
        statement = self.scoped(
            select(CreditNote).where(CreditNote.number == number), CreditNote, own_model=False
        )
        return self.session.scalars(statement).first()

    def invoice_lines(self, invoice_id: int) -> list[InvoiceLine]:
        statement = self.scoped(
            select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.position),
            InvoiceLine,
            own_model=False,
        )
        return list(self.session.scalars(statement))

    def credit_note_lines(self, credit_note_id: int) -> list[CreditNoteLine]:
        statement = self.scoped(
            select(CreditNoteLine)
            .where(CreditNoteLine.credit_note_id == credit_note_id)
            .order_by(CreditNoteLine.position),
            CreditNoteLine,
            own_model=False,
        )
        return list(self.session.scalars(statement))

    def customer_number(self, customer_account_id: int) -> str:
        statement = self.scoped(
            select(CustomerAccount.number).where(CustomerAccount.id == customer_account_id),
            CustomerAccount,
            own_model=False,
        )
        return str(self.session.scalars(statement).first() or "")

    def invoices_without_document(self, first_id: int, last_id: int) -> list[int]:
        """Issued invoices (any status but draft) in the id range that have no document yet."""
        statement = (
            self.select()
            .with_only_columns(Invoice.id)
            .where(
                Invoice.id.between(first_id, last_id),  # type: ignore[union-attr]
                Invoice.status != InvoiceStatus.DRAFT,
                Invoice.pdf_sha256 == "",
            )
            .order_by(Invoice.id)
        )
        return [int(row) for row in self.session.scalars(statement)]

    def credit_notes_without_document(self, first_id: int, last_id: int) -> list[int]:
        statement = self.scoped(
            select(CreditNote.id)
            .where(
                CreditNote.id.between(first_id, last_id),  # type: ignore[union-attr]
                CreditNote.issued_at.is_not(None),  # type: ignore[union-attr]
                CreditNote.pdf_sha256 == "",
            )
            .order_by(CreditNote.id),
            CreditNote,
            own_model=False,
        )
        return [int(row) for row in self.session.scalars(statement)]

    def lock_invoice(self, invoice_id: int) -> Invoice | None:
        """The invoice, locked until commit: two renderers of one invoice queue behind each other."""
        return self.session.scalars(self.select().where(Invoice.id == invoice_id).with_for_update()).first()

    def lock_credit_note(self, credit_note_id: int) -> CreditNote | None:
        statement = self.scoped(
            select(CreditNote).where(CreditNote.id == credit_note_id).with_for_update(),
            CreditNote,
            own_model=False,
        )
        return self.session.scalars(statement).first()

    def set_invoice_document(self, invoice_id: int, key: str, sha256: str) -> bool:
        """Record the document of an invoice that has none; False when it already had one."""
        statement = self.scoped(
            update(Invoice)
            .where(Invoice.id == invoice_id, Invoice.pdf_sha256 == "")
            .values(pdf_storage_key=key, pdf_sha256=sha256)
            .execution_options(synchronize_session="fetch")
        )
        return bool(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def set_credit_note_document(self, credit_note_id: int, key: str, sha256: str) -> bool:
        statement = self.scoped(
            update(CreditNote)
            .where(CreditNote.id == credit_note_id, CreditNote.pdf_sha256 == "")
            .values(pdf_storage_key=key, pdf_sha256=sha256)
            .execution_options(synchronize_session="fetch"),
            CreditNote,
            own_model=False,
        )
        return bool(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]


class DocumentAlarmRepository(TenantRepository[DocumentAlarm]):
    model = DocumentAlarm

    def for_document(self, kind: DocumentKind, number: str) -> DocumentAlarm | None:
        statement = self.select().where(
            DocumentAlarm.document_kind == kind, DocumentAlarm.document_number == number
        )
        return self.session.scalars(statement).first()

    def open_alarms(self, limit: int = 50) -> list[DocumentAlarm]:
        statement = (
            self.select()
            .where(DocumentAlarm.resolved_at.is_(None))  # type: ignore[union-attr]
            .order_by(DocumentAlarm.raised_at.desc(), DocumentAlarm.id.desc())  # type: ignore[attr-defined,union-attr]
            .limit(limit)
        )
        return list(self.session.scalars(statement))
