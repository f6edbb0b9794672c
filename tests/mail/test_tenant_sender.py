"""The tenant's own sender (set on /admin/settings) is what its customers see in From; the
deployment's address stays the envelope sender (Sender:), so bounces and SPF stay with it."""

from __future__ import annotations

from backend.integrations.mail import Message, build_email
from backend.integrations.storage import DocumentStore
from backend.mail import MailKind, MailRequest, queue_mail
from backend.scheduling import simulation
from backend.tenancy.settings_service import update_tenant_settings
from tests.billing.world import World
from tests.mail.conftest import RecordingHandler


def queue_a_mail(world: World) -> None:
    customer = world.customer(country="GB")
    request = MailRequest(
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
    )
    assert queue_mail(world.session, world.scope, request) is not None


def send_due(world: World) -> int:
    return simulation.tick(world.session, world.scope, world.now, only={"mail_delivery"})["mail_delivery"]


def test_a_queued_mail_comes_from_the_tenants_sender(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    update_tenant_settings(
        world.session,
        world.scope,
        world.admin,
        {"mail_from_name": "Acme Billing", "mail_from_address": "invoices@acme.example"},
    )
    queue_a_mail(world)
    assert send_due(world) == 1
    [received] = smtp_server.received
    assert received["From"] == "Acme Billing <invoices@acme.example>"
    assert received["Sender"] == "billing@example.test"  # SMTP_FROM of mail_settings


def test_without_a_sender_of_its_own_the_deployments_applies(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    queue_a_mail(world)
    assert send_due(world) == 1
    [received] = smtp_server.received
    assert received["From"] == "Billing Test <billing@example.test>" and received["Sender"] is None


def test_a_sender_name_alone_keeps_the_deployments_address() -> None:
    email = build_email(
        Message(to="a@example.test", subject="s", text="t", from_name="Acme Billing"),
        "Billing Console <billing@localhost>",
    )
    assert email["From"] == "Acme Billing <billing@localhost>" and email["Sender"] is None
