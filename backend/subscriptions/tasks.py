"""The expiration coordinator: cancellations whose effective time has come are carried out."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.audit import service as audit
from backend.kit.coordination import Coordinator, IdRange, unit_keys
from backend.kit.repository import TenantScope
from backend.subscriptions.repository import SubscriptionRepository
from backend.subscriptions.service import Lifecycle


def find_expiration_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return unit_keys(SubscriptionRepository(session, scope).due_cancellations(now))


def run_expiration_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Execute cancellations whose effective time has passed: final charge, then canceled."""
    ids = IdRange.parse(key)
    lifecycle = Lifecycle(session, scope, audit.SYSTEM)
    done = sum(
        lifecycle.expire(subscription_id)
        for subscription_id in lifecycle.subscriptions.due_cancellations(now)
        if ids.first <= subscription_id <= ids.last
    )
    session.flush()
    return done


EXPIRATION = Coordinator(
    name="expiration",
    queue="billing",
    description="Execute cancellations whose effective time passed (final charge, then canceled)",
    find_units=find_expiration_units,
    run_unit=run_expiration_unit,
    interval_seconds=60,
)
