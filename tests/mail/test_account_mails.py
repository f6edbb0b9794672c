"""Account mails go out right after the request commits (the person waits for the code) and are
recorded like every mail, without the code, token or link that would let someone use them."""

from __future__ import annotations

import smtplib

import pytest

from backend.integrations.mail import MailBatch, mailer_for
from backend.integrations.storage import DocumentStore
from backend.mail import MailKind, MailStatus
from backend.mail.service import account_mail, settle_account_mails
from backend.settings import get_settings
from tests.billing.world import World
from tests.mail.conftest import RecordingHandler

RESET = {"token": "s3cret-t0ken", "link": "/reset-password?token=s3cret-t0ken"}


def test_a_reset_mail_is_sent_from_the_template_and_recorded_without_its_token(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    batch = MailBatch()
    delivery = account_mail(
        world.session, world.scope, batch, MailKind.PASSWORD_RESET, "pat@example.test", RESET
    )
    assert (delivery.status, delivery.context) == (MailStatus.SENDING, {})
    assert "s3cret" not in str(delivery.context) and delivery.subject == "Billing Test: reset your password"

    batch.send_all(mailer_for(get_settings()))
    assert settle_account_mails(world.session, batch.receipts, batch.outcomes) == 1

    [received] = smtp_server.received
    assert received["Message-ID"] == delivery.message_id
    plain = received.get_body(("plain",))
    assert (
        plain is not None and "http://localhost:3000/reset-password?token=s3cret-t0ken" in plain.get_content()
    )
    world.session.refresh(delivery)
    assert (delivery.status, delivery.sent_at, delivery.last_error) == (MailStatus.SENT, world.now, "")


def test_a_refused_account_mail_is_recorded_failed_and_the_caller_hears_of_it(
    world: World, smtp_server: RecordingHandler, mail_settings: DocumentStore
) -> None:
    smtp_server.refuse = 1
    batch = MailBatch()
    context = {"code": "123456", "link": "/confirm-email?email=pat%40example.test"}
    delivery = account_mail(
        world.session, world.scope, batch, MailKind.CONFIRM_EMAIL, "pat@example.test", context
    )
    assert delivery.context == {"link": "/confirm-email?email=pat%40example.test"}

    with pytest.raises(smtplib.SMTPDataError):
        batch.send_all(mailer_for(get_settings()))
    settle_account_mails(world.session, batch.receipts, batch.outcomes)

    world.session.refresh(delivery)
    assert delivery.status == MailStatus.FAILED and "451" in delivery.last_error
    assert smtp_server.received == []


def test_an_invitation_is_recorded_under_the_inviting_customer(world: World) -> None:
    customer = world.customer(country="DE")
    batch = MailBatch()
    context = {
        "account_name": "Acme",
        "account_number": "C-00001",
        "role": "viewer",
        "link": "/invitations/t0k",
    }
    delivery = account_mail(
        world.session,
        world.scope,
        batch,
        MailKind.MEMBER_INVITATION,
        "nina@example.test",
        context,
        customer_id=customer.id,
    )
    assert delivery.customer_account_id == customer.id and delivery.language == "de"
    assert "link" not in delivery.context and delivery.context["account_name"] == "Acme"
    assert "/invitations/t0k" in batch.messages[0].text
