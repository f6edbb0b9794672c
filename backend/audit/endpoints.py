"""The audit log's REST route: the tenant's entries, newest first, for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from backend.api.params import Limit, Page, StartingAfter
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.audit import service as audit
from backend.audit.schemas import AuditEntryView
from backend.db import unit_of_work

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/admin/audit-log")
def audit_log(
    request: Request,
    principal: TokenPrincipal,
    limit: Limit = 50,
    starting_after: StartingAfter = None,
    object_type: Annotated[str, Query(max_length=50)] = "",
    object_id: Annotated[str, Query(max_length=100)] = "",
) -> Page[AuditEntryView]:
    """The tenant's audit log, newest first: `starting_after` pages to older entries."""
    with unit_of_work() as session:
        entries = audit.list_entries(
            session,
            token_scope(principal),
            token_actor(request, principal),
            limit=limit,
            starting_after=starting_after,
            object_type=object_type,
            object_id=object_id,
        )
    return Page.of(entries)
