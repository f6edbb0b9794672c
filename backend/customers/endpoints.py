"""Customer notes: the admin API (`/api/v1/admin/customers/{id}/notes`) and the console's CSV
download of a customer's notes (the browser's admin session, `/api/admin/...`).

Admins only (the notes service asks the policy); an id of another tenant is 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from backend.api.params import Id, Limit, Page, StartingAfter
from backend.api.problems import ApiProblem
from backend.api.security import TokenPrincipal, request_context, token_actor, token_scope, user_for_request
from backend.customers import notes
from backend.customers.notes import NoteView
from backend.db import unit_of_work
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models.notes import NOTE_MAX_LENGTH

router = APIRouter(tags=["v1"])


class NoteInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Longer bodies are refused by the service with the field's message; this bounds the request.
    body: str = Field(max_length=NOTE_MAX_LENGTH * 2, description=f"1 to {NOTE_MAX_LENGTH:,} characters")


NoteBody = Annotated[
    NoteInput,
    Body(
        openapi_examples={
            "call": {
                "summary": "A note on a phone call",
                "value": {"body": "Called about the overdue invoice."},
            }
        }
    ),
]


@router.get("/api/v1/admin/customers/{customer_id}/notes", summary="List a customer's notes")
def list_notes(
    customer_id: Id,
    request: Request,
    principal: TokenPrincipal,
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[NoteView]:
    """The customer's notes, newest first: `starting_after` is the `id` of the last note of the
    previous page (older notes follow)."""
    with unit_of_work() as session:
        found = notes.list_notes(
            session, token_scope(principal), token_actor(request, principal), customer_id,
            limit=limit, starting_after=starting_after,
        )  # fmt: skip
    return Page.of(found)


@router.post("/api/v1/admin/customers/{customer_id}/notes", status_code=201, summary="Add a note")
def add_note(customer_id: Id, body: NoteBody, request: Request, principal: TokenPrincipal) -> NoteView:
    """Add a note to the customer (1 to 5,000 characters, surrounding spaces trimmed); audited."""
    with unit_of_work() as session:
        return notes.add_note(
            session, token_scope(principal), token_actor(request, principal), customer_id, body.body
        )


@router.get("/api/admin/customers/{customer_id}/notes.csv", include_in_schema=False)
async def download_notes(customer_id: Id, request: Request) -> Response:
    """The customer's notes as a CSV file, for the admin signed in to the console."""
    user = await user_for_request(request)
    if user is None:
        raise ApiProblem(401, "Unauthorized", "Sign in to the console as an admin first.")
    actor = Actor.for_user(user, request_context(request).ip_address)
    with unit_of_work() as session:
        text = notes.notes_csv(session, TenantScope(user.tenant_id), actor, customer_id)
    return Response(
        content=text.encode("utf-8-sig"),  # the BOM makes spreadsheets read the file as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="customer-{customer_id}-notes.csv"',
            "Cache-Control": "no-store",
        },
    )
