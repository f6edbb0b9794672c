"""The auto-payment coordinator: every minute, charge the invoices whose automatic payment is due
with the customer's saved card (the rules are in auto_billing.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.kit.coordination import Coordinator, IdRange, unit_keys
from backend.kit.repository import TenantScope
from backend.payments.auto_billing import charge_due_invoices, invoices_due


def find_auto_payment_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return unit_keys(invoices_due(session, scope, now))


def run_auto_payment_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Charge the due invoices of one id range. Each invoice is locked and re-checked, and an
    attempt's pending payment is committed before the charge, so a second run (or a concurrent one,
    or one after a worker died mid-charge) charges nothing twice."""
    ids = IdRange.parse(key)
    return charge_due_invoices(session, scope, ids.first, ids.last, now)


AUTO_PAYMENT = Coordinator(
    name="auto_payment",
    queue="payments",
    description="Charge issued invoices with the saved card; retry declines on the tenant's schedule",
    find_units=find_auto_payment_units,
    run_unit=run_auto_payment_unit,
    interval_seconds=60,
)
