"""The audit log: every admin action and security event, with actor, object, before/after and IP."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.audit.repository import AuditLogRepository
from backend.audit.schemas import AuditEntryView
from backend.kit.pagination import Page
from backend.kit.policy import SYSTEM, Action, Actor, Role, authorize
from backend.kit.repository import TenantScope
from backend.models import AuditLogEntry

# Who acts lives with the policy that judges it; services name it `audit.Actor` where they record.
__all__ = ["SYSTEM", "Actor", "Role", "list_entries", "record"]


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


def list_entries(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    *,
    limit: int = 50,
    starting_after: int | None = None,
    object_type: str = "",
    object_id: str = "",
) -> Page[AuditEntryView]:
    """The tenant's audit log, newest first, older than the entry `starting_after`; optionally for
    one object type or object."""
    authorize(actor, scope, Action.READ_AUDIT_LOG)
    entries = AuditLogRepository(session, scope).entries(
        limit=min(limit, 500), starting_after=starting_after, object_type=object_type, object_id=object_id
    )
    return entries.map(
        lambda e: AuditEntryView(
            id=e.id or 0,
            created_at=e.created_at,
            actor_user_id=e.actor_user_id,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            before=e.before,
            after=e.after,
            ip_address=e.ip_address,
        )
    )
