"""Writing a catalog change: only the fields that differ, each change with one audit entry.

Every change writes an audit entry with before/after in the caller's unit of work; nothing here
commits. The functions write the row they are handed: their callers fetch it in the same scope.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.kit.repository import TenantScope
from backend.models import Addon, Plan, Promotion, ServiceType

_OBJECT_TYPES = {ServiceType: "service_type", Plan: "plan", Addon: "addon", Promotion: "promotion"}


def apply_changes(
    session: Session, scope: TenantScope, actor: Actor, object_type: str, row: Any, values: dict[str, Any]
) -> Any:
    """Write the values that differ from the row, with one audit entry of exactly those fields."""
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    if not changed:
        return row
    before = {name: getattr(row, name) for name in changed}
    for name, value in changed.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    record_change(session, scope, actor, f"{object_type}.updated", row, before, changed)
    return row


def set_active(
    session: Session, scope: TenantScope, actor: Actor, object_type: str, row: Any, active: bool
) -> Any:
    """Deactivate or reactivate the row; setting the state it already has changes and records nothing."""
    if row.active == active:
        return row
    row.active = active
    session.add(row)
    session.flush()
    action = "reactivated" if active else "deactivated"
    record_change(
        session, scope, actor, f"{object_type}.{action}", row, {"active": not active}, {"active": active}
    )
    return row


def record_change(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    action: str,
    row: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    object_id: int | None = None,
) -> None:
    """The audit entry of a change to a service type, plan, addon or promotion, in JSON values."""
    audit.record(
        session,
        scope,
        actor,
        action,
        object_type=_OBJECT_TYPES[type(row)],
        object_id=object_id if object_id is not None else row.id,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _json_value(value) for name, value in values.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
