"""Customer notes in the admin API: `/api/v1/admin/customers/{id}/notes` (the console's CSV
download of them is backend/api/downloads.py).

Admins only (the notes service asks the policy); an id of another tenant is 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from backend.api.params import Id, Limit, Page, StartingAfter
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.customers import notes
from backend.customers.notes import NoteView
from backend.db import unit_of_work
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
