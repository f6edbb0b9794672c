"""Files the console's pages download with the browser's session cookie (not a token): a
customer's notes as CSV for the signed-in admin. The services ask the policy; an id of another
tenant is 404.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.api.params import Id
from backend.api.problems import ApiProblem
from backend.api.security import request_context, user_for_request
from backend.customers import notes
from backend.db import unit_of_work
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope

router = APIRouter(include_in_schema=False)


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
