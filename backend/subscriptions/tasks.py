"""The expiration coordinator: cancellations whose effective time has come are carried out."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.audit import service as audit
from backend.billing.charging import BUCKET_SIZE, parse_range
from backend.kit.coordination import Coordinator
from backend.kit.repository import TenantScope
from backend.subscriptions.repository import SubscriptionRepository
from backend.subscriptions.service import Lifecycle


def find_expiration_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    ids = SubscriptionRepository(session, scope).due_cancellations(now)
    buckets = sorted({i // BUCKET_SIZE for i in ids})
    return [f"ids:{b * BUCKET_SIZE}-{(b + 1) * BUCKET_SIZE - 1}" for b in buckets]


def run_expiration_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Execute cancellations whose effective time has passed: final charge, then canceled."""
    first, last = parse_range(key)
    lifecycle = Lifecycle(session, scope, audit.SYSTEM)
    done = sum(
        lifecycle.expire(subscription_id)
        for subscription_id in lifecycle.subscriptions.due_cancellations(now)
        if first <= subscription_id <= last
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
