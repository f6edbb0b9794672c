"""Documents tests: the store in a directory of the test's own (DOCUMENT_STORAGE_PATH)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.integrations.storage import DocumentStore
from backend.settings import get_settings
from tests.mail.conftest import mail_settings, smtp_server  # noqa: F401  (fixtures: a real SMTP server)


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DocumentStore]:
    root = tmp_path / "documents"
    monkeypatch.setenv("DOCUMENT_STORAGE_PATH", str(root))
    get_settings.cache_clear()
    yield DocumentStore(root)
    get_settings.cache_clear()
