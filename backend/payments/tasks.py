"""Payments' coordinators: every minute, charge the invoices whose automatic payment is due with the
customer's saved card (the rules are in auto_billing.py), and handle the Stripe events the webhook
route stored (webhooks.py: each stored event is queued as a unit at once; the coordinator only
catches the ones whose handoff was lost, and failed ones)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.kit.coordination import Coordinator, IdRange, unit_keys
from backend.kit.repository import TenantScope
from backend.payments.auto_billing import charge_due_invoices, invoices_due
from backend.payments.webhooks import WEBHOOK_EVENTS_COORDINATOR, handle_waiting_events, waiting_event_ids


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


def find_waiting_event_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return unit_keys(waiting_event_ids(session, scope, now))


def run_webhook_event_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Handle the tenant's stored Stripe events of one id range, each in its own transaction (an
    event handled already is left alone, so a second run of the unit changes nothing)."""
    ids = IdRange.parse(key)
    return handle_waiting_events(session, scope, ids.first, ids.last)


WEBHOOK_EVENTS = Coordinator(
    name=WEBHOOK_EVENTS_COORDINATOR,
    queue="payments",
    description="Handle the Stripe events the webhook route stored; retry the ones that failed",
    find_units=find_waiting_event_units,
    run_unit=run_webhook_event_unit,
    interval_seconds=60,
    simulated=False,  # its units commit their own transactions; a simulation receives no Stripe events
)
