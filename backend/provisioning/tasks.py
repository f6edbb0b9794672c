"""The provisioning coordinator: every 30 s, move the servers that have work along (create, poll,
power, tear down, retry backorders); the steps are in service.Provisioner."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.kit.coordination import Coordinator, IdRange, unit_keys
from backend.kit.repository import TenantScope
from backend.provisioning.service import Provisioner, items_with_work


def find_provisioning_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return unit_keys(items_with_work(session, scope, now))


def run_provisioning_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Advance the items of one id range that have work. Each step commits before it calls the
    provider and records the answer with the item locked and re-checked, so a rerun, a concurrent
    run or a run after a killed worker does nothing twice (a server created by a killed run is
    found by its labels and adopted, never created again)."""
    ids = IdRange.parse(key)
    provisioner = Provisioner(session, scope)
    changed = 0
    for item_id in items_with_work(session, scope, now):
        if ids.first <= item_id <= ids.last:
            changed += provisioner.advance(item_id, now)
    session.commit()
    return changed


PROVISIONING = Coordinator(
    name="provisioning",
    queue="provisioning",
    description="Create, poll, power and delete servers; retry backorders (provision, then bill)",
    find_units=find_provisioning_units,
    run_unit=run_provisioning_unit,
    interval_seconds=30,
)
