"""Invoices' REST routes for customers and admins: the statement (list) and one invoice.

Routes authenticate the token (401) and leave "may this caller read it?" to the statement
(backend/invoicing/statements.py), which asks the policy: a customer's token reads the invoices of
its user's customer account, an admin's the tenant's, both with the "read" scope. Another
customer's invoice, like another tenant's, is 404. An invoice is addressed by its number.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from backend.api.params import Limit, Page, StartingAfter
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.db import unit_of_work
from backend.invoicing import statements
from backend.invoicing.statement_schemas import InvoiceSummaryView, InvoiceView, StatementStatus

router = APIRouter(prefix="/api/v1", tags=["v1"])

InvoiceNumber = Annotated[
    str,
    Path(
        pattern=r"^INV-[0-9]{4}-[0-9]{5,12}$",
        max_length=22,
        description="The invoice's number",
        examples=["INV-2026-00001"],
    ),
]
StatusFilter = Annotated[
    StatementStatus | None, Query(description="Only invoices with this status (drafts are never listed)")
]


@router.get("/invoices", summary="List invoices")
def list_invoices(
    request: Request,
    principal: TokenPrincipal,
    status: StatusFilter = None,
    limit: Limit = 20,
    starting_after: StartingAfter = None,
) -> Page[InvoiceSummaryView]:
    """The invoices of the caller's customer account (an admin's token: the tenant's). Unpaid ones
    (issued, overdue) come first, the earliest due first; then paid, void and uncollectible ones,
    the newest first. Each lists its credit notes. `starting_after` is the `id` of the last
    invoice of the previous page (an id that is not in this list is a 422)."""
    with unit_of_work() as session:
        found = statements.list_invoices(
            session, token_scope(principal), token_actor(request, principal),
            status=status, limit=limit, starting_after=starting_after,
        )  # fmt: skip
    return Page.of(found)


@router.get("/invoices/{invoice_number}", summary="Get an invoice")
def get_invoice(invoice_number: InvoiceNumber, request: Request, principal: TokenPrincipal) -> InvoiceView:
    """One invoice: lines with their service periods, the tax per rate and the tax note, totals,
    balance due, credit notes, bank transfer details while it is open, and `pdf_url`."""
    with unit_of_work() as session:
        return statements.invoice_by_number(
            session, token_scope(principal), token_actor(request, principal), invoice_number
        )
