"""The first render queues the invoice mail with the stored PDF attached; a second job queues none."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from backend.integrations.storage import DocumentStore
from backend.invoicing import service as invoicing
from backend.models import MailDelivery, MailKind
from backend.scheduling import simulation
from tests.billing.world import World
from tests.documents.issued import issue_invoice, render_all
from tests.mail.conftest import RecordingHandler


def deliveries(world: World) -> list[MailDelivery]:
    statement = (
        select(MailDelivery).where(MailDelivery.tenant_id == world.scope.tenant_id).order_by(MailDelivery.id)
    )
    return list(world.session.scalars(statement))


def test_the_invoice_mail_is_queued_once_with_the_pdf(world: World, store: DocumentStore) -> None:
    issued = issue_invoice(world, country="DE", business=False)
    render_all(world)
    render_all(world)
    [mail] = [d for d in deliveries(world) if d.kind == MailKind.INVOICE_ISSUED]
    invoice = issued.invoice
    assert (
        mail.to == issued.invoice.buyer_snapshot["email"] and mail.customer_account_id == issued.customer.id
    )
    assert mail.attachments == [
        {
            "filename": f"{invoice.number}.pdf",
            "content_type": "application/pdf",
            "document_key": invoice.pdf_storage_key,
        }
    ]
    assert store.exists(invoice.pdf_storage_key)
    assert mail.context["invoice_number"] == invoice.number
    assert mail.context["total"] == str(invoice.gross) and mail.context["currency"] == "EUR"
    assert mail.language == "de"  # the document's language: a buyer in Germany


def test_a_credit_note_mail_goes_with_the_credit_note_document(world: World, store: DocumentStore) -> None:
    issued = issue_invoice(world, country="US", business=False)
    assert issued.invoice.id is not None
    note = invoicing.void_invoice(
        world.session, world.scope, issued.invoice.id, "Duplicate", world.now, actor=world.admin
    )
    render_all(world)
    [mail] = [d for d in deliveries(world) if d.kind == MailKind.CREDIT_NOTE]
    assert mail.context["credit_note_number"] == note.number
    assert mail.context["invoice_number"] == issued.invoice.number
    assert [a["document_key"] for a in mail.attachments] == [note.pdf_storage_key]
    assert mail.language == "en"


def test_the_issued_invoice_arrives_by_smtp_with_the_stored_pdf(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    """End to end: the invoice run issues, the document job renders and queues the mail, the mail
    job sends it to a real SMTP server; the attachment is the stored file, byte for byte."""
    issued = issue_invoice(world, country="US", business=False)
    render_all(world)
    assert (
        simulation.tick(world.session, world.scope, world.now, only={"mail_delivery"})["mail_delivery"] == 1
    )
    invoice = issued.invoice
    # The subscription mails went out during the billing run; the invoice mail with this job.
    [received] = [m for m in smtp_server.received if str(invoice.number) in m["Subject"]]
    assert received["To"] == invoice.buyer_snapshot["email"]
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    content = attachment.get_content()
    assert hashlib.sha256(content).hexdigest() == invoice.pdf_sha256
    assert content == mail_settings.read(invoice.pdf_storage_key)
