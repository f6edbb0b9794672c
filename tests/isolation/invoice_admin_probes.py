"""The isolation table of the admin's invoices: the search and an invoice's file, manual drafts
(write, change, delete, issue), and "bill now" runs with their job; and the repository methods
behind them.

Like service_probes.py and repository_probes.py: `call(session, me, a)` acts in `me`'s scope with
A's ids, `NotFoundError` (services) or nothing (repositories) by default. A has a manual draft for
Alice and a queued "bill now" run for her (tests/isolation/world.py); B has neither. B's one paid
invoice is its INV-2027-00001; A's issued invoice has a later number of A's counter.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.invoicing import admin_reads, billing_runs, manual_drafts
from backend.invoicing.repository import BillingRunRepository, InvoiceFilter, InvoiceSearch
from backend.invoicing.schemas import DraftInput, DraftLineInput
from backend.invoicing.tasks import BILL_NOW
from backend.kit.errors import FieldErrors
from backend.models import Invoice
from tests.isolation.probes import Probe, Raises, nothing
from tests.isolation.repository_probes import R
from tests.isolation.service_probes import S, coordinator_units
from tests.isolation.world import NOW, Side


def _number(session: Session, invoice_id: int) -> str:
    invoice = session.get(Invoice, invoice_id)
    assert invoice is not None and invoice.number
    return invoice.number


def _draft_for(customer_id: int) -> DraftInput:
    line = DraftLineInput(description="Consulting", quantity=Decimal(2), unit_price=Decimal("90.00"))
    return DraftInput(customer_account_id=customer_id, lines=[line])


def _invoices_of_b(result: Any, b: Side, session: Session) -> None:
    """A page of B's own invoices only."""
    rows = result.invoices if hasattr(result, "invoices") else result.items
    owners = {row.customer_id for row in rows}
    assert owners <= {b.customer_id}, f"tenant B got invoices of customers {owners!r}"


def _started_then_next(session: Session, me: Side, a: Side) -> tuple[bool, bool]:
    """Start A's run, then bill its next customer (B must manage neither)."""
    started = billing_runs.start_run(session, me.scope, a.bill_now_run, NOW)
    return started, billing_runs.bill_next_customer(session, me.scope, a.bill_now_run, NOW)


INVOICE_ADMIN_PROBES: list[Probe] = [
    S(
        admin_reads.invoice_list,
        lambda s, me, a: admin_reads.invoice_list(s, me.scope, me.actor, InvoiceFilter()),
        _invoices_of_b,
    ),
    S(
        admin_reads.invoices_after,
        lambda s, me, a: admin_reads.invoices_after(s, me.scope, me.actor, InvoiceFilter()),
        _invoices_of_b,
    ),
    S(
        admin_reads.invoice_id_for_reference,
        lambda s, me, a: admin_reads.invoice_id_for_reference(
            s, me.scope, me.actor, _number(s, a.issued_invoice)
        ),
    ),
    S(
        admin_reads.invoice_id_for_reference,
        lambda s, me, a: admin_reads.invoice_id_for_reference(s, me.scope, me.actor, str(a.draft_invoice)),
        label="a draft's id",
    ),
    S(
        admin_reads.invoice_file,
        lambda s, me, a: admin_reads.invoice_file(s, me.scope, me.actor, a.issued_invoice),
    ),
    # B cannot write a draft for A's customer: no customer with a billing profile has that id in B.
    S(
        manual_drafts.create_draft,
        lambda s, me, a: manual_drafts.create_draft(s, me.scope, me.actor, _draft_for(a.customer_id), NOW),
        Raises(FieldErrors, "Customer"),
    ),
    S(
        manual_drafts.update_draft,
        lambda s, me, a: manual_drafts.update_draft(
            s, me.scope, me.actor, a.draft_invoice, _draft_for(me.customer_id), NOW
        ),
    ),
    S(
        manual_drafts.delete_draft,
        lambda s, me, a: manual_drafts.delete_draft(s, me.scope, me.actor, a.draft_invoice),
    ),
    S(
        manual_drafts.issue_invoice,
        lambda s, me, a: manual_drafts.issue_invoice(s, me.scope, me.actor, a.draft_invoice, NOW),
    ),
    S(
        billing_runs.request_bill_now,
        lambda s, me, a: billing_runs.request_bill_now(
            s, me.scope, me.actor, NOW, customer_account_id=a.customer_id
        ),
    ),
    S(
        billing_runs.billing_run,
        lambda s, me, a: billing_runs.billing_run(s, me.scope, me.actor, a.bill_now_run),
    ),
    S(
        billing_runs.latest_run,
        lambda s, me, a: billing_runs.latest_run(s, me.scope, me.actor, a.customer_id),
        nothing,
    ),
    S(
        billing_runs.unfinished_run_keys,
        lambda s, me, a: billing_runs.unfinished_run_keys(s, me.scope),
        nothing,
    ),
    S(
        billing_runs.start_run,
        lambda s, me, a: billing_runs.start_run(s, me.scope, a.bill_now_run, NOW),
        nothing,
    ),
    S(billing_runs.bill_next_customer, _started_then_next, nothing),
    S(
        billing_runs.bill_customer,
        lambda s, me, a: billing_runs.bill_customer(s, me.scope, a.customer_id, NOW),
    ),
    *coordinator_units(BILL_NOW, lambda a: f"run:{a.bill_now_run}"),
]

INVOICE_ADMIN_REPOSITORY_PROBES: list[Probe] = [
    R(InvoiceSearch.count_matching, lambda s, me, a: (InvoiceFilter(customer_account_id=a.customer_id),)),
    R(
        InvoiceSearch.rows,
        lambda s, me, a: {"wanted": InvoiceFilter(customer_account_id=a.customer_id), "limit": 10},
    ),
    R(InvoiceSearch.with_customer, lambda s, me, a: (a.issued_invoice,)),
    R(InvoiceSearch.id_for_number, lambda s, me, a: (_number(s, a.issued_invoice),)),
    R(InvoiceSearch.user_emails, lambda s, me, a: ({a.user_id},)),
    R(BillingRunRepository.lock, lambda s, me, a: (a.bill_now_run,)),
    R(BillingRunRepository.unfinished_ids),
    R(BillingRunRepository.latest, lambda s, me, a: (a.customer_id,)),
]

# Operations without a probe, and why none is needed.
EXEMPT: dict[str, str] = {
    "invoicing.issuing.priced_draft": (
        "prices the draft and billing profile it is handed, read by its callers in the same scope"
        " (probed: create_draft, update_draft); reads only the tenant's OSS totals in the context"
    ),
    "invoicing.issuing.issue_written_draft": (
        "issues the invoice and lines its caller locked and read in the same scope (probed: issue_invoice)"
    ),
}
