"""Outgoing email: one small port, an SMTP adapter and a file outbox for local runs and tests.

Services build `Message`s; the caller that owns the unit of work sends them after it committed
(`MailBatch`), so no email announces a change that was rolled back. The mail domain's sending job
(backend/mail/sending.py) passes a fixed Message-ID per delivery and gets it back from `send`.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol

from backend import clock
from backend.settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str  # "application/pdf"
    data: bytes


@dataclass(frozen=True, slots=True)
class Message:
    to: str
    subject: str
    text: str
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    message_id: str = ""  # "<...@...>"; a new one when empty
    from_name: str = ""  # the tenant's sender; "" keeps the deployment's (SMTP_FROM)
    from_address: str = ""


class Mailer(Protocol):
    def send(self, message: Message) -> str:
        """Send (or write) the message; returns its Message-ID."""
        ...


def sender_headers(message: Message, sender: str) -> dict[str, str]:
    """From: the tenant's name and address where it set them, else the deployment's `sender`. A
    tenant's own address also gets Sender: the deployment's address, which SMTP uses as the envelope
    sender, so bounces and SPF stay with the deployment's mail domain."""
    default_name, default_address = parseaddr(sender)
    if not message.from_name and not message.from_address:
        return {"From": sender}
    address = message.from_address or default_address
    headers = {"From": formataddr((message.from_name or default_name, address))}
    if default_address and address.lower() != default_address.lower():
        headers["Sender"] = default_address
    return headers


def build_email(message: Message, sender: str) -> EmailMessage:
    email = EmailMessage()
    for name, value in sender_headers(message, sender).items():
        email[name] = value
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(clock.now().timestamp(), localtime=False)
    email["Message-ID"] = message.message_id or make_msgid(domain="billing-console")
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return email


class FileOutbox:
    """Writes each message as an .eml file (local default; tests read the codes from it)."""

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    def send(self, message: Message) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        email = build_email(message, self.sender)
        path.write_bytes(bytes(email))
        # The body carries codes: never log it, and the recipient only at DEBUG.
        log.debug("wrote email %r for %s to %s", message.subject, message.to, path.name)
        return str(email["Message-ID"])

    def messages(self) -> list[EmailMessage]:
        """Every message written so far, oldest first."""
        files = sorted(self.directory.glob("*.eml")) if self.directory.exists() else []
        return [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]  # type: ignore[misc]


class SmtpMailer:
    """Sends over SMTP (STARTTLS unless disabled), with login when SMTP_USER is set."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Message) -> str:
        settings = self.settings
        email = build_email(message, settings.smtp_from)
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                smtp.login(settings.smtp_user, password)
            smtp.send_message(email)
        log.info("sent email %r", message.subject)
        return str(email["Message-ID"])


def mailer_for(settings: Settings | None = None) -> Mailer:
    """SMTP when SMTP_HOST is set, else the file outbox in MAIL_DIR."""
    settings = settings or get_settings()
    if settings.smtp_host:
        return SmtpMailer(settings)
    return FileOutbox(settings.mail_dir, settings.smtp_from)


@dataclass
class MailBatch:
    """Messages collected inside a unit of work, sent once it committed.

    `receipts` names the delivery records (tenant id, Message-ID) of messages the mail domain
    recorded; `outcomes` holds, after `send_all`, each Message-ID's error ("" when sent), so the
    caller can settle those records.
    """

    messages: list[Message] = field(default_factory=list)
    receipts: list[tuple[int, str]] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)

    def queue(self, message: Message) -> None:
        self.messages.append(message)

    def send_all(self, mailer: Mailer) -> None:
        """Send every message; a failure is noted in `outcomes` and raised once all were tried."""
        failure: Exception | None = None
        for message in self.messages:
            try:
                sent_id = mailer.send(message)
            except Exception as error:
                self.outcomes[message.message_id] = f"{type(error).__name__}: {error}"[:1000]
                failure = failure or error
                continue
            self.outcomes[message.message_id or sent_id] = ""
        self.messages.clear()
        if failure is not None:
            raise failure
