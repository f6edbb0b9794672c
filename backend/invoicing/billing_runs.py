"""Bill now, as a job: an admin asks, a worker bills customer after customer and counts (SPEC §4).

`request_bill_now` records a billing run (queued); the caller queues its unit after commit
(`queue_run`), and the `bill_now` coordinator queues any run still waiting, so a lost enqueue
only delays it. The job fixes the run's customers when it starts (the one asked for, or every
customer with unbilled charges), then bills one customer per transaction with the run's counters
(`bill_next_customer`): the page polling the run sees progress, and a worker killed half-way
leaves the next worker to continue after the last customer counted, never billing or counting
one twice. Unlike `service.bill_now` (the scenario runner's), a run keeps the tenant's minimum:
an invoice below it waits and the summary says how many did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from backend.audit import service as audit
from backend.billing.charging import Charger
from backend.billing.positions import customers_with_unbilled_charges, lock_unbilled_charges
from backend.customers.service import billing_profile
from backend.invoicing.drafts import InvoicingContext, build_drafts
from backend.invoicing.issuing import issue_drafts
from backend.invoicing.repository import BillingRunRepository
from backend.invoicing.schemas import BillingRunView
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import BillingRun, BillingRunScope, BillingRunStatus
from backend.ports import JobsUnavailable, job_queue

log = logging.getLogger(__name__)

COORDINATOR = "bill_now"  # the coordinator (backend/invoicing/tasks.py) whose units run the runs
KEY_PREFIX = "run:"


@dataclass(frozen=True, slots=True)
class CustomerBilled:
    invoice_numbers: list[str]
    skipped_below_minimum: int


def run_key(run_id: int) -> str:
    return f"{KEY_PREFIX}{run_id}"


def run_id_of(key: str) -> int:
    text = key.removeprefix(KEY_PREFIX)
    if not key.startswith(KEY_PREFIX) or not text.isdigit():
        raise ValueError(f"not a billing run unit key: {key!r}")
    return int(text)


def request_bill_now(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    now: datetime,
    *,
    customer_account_id: int | None = None,
) -> BillingRun:
    """Record a "bill now" for one customer (of this tenant, with a billing profile) or all; a job
    does the billing. Queue it with `queue_run` once this is committed."""
    authorize(actor, scope, Action.BILL_NOW)
    if customer_account_id is not None and billing_profile(session, scope, customer_account_id) is None:
        raise NotFoundError("Customer not found.")
    run = BillingRunRepository(session, scope).add(
        BillingRun(
            scope=BillingRunScope.ALL if customer_account_id is None else BillingRunScope.CUSTOMER,
            customer_account_id=customer_account_id,
            requested_by_user_id=actor.user_id,
            created_at=now,
        )
    )
    audit.record(
        session, scope, actor, "invoices.bill_now_requested", object_type="billing_run", object_id=run.id,
        after={"customer_account_id": customer_account_id},
    )  # fmt: skip
    return run


def queue_run(tenant_id: int, run_id: int) -> bool:
    """Queue the run's job now (after the request committed). Without a job layer the run waits
    for the `bill_now` coordinator's next sweep; False then."""
    try:
        job_queue().enqueue_unit(COORDINATOR, tenant_id, run_key(run_id))
    except (JobsUnavailable, OSError, ConnectionError) as exc:
        log.warning("billing run %s waits for the coordinator: %s", run_id, exc)
        return False
    return True


def billing_run(session: Session, scope: TenantScope, actor: audit.Actor, run_id: int) -> BillingRunView:
    """The run's status, progress and summary (a run of another tenant is not found)."""
    authorize(actor, scope, Action.BILL_NOW)
    run = BillingRunRepository(session, scope).get(run_id)
    if run is None:
        raise NotFoundError("Job not found.")
    return run_view(run)


def latest_run(
    session: Session, scope: TenantScope, actor: audit.Actor, customer_account_id: int | None = None
) -> BillingRunView | None:
    """The newest run for the customer, or over every customer: what a reloaded page shows."""
    authorize(actor, scope, Action.BILL_NOW)
    run = BillingRunRepository(session, scope).latest(customer_account_id)
    return run_view(run) if run is not None else None


def run_view(run: BillingRun) -> BillingRunView:
    assert run.id is not None
    return BillingRunView(
        job_id=run.id,
        kind=COORDINATOR,
        scope=str(run.scope),
        customer_account_id=run.customer_account_id,
        status=str(run.status),
        done=run.done,
        total=run.total,
        issued=run.issued,
        skipped_below_minimum=run.skipped_below_minimum,
        errors=run.errors,
        invoice_numbers=list(run.invoice_numbers),
        last_error=run.last_error,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


def unfinished_run_keys(session: Session, scope: TenantScope) -> list[str]:
    """The unit keys of the runs waiting for a worker or cut short."""
    return [run_key(run_id) for run_id in BillingRunRepository(session, scope).unfinished_ids()]


def start_run(session: Session, scope: TenantScope, run_id: int, now: datetime) -> bool:
    """Fix the customers of a queued run and mark it running; True while the run has work left
    (a running run cut short continues). A step of the job: the admin was checked on request."""
    run = BillingRunRepository(session, scope).lock(run_id)
    if run is None or run.status not in (BillingRunStatus.QUEUED, BillingRunStatus.RUNNING):
        return False
    if run.status == BillingRunStatus.QUEUED:
        if run.customer_account_id is not None:
            customers = [run.customer_account_id]
        else:
            customers = sorted({row[0] for row in customers_with_unbilled_charges(session, scope, now)})
        run.customer_ids, run.total = customers, len(customers)
        run.status, run.started_at = BillingRunStatus.RUNNING, now
        session.flush()
    return True


def bill_next_customer(session: Session, scope: TenantScope, run_id: int, now: datetime) -> bool:
    """Bill the run's next customer and count the outcome with it; False when the run is over
    (then it is marked done, or failed when no customer could be billed). A customer whose
    billing raises is rolled back alone and counted as an error."""
    runs = BillingRunRepository(session, scope)
    run = runs.lock(run_id)
    if run is None or run.status != BillingRunStatus.RUNNING:
        return False
    if run.done >= run.total:
        _finish(session, scope, run, now)
        return False
    customer_id = run.customer_ids[run.done]
    try:
        with session.begin_nested():
            billed = bill_customer(session, scope, customer_id, now)
    except Exception as exc:  # one customer's failure must not stop the run: it is counted and shown
        log.exception("billing run %s: customer %s failed", run_id, customer_id)
        run.errors += 1
        run.last_error = f"Customer {customer_id}: {exc}"[:500]
    else:
        run.issued += len(billed.invoice_numbers)
        run.skipped_below_minimum += billed.skipped_below_minimum
        run.invoice_numbers = [*run.invoice_numbers, *billed.invoice_numbers]
    run.done += 1
    session.flush()
    return True


def bill_customer(session: Session, scope: TenantScope, customer_id: int, now: datetime) -> CustomerBilled:
    """Charge the customer's due periods, then invoice every unbilled charge (one invoice per
    currency); an invoice below the tenant's minimum waits, and credits alone make none."""
    if billing_profile(session, scope, customer_id) is None:
        raise NotFoundError(f"Customer {customer_id} has no billing profile.")
    charger = Charger(session, scope)
    for subscription in charger.subscriptions.due_for_customers([customer_id], now):
        charger.bill([subscription], now)
    ctx = InvoicingContext(session, scope)
    drafts = build_drafts(ctx, lock_unbilled_charges(session, scope, [customer_id], now))
    invoices = ctx.invoices.by_ids(issue_drafts(ctx, drafts, now))
    issued_currencies = {invoice.currency for invoice in invoices}
    waiting = [
        draft
        for draft in drafts
        if draft.currency not in issued_currencies and sum((line.net for line in draft.lines), Decimal(0)) > 0
    ]
    return CustomerBilled([invoice.number or "" for invoice in invoices], len(waiting))


def _finish(session: Session, scope: TenantScope, run: BillingRun, now: datetime) -> None:
    failed = run.total > 0 and run.errors == run.total
    run.status = BillingRunStatus.FAILED if failed else BillingRunStatus.DONE
    run.finished_at = now
    session.flush()
    audit.record(
        session, scope, audit.Actor(user_id=run.requested_by_user_id), "invoices.bill_now",
        object_type="billing_run", object_id=run.id,
        after={
            "status": str(run.status), "invoices": list(run.invoice_numbers), "issued": run.issued,
            "skipped_below_minimum": run.skipped_below_minimum, "errors": run.errors,
        },
    )  # fmt: skip
