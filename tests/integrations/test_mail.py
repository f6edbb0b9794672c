"""The mail port: a file outbox without SMTP_HOST, SMTP with it; messages sent only after commit."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from backend.integrations.mail import FileOutbox, MailBatch, Message, SmtpMailer, mailer_for
from backend.settings import load_settings


def test_without_smtp_host_messages_land_in_the_outbox_as_eml(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    mailer = mailer_for(load_settings(smtp_host="", mail_dir=tmp_path / "outbox"))
    assert isinstance(mailer, FileOutbox)
    batch = MailBatch()
    batch.queue(
        Message(to="pat@example.com", subject="Your code", text="Your code is 123456.", html="<p>123456</p>")
    )
    assert list(tmp_path.glob("outbox/*.eml")) == []  # nothing leaves before the unit of work committed
    batch.send_all(mailer)
    [sent] = mailer.messages()
    assert sent["To"] == "pat@example.com" and sent["Subject"] == "Your code"
    assert "Billing Console" in sent["From"]
    plain = sent.get_body(preferencelist=("plain",))
    html = sent.get_body(preferencelist=("html",))
    assert plain is not None and "123456" in plain.get_content()
    assert html is not None and "<p>123456</p>" in html.get_content()
    assert "123456" not in caplog.text
    assert batch.messages == []


def test_with_smtp_host_the_smtp_adapter_is_used() -> None:
    assert isinstance(mailer_for(load_settings(smtp_host="mail.example.com")), SmtpMailer)
