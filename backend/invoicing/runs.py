"""The invoice run and overdue marking: the coordinators that invoice and remind on their own.

The invoice run is hourly: a customer is invoiced on their billing day (1-28, the tenant's local
date), and after it when a run was missed, once per local day. Overdue marking is hourly too:
issued invoices past their due date with something left to pay become overdue.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from backend.billing.positions import customers_with_unbilled_charges, lock_unbilled_charges
from backend.invoicing.drafts import InvoicingContext, build_drafts
from backend.invoicing.issuing import issue_drafts
from backend.invoicing.repository import InvoiceRepository
from backend.kit.coordination import Coordinator, IdRange, unit_keys
from backend.kit.repository import TenantScope


def last_billing_date(today: date, billing_day: int) -> date:
    """The most recent date with day `billing_day` on or before `today` (billing days are 1-28)."""
    if today.day >= billing_day:
        return today.replace(day=billing_day)
    first = today.replace(day=1) - timedelta(days=1)
    return first.replace(day=billing_day)


def is_due_for_invoice_run(
    ctx: InvoicingContext, billing_day: int, earliest_unbilled: datetime, now: datetime
) -> bool:
    """Due on the billing day, and also after it when a run was missed (positions older than the
    last billing day are still unbilled)."""
    today = ctx.local_date(now)
    if today.day == billing_day:
        return True
    boundary = datetime.combine(last_billing_date(today, billing_day), time(), ctx.zone).astimezone(UTC)
    return earliest_unbilled < boundary


def due_customers(
    ctx: InvoicingContext, now: datetime, first: int | None = None, last: int | None = None
) -> list[int]:
    """Customers the invoice run invoices at `now`: due by their billing day (see
    `is_due_for_invoice_run`), and not issued an invoice yet on today's local date. The run is
    hourly, so a charge created later on the billing day waits for the next billing day (or a
    "bill now"): one accumulated invoice per customer per billing day."""
    candidates = [
        customer_id
        for customer_id, billing_day, earliest in customers_with_unbilled_charges(
            ctx.session, ctx.scope, now, first, last
        )
        if is_due_for_invoice_run(ctx, billing_day, earliest, now)
    ]
    midnight = datetime.combine(ctx.local_date(now), time(), ctx.zone).astimezone(UTC)
    invoiced_today = ctx.invoices.customers_invoiced_since(midnight, candidates)
    return [customer_id for customer_id in candidates if customer_id not in invoiced_today]


def find_invoice_run_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return unit_keys(due_customers(InvoicingContext(session, scope), now))


def run_invoice_run_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Invoice the due customers of one id range. Positions are locked and re-read, so a second
    run (or a concurrent one) finds them billed and issues nothing."""
    ids = IdRange.parse(key)
    ctx = InvoicingContext(session, scope)
    positions = lock_unbilled_charges(session, scope, due_customers(ctx, now, ids.first, ids.last), now)
    return len(issue_drafts(ctx, build_drafts(ctx, positions), now))


def mark_overdue(session: Session, scope: TenantScope, now: datetime) -> int:
    """Issued invoices past their due date with something left to pay become overdue."""
    return InvoiceRepository(session, scope).mark_overdue(now)


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
