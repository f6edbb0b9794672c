"""Bill now from the admin pages (all customers from /admin/invoices, one from a customer's page):
start the job, then read its progress until it is done; the newest run is shown again after a
reload. The job itself is `backend.invoicing.billing_runs` on the billing queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend import clock
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.invoicing import billing_runs
from backend.invoicing.schemas import BillingRunView
from backend.kit.principals import RequestContext, SignedInUser

FINISHED = ("done", "failed")


@dataclass(frozen=True, slots=True)
class BillNowProgress:
    job_id: int
    status: str  # queued, running, done, failed
    done: int
    total: int
    issued: int
    skipped_below_minimum: int
    errors: int
    invoice_numbers: list[str]
    last_error: str

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def start_bill_now(
    request: RequestContext, user: SignedInUser, customer_id: int | None = None
) -> BillNowProgress:
    """Record the run and queue its job once it is committed."""
    with unit_of_work() as session:
        run = billing_runs.request_bill_now(
            session, user_scope(user), actor(request, user), clock.now(), customer_account_id=customer_id
        )
        view = billing_runs.run_view(run)
    billing_runs.queue_run(user.tenant_id, view.job_id)
    return _progress(view)


def bill_now_progress(user: SignedInUser, job_id: int) -> BillNowProgress:
    with unit_of_work() as session:
        return _progress(billing_runs.billing_run(session, user_scope(user), actor(None, user), job_id))


def latest_bill_now(user: SignedInUser, customer_id: int | None = None) -> BillNowProgress | None:
    with unit_of_work() as session:
        found = billing_runs.latest_run(session, user_scope(user), actor(None, user), customer_id)
    return _progress(found) if found is not None else None


def _progress(view: BillingRunView) -> BillNowProgress:
    return BillNowProgress(
        job_id=view.job_id,
        status=view.status,
        done=view.done,
        total=view.total,
        issued=view.issued,
        skipped_below_minimum=view.skipped_below_minimum,
        errors=view.errors,
        invoice_numbers=view.invoice_numbers,
        last_error=view.last_error,
    )
