"""The audit log: every admin action and security event, with actor, object, before/after and IP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from backend.models import AuditLogEntry
from backend.repositories.base import TenantRepository, TenantScope


class AuditLogRepository(TenantRepository[AuditLogEntry]):
    model = AuditLogEntry


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a signed-in user (None for the system, e.g. a scheduled job) and where from."""

    user_id: int | None = None
    ip_address: str = ""


SYSTEM = Actor()


def record(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    action: str,
    *,
    object_type: str = "",
    object_id: object = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Append one entry in the caller's unit of work, so it commits or rolls back with the change."""
    entry = AuditLogEntry(
        actor_user_id=actor.user_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        ip_address=actor.ip_address[:45],
    )
    return AuditLogRepository(session, scope).add(entry)
