"""Files the console's pages download with the browser's session cookie (not a token): a
customer's notes as CSV for the signed-in admin; invoice and credit-note PDFs for their owner or an
admin. The services ask the policy; an id of another tenant is 404.
"""

from __future__ import annotations

import asyncio
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from backend.api.params import Id
from backend.api.problems import ApiProblem
from backend.api.security import request_context, user_for_request
from backend.customers import notes
from backend.db import unit_of_work
from backend.documents import service as documents
from backend.documents.endpoints import CreditNoteNumber, InvoiceNumber, pdf_response
from backend.documents.errors import DocumentUnavailable
from backend.exports import service as exports
from backend.exports.endpoints import From, To, streamed_export
from backend.gateway import payments as payments_gateway
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models import ExportKind

router = APIRouter(include_in_schema=False)
PayToken = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/api/admin/customers/{customer_id}/notes.csv", include_in_schema=False)
async def download_notes(customer_id: Id, request: Request) -> Response:
    """The customer's notes as a CSV file, for the admin signed in to the console."""
    user = await user_for_request(request)
    if user is None:
        raise ApiProblem(401, "Unauthorized", "Sign in to the console as an admin first.")
    actor = Actor.for_user(user, request_context(request).ip_address)
    text = await asyncio.to_thread(_notes_csv, actor, TenantScope(user.tenant_id), customer_id)
    return Response(
        content=text.encode("utf-8-sig"),  # the BOM makes spreadsheets read the file as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="customer-{customer_id}-notes.csv"',
            "Cache-Control": "no-store",
        },
    )


def _notes_csv(actor: Actor, scope: TenantScope, customer_id: int) -> str:
    with unit_of_work() as session:  # commits the export's audit entry
        return notes.notes_csv(session, scope, actor, customer_id)


@router.get("/api/invoices/{invoice_number}.pdf", include_in_schema=False)
async def download_invoice_pdf(invoice_number: InvoiceNumber, request: Request) -> Response:
    """The invoice's PDF for the signed-in owner or admin (the pages' "Download PDF" links)."""
    actor, scope = await _signed_in(request)
    return await asyncio.to_thread(
        pdf_response, lambda session: documents.invoice_pdf(session, scope, actor, invoice_number)
    )


@router.get("/api/credit-notes/{credit_note_number}.pdf", include_in_schema=False)
async def download_credit_note_pdf(credit_note_number: CreditNoteNumber, request: Request) -> Response:
    actor, scope = await _signed_in(request)
    return await asyncio.to_thread(
        pdf_response, lambda session: documents.credit_note_pdf(session, scope, actor, credit_note_number)
    )


async def _signed_in(request: Request) -> tuple[Actor, TenantScope]:
    user = await user_for_request(request)
    if user is None:
        raise ApiProblem(401, "Unauthorized", "Sign in to the console first.")
    return Actor.for_user(user, request_context(request).ip_address), TenantScope(user.tenant_id)


@router.get("/api/pay/{token}.pdf", include_in_schema=False)
async def download_payment_link_pdf(token: PayToken, request: Request) -> Response:
    """A payment link's invoice as PDF, for whoever holds the link (no sign-in; the token is the
    permission, checked in the host's tenant, guessing throttled per IP)."""
    context = request_context(request)
    found = await asyncio.to_thread(payments_gateway.pay_pdf, context, token)
    if found.content is None:
        raise DocumentUnavailable(found.number)
    return Response(
        content=found.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.get("/api/admin/exports/{kind}.csv", include_in_schema=False)
async def download_export(
    kind: ExportKind, range_from: From, range_to: To, request: Request
) -> StreamingResponse:
    """A CSV export of [from, to) for the signed-in admin (the exports page's direct download)."""
    actor, scope = await _signed_in(request)
    return await streamed_export(actor, scope, kind, range_from, range_to)


@router.get("/api/admin/exports/files/{job_id}.csv", include_in_schema=False)
async def download_export_file(job_id: Id, request: Request) -> FileResponse:
    """The file of a finished export job, for an admin of the job's tenant (another tenant's: 404)."""
    actor, scope = await _signed_in(request)
    path, filename = await asyncio.to_thread(_export_file, actor, scope, job_id)
    return FileResponse(
        path, media_type="text/csv; charset=utf-8", filename=filename, headers={"Cache-Control": "no-store"}
    )


def _export_file(actor: Actor, scope: TenantScope, job_id: int) -> tuple[PurePath, str]:
    with unit_of_work() as session:  # commits the download's audit entry
        return exports.export_file(session, scope, actor, job_id)
