"""What the documents domain hands out: plain values, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class DocumentAlarmView:
    kind: str  # "invoice" or "credit_note"
    number: str
    raised_at: datetime
    expected_sha256: str
    actual_sha256: str
