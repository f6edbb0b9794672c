"""What the documents domain hands out: plain values, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DocumentAlarmView:
    """An issued document whose lost file did not rebuild to the hash recorded at issue."""

    kind: str  # "Invoice" or "Credit note"
    number: str
    raised_at: str  # "2027-02-01 09:00 UTC"
    storage_key: str  # where the file belongs under DOCUMENT_STORAGE_PATH (restore it from a backup)
    expected_sha256: str
    actual_sha256: str
