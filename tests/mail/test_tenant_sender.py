"""The tenant's own sender (set on /admin/settings) is what its customers see in From; the
deployment's address stays the envelope sender (Sender:), so bounces and SPF stay with it."""

from __future__ import annotations

from backend.integrations.mail import Message, build_email
from backend.integrations.storage import DocumentStore
from backend.tenancy.settings_service import update_tenant_settings
from tests.billing.world import World
from tests.mail.conftest import RecordingHandler
from tests.mail.test_sending import queued_invoice_mail, send_due


def test_a_queued_mail_comes_from_the_tenants_sender(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    update_tenant_settings(
        world.session,
        world.scope,
        world.admin,
        {"mail_from_name": "Acme Billing", "mail_from_address": "invoices@acme.example"},
    )
    queued_invoice_mail(world, mail_settings)
    assert send_due(world) == 1
    [received] = smtp_server.received
    assert received["From"] == "Acme Billing <invoices@acme.example>"
    assert received["Sender"] == "billing@example.test"  # SMTP_FROM of mail_settings


def test_without_a_sender_of_its_own_the_deployments_applies(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    queued_invoice_mail(world, mail_settings)
    assert send_due(world) == 1
    [received] = smtp_server.received
    assert received["From"] == "Billing Test <billing@example.test>" and received["Sender"] is None


def test_a_sender_name_alone_keeps_the_deployments_address() -> None:
    email = build_email(
        Message(to="a@example.test", subject="s", text="t", from_name="Acme Billing"),
        "Billing Console <billing@localhost>",
    )
    assert email["From"] == "Acme Billing <billing@localhost>" and email["Sender"] is None
