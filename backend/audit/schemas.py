"""What the audit log pages and the API receive about an entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditEntryView:
    id: int
    created_at: datetime
    actor_user_id: int | None
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip_address: str
