"""The admin invoice API: search and read every invoice, write a manual draft, issue, void, mark
paid or unpaid (with a reason), and bill now as a job whose status is read under /admin/jobs.

Admins' tokens with the "admin" scope only (the services ask the policy). An invoice is addressed
by its number (`INV-2027-00001`), a draft by its id; another tenant's is 404. Every POST takes an
`Idempotency-Key` (the middleware) and commits before it answers; bill now queues its job after.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from sqlmodel import Session

from backend import clock
from backend.api.params import Id, Limit, Page, StartingAfter
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.invoicing import admin_reads, billing_runs, manual_drafts
from backend.invoicing import service as invoicing
from backend.invoicing.schemas import (
    AdminInvoiceFile,
    AdminInvoiceRow,
    BillingRunView,
    BillNowInput,
    DraftInput,
    ReasonInput,
)
from backend.kit.repository import TenantScope
from backend.models import InvoiceStatus

router = APIRouter(prefix="/api/v1/admin", tags=["v1"])

Reference = Annotated[
    str,
    Path(
        pattern=r"^(INV-[0-9]{4}-[0-9]{5,12}|[0-9]{1,19})$",
        max_length=48,
        description="The invoice's number, or a draft's id",
        examples=["INV-2027-00001"],
    ),
]
ReasonBody = Annotated[
    ReasonInput,
    Body(
        openapi_examples={"transfer": {"summary": "Why", "value": {"reason": "Transfer 2027-05-12 received"}}}
    ),
]
Step = Callable[[Session, TenantScope, Actor, int], object]


@router.get("/invoices", summary="Search invoices")
def list_invoices(
    request: Request,
    principal: TokenPrincipal,
    number: Annotated[str, Query(max_length=40, description="Part of the invoice number")] = "",
    customer: Annotated[str, Query(max_length=100, description="Part of the customer's name or number")] = "",
    status: Annotated[InvoiceStatus | None, Query(description="Only this status")] = None,
    issued_from: Annotated[
        date | None, Query(description="Issued on or after this day (tenant time)")
    ] = None,
    issued_until: Annotated[
        date | None, Query(description="Issued on or before this day (tenant time)")
    ] = None,
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[AdminInvoiceRow]:
    """Every invoice of the tenant (drafts too) matching the search, oldest first by id."""
    wanted = admin_reads.checked_filter(
        number, customer, status.value if status else "", issued_from, issued_until
    )
    with unit_of_work() as session:
        found = admin_reads.invoices_after(
            session, token_scope(principal), token_actor(request, principal), wanted,
            limit=limit, starting_after=starting_after,
        )  # fmt: skip
    return Page.of(found)


@router.post("/invoices", status_code=201, summary="Write a manual draft invoice")
def create_draft(body: DraftInput, request: Request, principal: TokenPrincipal) -> AdminInvoiceFile:
    """A draft for one customer with lines (description, quantity, net unit price, tax category);
    the tax shown is what it would be if issued now. Issue it with `.../{id}/issue`."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        draft = manual_drafts.create_draft(session, scope, actor, body, clock.now())
        assert draft.id is not None
        return admin_reads.invoice_file(session, scope, actor, draft.id)


@router.get("/invoices/{reference}", summary="Get an invoice")
def get_invoice(reference: Reference, request: Request, principal: TokenPrincipal) -> AdminInvoiceFile:
    """The invoice with its lines, credit notes and history (the audit log's entries about it)."""
    return _on_invoice(reference, request, principal, None)


@router.post("/invoices/{reference}/issue", summary="Issue a draft")
def issue(reference: Reference, request: Request, principal: TokenPrincipal) -> AdminInvoiceFile:
    """Give the draft the next gapless number of the year and the tax of the day; due after the
    tenant's payment terms. An invoice that is not a draft answers 409."""
    return _on_invoice(
        reference, request, principal,
        lambda s, scope, actor, i: manual_drafts.issue_invoice(s, scope, actor, i, clock.now()),
    )  # fmt: skip


@router.post("/invoices/{reference}/void", summary="Void an invoice")
def void(
    reference: Reference, body: ReasonBody, request: Request, principal: TokenPrincipal
) -> AdminInvoiceFile:
    """Void an issued or overdue, unpaid invoice: a credit note for everything not yet credited."""
    return _on_invoice(
        reference, request, principal,
        lambda s, scope, actor, i: invoicing.void_invoice(s, scope, i, body.reason, clock.now(), actor=actor),
    )  # fmt: skip


@router.post("/invoices/{reference}/mark-paid", summary="Mark an invoice paid")
def mark_paid(
    reference: Reference, body: ReasonBody, request: Request, principal: TokenPrincipal
) -> AdminInvoiceFile:
    """Record the payment of an issued or overdue invoice in full, with the reason (audited)."""

    def step(session: Session, scope: TenantScope, actor: Actor, invoice_id: int) -> object:
        return invoicing.mark_paid(session, scope, invoice_id, clock.now(), actor=actor, reason=body.reason)

    return _on_invoice(reference, request, principal, step)


@router.post("/invoices/{reference}/mark-unpaid", summary="Mark an invoice unpaid")
def mark_unpaid(
    reference: Reference, body: ReasonBody, request: Request, principal: TokenPrincipal
) -> AdminInvoiceFile:
    """Undo a wrong "paid", with the reason (audited): the balance is owed again."""

    def step(session: Session, scope: TenantScope, actor: Actor, invoice_id: int) -> object:
        return invoicing.mark_unpaid(session, scope, invoice_id, clock.now(), actor=actor, reason=body.reason)

    return _on_invoice(reference, request, principal, step)


@router.post("/bill-now", status_code=202, summary="Bill now")
def bill_now(body: BillNowInput, request: Request, principal: TokenPrincipal) -> BillingRunView:
    """Invoice the unbilled charges of one customer (`customer_account_id`) or of every customer,
    as a job: the answer names its `job_id`; `GET /api/v1/admin/jobs/{job_id}` tells its progress
    and, when done, how many invoices were issued, skipped below the minimum or failed."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        run = billing_runs.request_bill_now(
            session, scope, actor, clock.now(), customer_account_id=body.customer_account_id
        )
        view = billing_runs.run_view(run)
    billing_runs.queue_run(scope.tenant_id, view.job_id)
    return view


@router.get("/jobs/{job_id}", summary="Get a job")
def get_job(job_id: Id, request: Request, principal: TokenPrincipal) -> BillingRunView:
    """A bill now job: queued, running (done of total customers), then done or failed with its summary."""
    with unit_of_work() as session:
        return billing_runs.billing_run(
            session, token_scope(principal), token_actor(request, principal), job_id
        )


def _on_invoice(reference: str, request: Request, principal: Any, step: Step | None) -> AdminInvoiceFile:
    """Run `step` on the invoice `reference` (none: only read it), then answer its file."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        invoice_id = admin_reads.invoice_id_for_reference(session, scope, actor, reference)
        if step is not None:
            step(session, scope, actor, invoice_id)
        return admin_reads.invoice_file(session, scope, actor, invoice_id)
