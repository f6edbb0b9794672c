"""Dunning's suspension hook for servers: suspend stops them, payment starts them again.

The hook only records (suspended_at and a pending stop or start, a log entry) in dunning's unit of
work; the provisioning unit makes the provider calls, so a rollback undoes the whole suspension.
A suspended server is stopped, never deleted; while suspended its owner cannot start it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.kit.repository import TenantScope
from backend.models.enums import ItemStatus, ServerAction
from backend.provisioning.repository import ItemRepository, LogRepository


class ProvisioningSuspension:
    """Dunning's suspension hook: only records (the unit stops and starts the servers)."""

    def suspend(self, session: Session, scope: TenantScope, subscription_id: int, now: datetime) -> None:
        items, log = ItemRepository(session, scope), LogRepository(session, scope)
        for item in items.live_of_subscription(subscription_id):
            if item.status == ItemStatus.ACTIVE and item.suspended_at is None:
                item.suspended_at, item.pending_action = now, ServerAction.STOP.value
                log.write(item.id, "suspend", "payment overdue: the server is stopped", now, "dunning")  # type: ignore[arg-type]
        session.flush()

    def unsuspend(self, session: Session, scope: TenantScope, subscription_id: int, now: datetime) -> None:
        items, log = ItemRepository(session, scope), LogRepository(session, scope)
        for item in items.live_of_subscription(subscription_id):
            if item.suspended_at is not None:
                item.suspended_at, item.pending_action = None, ServerAction.START.value
                log.write(item.id, "resume", "paid: the server is started again", now, "dunning")  # type: ignore[arg-type]
        session.flush()
