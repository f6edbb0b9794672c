"""Invoice and credit-note PDFs over the REST API (/api/v1) with a personal access token.

The owner customer account's members and the tenant's admins get the file; to anyone else it does
not exist (404). A lost file is rebuilt on the way; one that cannot be rebuilt as issued answers
503 and leaves an alarm for the admins (committed before the answer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlmodel import Session

from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.db import unit_of_work
from backend.documents import service
from backend.documents.errors import DocumentUnavailable

router = APIRouter(prefix="/api/v1", tags=["v1"])

InvoiceNumber = Annotated[
    str,
    Path(pattern=r"^[A-Za-z0-9-]{1,40}$", description="The invoice's number", examples=["INV-2026-00001"]),
]
CreditNoteNumber = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9-]{1,48}$",
        description="The credit note's number",
        examples=["INV-2026-00001-CN1"],
    ),
]
PDF_RESPONSE = {200: {"content": {"application/pdf": {}}, "description": "The PDF/A-3b with Factur-X XML"}}


@router.get("/invoices/{invoice_number}/pdf", summary="Download an invoice PDF", responses=PDF_RESPONSE)
def invoice_pdf(invoice_number: InvoiceNumber, request: Request, principal: TokenPrincipal) -> Response:
    """The invoice as issued: a PDF/A-3b with its EN 16931 (Factur-X) XML embedded."""
    scope, actor = token_scope(principal), token_actor(request, principal)
    return pdf_response(lambda session: service.invoice_pdf(session, scope, actor, invoice_number))


@router.get(
    "/credit-notes/{credit_note_number}/pdf", summary="Download a credit note PDF", responses=PDF_RESPONSE
)
def credit_note_pdf(
    credit_note_number: CreditNoteNumber, request: Request, principal: TokenPrincipal
) -> Response:
    """The credit note as issued, for the owner of the invoice it corrects or an admin."""
    scope, actor = token_scope(principal), token_actor(request, principal)
    return pdf_response(lambda session: service.credit_note_pdf(session, scope, actor, credit_note_number))


def pdf_response(fetch: Callable[[Session], service.DocumentFile]) -> Response:
    """The document `fetch` finds in a unit of work, as a download: for the routes above and the
    console's cookie routes (backend/api/downloads.py). A first render, a restored file or an alarm
    is committed before the answer."""
    with unit_of_work() as session:  # commits a first render, a restored file's record, an alarm
        found = fetch(session)
    if found.content is None:
        raise DocumentUnavailable(found.number)
    return Response(
        content=found.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Cache-Control": "private, no-store",
        },
    )
