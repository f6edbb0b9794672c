"""A real SMTP server per test (aiosmtpd on 127.0.0.1, a free port) and settings pointing at it.

The server can refuse the next n messages with a temporary error (451), so retries meet a real
SMTP refusal, not a fake exception.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from backend.integrations.storage import DocumentStore
from backend.settings import get_settings


@dataclass
class RecordingHandler:
    """Keeps every accepted message; refuses while `refuse` is above zero (counting down)."""

    received: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0
    refused: int = 0
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Mailbox temporarily unavailable"
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[RecordingHandler]:
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        handler.port = controller.port
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def mail_settings(
    smtp_server: RecordingHandler, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DocumentStore]:
    """SMTP at the test's server (no TLS, no login), documents in a temporary store, retries after
    60 and 300 seconds (three attempts). Yields the document store the sending job reads."""
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    monkeypatch.setenv("SMTP_USER", "")
    monkeypatch.setenv("SMTP_FROM", "Billing Test <billing@example.test>")
    monkeypatch.setenv("DOCUMENT_STORAGE_PATH", str(tmp_path / "documents"))
    monkeypatch.setenv("MAIL_RETRY_INTERVALS", "60,300")
    get_settings.cache_clear()
    yield DocumentStore(tmp_path / "documents")
    get_settings.cache_clear()
