"""Files the console's pages download with the browser's session cookie (not a token): a
customer's notes and the filtered audit log as CSV for the signed-in admin; invoice and
credit-note PDFs for their owner or an admin. The services ask the policy; an id of another tenant is 404.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from backend.api.params import Id
from backend.api.problems import ApiProblem
from backend.api.security import request_context, user_for_request
from backend.audit import browse as audit_log
from backend.audit.schemas import AuditSearch
from backend.customers import notes
from backend.db import unit_of_work
from backend.documents import service as documents
from backend.documents.endpoints import CreditNoteNumber, InvoiceNumber, pdf_response
from backend.documents.errors import DocumentUnavailable
from backend.exports import service as exports
from backend.exports.endpoints import From, To, streamed_export
from backend.gateway import payments as payments_gateway
from backend.gateway.audit_log import audit_search
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models import ExportKind

router = APIRouter(include_in_schema=False)
PayToken = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
Filter = Annotated[str, Query(max_length=254)]


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


@router.get("/api/admin/audit.csv", include_in_schema=False)
async def download_audit_log(
    request: Request,
    who: Filter = "",
    action: Filter = "",
    object_type: Filter = "",
    object_id: Filter = "",
    since: Filter = "",
    until: Filter = "",
) -> StreamingResponse:
    """The tenant's audit log with the page's filters as CSV, streamed: the rows are read in
    batches while the file is sent, so a large log is never held in memory. The export is audited
    (and refused, 403, for anyone but an admin) before the first byte is sent."""
    actor, scope = await _signed_in(request)
    search = audit_search(who, action, object_type, object_id, since, until)
    await asyncio.to_thread(_record_audit_export, actor, scope, search)
    return StreamingResponse(
        _audit_csv(actor, scope, search),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="audit-log.csv"',
            "Cache-Control": "no-store",
        },
    )


def _record_audit_export(actor: Actor, scope: TenantScope, search: AuditSearch) -> None:
    with unit_of_work() as session:  # commits the export's audit entry before the file is sent
        audit_log.record_export(session, scope, actor, search)


def _audit_csv(actor: Actor, scope: TenantScope, search: AuditSearch) -> Iterator[bytes]:
    """Starlette pulls this generator in a worker thread; its session lives until the last line."""
    with unit_of_work() as session:
        yield "\ufeff".encode()  # the BOM makes spreadsheets read the file as UTF-8
        for line in audit_log.csv_lines(session, scope, actor, search):
            yield line.encode("utf-8")


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
