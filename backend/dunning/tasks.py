"""The dunning coordinator: after overdue marking, send each overdue invoice's due reminder step
(the rules are in service.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.dunning.service import invoices_with_step_due, send_due_reminders
from backend.kit.coordination import Coordinator, IdRange, unit_keys
from backend.kit.repository import TenantScope


def find_dunning_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return unit_keys(invoices_with_step_due(session, scope, now))


def run_dunning_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Remind the invoices of one id range. Each invoice is locked and its step re-read, so a
    second run (or a concurrent one) finds the step sent and sends nothing."""
    ids = IdRange.parse(key)
    return send_due_reminders(session, scope, ids.first, ids.last, now)


DUNNING = Coordinator(
    name="dunning",
    queue="billing",
    description="Send the payment reminder that is due; past due after the last one",
    find_units=find_dunning_units,
    run_unit=run_dunning_unit,
    interval_seconds=3600,
)
