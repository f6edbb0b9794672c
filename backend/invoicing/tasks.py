"""The invoice run and overdue marking coordinators (the rules are in runs.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.billing.positions import lock_unbilled_charges
from backend.invoicing.drafts import InvoicingContext, build_drafts
from backend.invoicing.issuing import issue_drafts
from backend.invoicing.repository import InvoiceRepository
from backend.invoicing.runs import due_customers, mark_overdue
from backend.kit.coordination import Coordinator, IdRange, unit_keys
from backend.kit.repository import TenantScope


def find_invoice_run_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return unit_keys(due_customers(InvoicingContext(session, scope), now))


def run_invoice_run_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Invoice the due customers of one id range. Positions are locked and re-read, so a second
    run (or a concurrent one) finds them billed and issues nothing."""
    ids = IdRange.parse(key)
    ctx = InvoicingContext(session, scope)
    positions = lock_unbilled_charges(session, scope, due_customers(ctx, now, ids.first, ids.last), now)
    return len(issue_drafts(ctx, build_drafts(ctx, positions), now))


def find_overdue_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return ["all"] if InvoiceRepository(session, scope).count_overdue_candidates(now) else []


def run_overdue_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    return mark_overdue(session, scope, now)


INVOICE_RUN = Coordinator(
    name="invoice_run",
    queue="billing",
    description="Accumulated invoice per customer whose billing day is today",
    find_units=find_invoice_run_units,
    run_unit=run_invoice_run_unit,
    interval_seconds=3600,
)


OVERDUE_MARKING = Coordinator(
    name="overdue_marking",
    queue="billing",
    description="Mark unpaid invoices past their due date overdue",
    find_units=find_overdue_units,
    run_unit=run_overdue_unit,
    interval_seconds=3600,
)
