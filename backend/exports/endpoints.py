"""CSV exports over HTTP, streamed for a range of days.

`/api/v1/admin/exports/{kind}.csv` takes an admin's personal access token (scope "admin"); the
console's downloads with the browser's session cookie (`/api/admin/exports/...`, and the files of
export jobs) are in backend/api/downloads.py and stream through `streamed_export` too. The export
is allowed and audited in a first unit of work, so a refusal is an ordinary problem answer; the
rows then stream from a second one, batch by batch, while the response is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.exports import service
from backend.kit.repository import TenantScope
from backend.models import ExportKind

router = APIRouter(prefix="/api/v1/admin", tags=["v1"])

From = Annotated[date, Query(alias="from", description="First day, inclusive (UTC), e.g. 2026-01-01")]
To = Annotated[date, Query(alias="to", description="Day after the last, exclusive (UTC), e.g. 2026-02-01")]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "UTF-8 CSV with a header line; money as decimal strings with a currency column,"
        " times ISO 8601 in UTC",
    },
    422: {"description": "The range does not end after it starts, or a parameter is malformed"},
}
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


@router.get(
    "/exports/{kind}.csv",
    summary="Export rows of a range of days as CSV",
    responses=CSV_RESPONSE,
    response_class=StreamingResponse,
)
async def export_csv(
    kind: ExportKind, range_from: From, range_to: To, request: Request, principal: TokenPrincipal
) -> StreamingResponse:
    """Invoices (by issue), credit notes (by issue), payments, customers or subscriptions (by
    creation) of [from, to), streamed as they are read: any size, in constant memory."""
    return await streamed_export(
        token_actor(request, principal), token_scope(principal), kind, range_from, range_to
    )


async def streamed_export(
    actor: Actor, scope: TenantScope, kind: ExportKind, range_from: date, range_to: date
) -> StreamingResponse:
    filename = await asyncio.to_thread(_allowed, actor, scope, kind, range_from, range_to)
    return StreamingResponse(
        _rows(scope, kind, range_from, range_to),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _allowed(actor: Actor, scope: TenantScope, kind: ExportKind, range_from: date, range_to: date) -> str:
    with unit_of_work() as session:  # commits the audit entry before the first byte
        return service.open_download(session, scope, actor, kind, range_from, range_to)


def _rows(scope: TenantScope, kind: ExportKind, range_from: date, range_to: date) -> Iterator[bytes]:
    """Runs in Starlette's thread pool, one chunk per batch of rows."""
    with unit_of_work() as session:
        yield from service.csv_chunks(session, scope, kind, range_from, range_to)
