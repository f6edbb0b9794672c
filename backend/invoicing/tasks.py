"""The invoice run, overdue marking and bill now coordinators (the rules are in runs.py and
billing_runs.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from backend.billing.positions import lock_unbilled_charges
from backend.invoicing import billing_runs, daily_rollup
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


def find_bill_now_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return billing_runs.unfinished_run_keys(session, scope)


def run_bill_now_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Bill the run's customers one transaction each, committing as it goes so the page sees the
    progress; returns how many customers this execution billed (0 when the run was over)."""
    run_id = billing_runs.run_id_of(key)
    if not billing_runs.start_run(session, scope, run_id, now):
        return 0
    session.commit()  # the run's customers are fixed and it shows as running
    billed = 0
    while billing_runs.bill_next_customer(session, scope, run_id, now):
        session.commit()  # this customer's invoices and the run's counters, together
        billed += 1
    return billed


BILL_NOW = Coordinator(
    name=billing_runs.COORDINATOR,
    queue="billing",
    description="Bill now: the billing runs admins asked for (queued at once; this catches any left waiting)",
    find_units=find_bill_now_units,
    run_unit=run_bill_now_unit,
    interval_seconds=60,
)


def find_revenue_rollup_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return ["closed-days"] if daily_rollup.has_days_to_roll_up(session, scope, now) else []


def run_revenue_rollup_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    return daily_rollup.roll_up_closed_days(session, scope, now)


REVENUE_ROLLUP = Coordinator(
    name="revenue_rollup",
    queue="default",
    description="Sums the issued invoices and credit notes of each day that is over, for the revenue report",
    find_units=find_revenue_rollup_units,
    run_unit=run_revenue_rollup_unit,
    interval_seconds=3600,
    # Reports read the documents themselves for days not rolled up, so the simulation needs no rollup.
    simulated=False,
)
