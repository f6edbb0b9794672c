"""The subscription billing coordinator: due periods of running subscriptions become open positions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.billing.charging import Charger
from backend.billing.repository import DueSubscriptionRepository
from backend.kit.coordination import BUCKET_SIZE, Coordinator, IdRange, bucket_keys
from backend.kit.repository import TenantScope


def find_billing_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    buckets = DueSubscriptionRepository(session, scope).due_buckets(now, BUCKET_SIZE)
    return bucket_keys(buckets)


def run_billing_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Charge the due subscriptions of one id range. Safe to run twice or concurrently: rows are
    locked and re-checked, and source references make every charge unique."""
    ids = IdRange.parse(key)
    charger = Charger(session, scope)
    return charger.bill(charger.lock_due(now, ids.first, ids.last), now)


SUBSCRIPTION_BILLING = Coordinator(
    name="subscription_billing",
    queue="billing",
    description="Turn due subscription periods into open positions",
    find_units=find_billing_units,
    run_unit=run_billing_unit,
    interval_seconds=60,
)
