"""The rules of the invoice run and of overdue marking (their coordinators are in tasks.py).

The invoice run is hourly: a customer is invoiced on their billing day (1-28, the tenant's local
date), and after it when a run was missed, once per local day. Overdue marking is hourly too:
issued invoices past their due date with something left to pay become overdue.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from backend.billing.positions import customers_with_unbilled_charges
from backend.invoicing.drafts import InvoicingContext
from backend.invoicing.repository import InvoiceRepository
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


def mark_overdue(session: Session, scope: TenantScope, now: datetime) -> int:
    """Issued invoices past their due date with something left to pay become overdue."""
    return InvoiceRepository(session, scope).mark_overdue(now)
