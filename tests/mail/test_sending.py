"""Queued deliveries go out through a real SMTP server: attachments byte for byte, retries with
backoff on refusals, a final failure recorded, and never twice."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from pypdf import PdfWriter
from sqlmodel import Session

from backend.integrations.storage import DocumentStore
from backend.kit.repository import TenantScope
from backend.mail import MailAttachment, MailKind, MailRequest, MailStatus, queue_mail
from backend.mail.tasks import MAIL_DELIVERY
from backend.models import CustomerAccount, MailDelivery
from backend.scheduling import simulation
from tests.billing.world import World
from tests.mail.conftest import RecordingHandler


def a_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def invoice_request(customer: CustomerAccount, key: str, *, language: str | None = None) -> MailRequest:
    return MailRequest(
        kind=MailKind.INVOICE_ISSUED,
        to="buyer@example.test",
        customer_id=customer.id,
        context={
            "customer_name": "Ada Buyer",
            "link": "/invoices/INV-2027-00001",
            "invoice_number": "INV-2027-00001",
            "issue_date": "2027-01-01",
            "due_date": "2027-01-15",
            "total": "119.00",
            "currency": "EUR",
        },
        attachments=(MailAttachment("INV-2027-00001.pdf", "application/pdf", key),),
        dedupe_key="invoice-issued:INV-2027-00001",
        language=language,
    )


def send_due(world: World) -> int:
    """One run of the mail delivery coordinator at the world's now, as the scheduler runs it."""
    return simulation.tick(world.session, world.scope, world.now, only={"mail_delivery"})["mail_delivery"]


def queued_invoice_mail(world: World, store: DocumentStore) -> tuple[MailDelivery, bytes]:
    pdf = a_pdf()
    key = f"tenant-{world.scope.tenant_id}/invoices/INV-2027-00001.pdf"
    store.put(key, pdf)
    delivery = queue_mail(world.session, world.scope, invoice_request(world.customer(country="DE"), key))
    assert delivery is not None
    return delivery, pdf


def test_the_invoice_mail_arrives_with_the_stored_pdf_attached(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    delivery, pdf = queued_invoice_mail(world, mail_settings)
    assert smtp_server.received == []  # queued, not sent, until the job runs

    assert send_due(world) == 1

    [received] = smtp_server.received
    assert received["To"] == "buyer@example.test"
    assert received["Subject"] == "Billing Test: Rechnung INV-2027-00001"
    assert received["Message-ID"] == delivery.message_id
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "INV-2027-00001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    stored = (mail_settings.root / f"tenant-{world.scope.tenant_id}/invoices/INV-2027-00001.pdf").read_bytes()
    assert hashlib.sha256(attachment.get_content()).hexdigest() == hashlib.sha256(stored).hexdigest()
    assert stored == pdf
    plain = received.get_body(("plain",))
    assert plain is not None and "119,00\u00a0€" in plain.get_content()  # Babel: no-break space
    assert "http://localhost:3000/invoices/INV-2027-00001" in plain.get_content()
    world.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (MailStatus.SENT, 1, world.now)


def test_a_refused_mail_is_retried_after_its_backoff_then_sent(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    delivery, _ = queued_invoice_mail(world, mail_settings)
    smtp_server.refuse = 2
    start = world.now

    send_due(world)
    world.session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == (MailStatus.QUEUED, 1)
    assert "451" in delivery.last_error
    assert delivery.next_attempt_at == start + timedelta(seconds=60)

    world.at(start + timedelta(seconds=59))
    assert send_due(world) == 0 and smtp_server.refused == 1  # not due yet: no attempt
    world.at(start + timedelta(seconds=60))
    send_due(world)
    world.session.refresh(delivery)
    assert delivery.attempts == 2 and delivery.next_attempt_at == start + timedelta(seconds=60 + 300)

    world.at(start + timedelta(seconds=360))
    assert send_due(world) == 1
    world.session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == (MailStatus.SENT, 3)
    assert len(smtp_server.received) == 1 and smtp_server.refused == 2


def test_after_the_last_attempt_the_delivery_has_failed_with_its_error(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    delivery, _ = queued_invoice_mail(world, mail_settings)
    smtp_server.refuse = 100
    for _ in range(5):  # more runs than attempts, each after the longest delay
        send_due(world)
        world.at(world.now + timedelta(hours=1))
    world.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (MailStatus.FAILED, 3, None)
    assert "451" in delivery.last_error and "temporarily unavailable" in delivery.last_error
    assert smtp_server.refused == 3 and smtp_server.received == []


def test_a_missing_attachment_is_an_attempt_that_failed_not_a_mail_without_it(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    delivery = queue_mail(world.session, world.scope, invoice_request(world.customer(), "nowhere/INV.pdf"))
    assert delivery is not None
    send_due(world)
    world.session.refresh(delivery)
    assert delivery.attempts == 1 and "FileNotFoundError" in delivery.last_error
    assert smtp_server.received == []


def test_the_job_run_twice_sends_once(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    delivery, _ = queued_invoice_mail(world, mail_settings)
    key = f"delivery:{delivery.id}"
    assert MAIL_DELIVERY.run_unit(world.session, world.scope, key, world.now) == 1
    assert MAIL_DELIVERY.run_unit(world.session, world.scope, key, world.now) == 0
    assert MAIL_DELIVERY.find_units(world.session, world.scope, world.now) == []
    assert len(smtp_server.received) == 1


def test_a_resend_after_a_crash_before_the_commit_carries_the_same_message_id(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    delivery, _ = queued_invoice_mail(world, mail_settings)
    key = f"delivery:{delivery.id}"
    crashed = world.session.begin_nested()
    MAIL_DELIVERY.run_unit(world.session, world.scope, key, world.now)
    crashed.rollback()  # the worker died after the server accepted, before its commit
    world.session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == (MailStatus.QUEUED, 0)

    assert send_due(world) == 1
    first, second = smtp_server.received
    assert first["Message-ID"] == second["Message-ID"] == delivery.message_id


def test_a_unit_key_that_is_not_a_delivery_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match="not a mail delivery unit key"):
        MAIL_DELIVERY.run_unit(world.session, world.scope, "ids:0-499", world.now)


def test_another_tenants_delivery_is_never_sent_by_this_tenants_unit(
    world: World, session: Session, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    delivery, _ = queued_invoice_mail(world, mail_settings)
    other = World(session, world.clock)
    assert MAIL_DELIVERY.find_units(session, other.scope, world.now) == []
    assert MAIL_DELIVERY.run_unit(session, other.scope, f"delivery:{delivery.id}", world.now) == 0
    assert smtp_server.received == []
    assert isinstance(other.scope, TenantScope)
