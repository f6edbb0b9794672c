"""Invoice and credit-note PDFs over the REST API (/api/v1) with a personal access token.

The owner customer account's members and the tenant's admins get the file; to anyone else it does
not exist (404). A lost file is rebuilt on the way; one that cannot be rebuilt as issued answers
503 and leaves an alarm for the admins (committed before the answer).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.api.downloads import CreditNoteNumber, InvoiceNumber, pdf_response
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.documents import service

router = APIRouter(prefix="/api/v1", tags=["v1"])

PDF_RESPONSE = {200: {"content": {"application/pdf": {}}, "description": "The PDF/A-3b with Factur-X XML"}}


@router.get("/invoices/{invoice_number}/pdf", summary="Download an invoice PDF", responses=PDF_RESPONSE)
def invoice_pdf(invoice_number: InvoiceNumber, request: Request, principal: TokenPrincipal) -> Response:
    """The invoice as issued: a PDF/A-3b with its EN 16931 (Factur-X) XML embedded."""
    return pdf_response(
        service.invoice_pdf, token_scope(principal), token_actor(request, principal), invoice_number
    )


@router.get(
    "/credit-notes/{credit_note_number}/pdf", summary="Download a credit note PDF", responses=PDF_RESPONSE
)
def credit_note_pdf(
    credit_note_number: CreditNoteNumber, request: Request, principal: TokenPrincipal
) -> Response:
    """The credit note as issued, for the owner of the invoice it corrects or an admin."""
    return pdf_response(
        service.credit_note_pdf, token_scope(principal), token_actor(request, principal), credit_note_number
    )
