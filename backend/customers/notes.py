"""Notes admins keep on a customer account: added, listed newest first, exported as CSV.

Only admins read and write them (they may say things the customer is not meant to read). A note
is a body of 1 to 5,000 characters, stamped with its author and time; notes are never edited, so
the list is the history. Adding one and exporting them are audited.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from backend.audit import service as audit
from backend.customers.repository import CustomerAccountRepository, CustomerNoteRepository
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.pagination import Page
from backend.kit.policy import Action, Actor, authorize
from backend.kit.repository import TenantScope
from backend.kit.text import safe_cell
from backend.models import CustomerAccount, CustomerNote
from backend.models.notes import NOTE_MAX_LENGTH

CSV_COLUMNS = ("written_at_utc", "author", "note")


@dataclass(frozen=True, slots=True)
class NoteView:
    id: int
    customer_account_id: int
    author: str  # the author's email; empty when the user no longer exists
    body: str
    created_at: datetime


def add_note(
    session: Session, scope: TenantScope, actor: Actor, customer_account_id: int, body: str
) -> NoteView:
    """Add a note to the tenant's customer account; an empty or too long body is refused with a
    message for the field (`FieldErrors`) and nothing is written."""
    authorize(actor, scope, Action.ADD_CUSTOMER_NOTE)
    account = _account(session, scope, customer_account_id)
    text = body.strip()
    if not text:
        raise FieldErrors({"body": "Write the note first."})
    if len(text) > NOTE_MAX_LENGTH:
        raise FieldErrors(
            {"body": f"A note holds at most {NOTE_MAX_LENGTH:,} characters (this one has {len(text):,})."}
        )
    note = CustomerNoteRepository(session, scope).add(
        CustomerNote(customer_account_id=customer_account_id, author_user_id=actor.user_id, body=text)
    )
    assert note.id is not None
    audit.record(
        session,
        scope,
        actor,
        "customer.add_note",
        object_type="customer_account",
        object_id=account.number,
        after={"note_id": note.id, "characters": len(text)},
    )
    found = CustomerNoteRepository(session, scope).with_author(note.id)
    assert found is not None
    return _view(*found)


def list_notes(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    customer_account_id: int,
    *,
    limit: int = 50,
    starting_after: int | None = None,
) -> Page[NoteView]:
    """The account's notes, newest first, older than the note `starting_after`."""
    authorize(actor, scope, Action.READ_CUSTOMER_NOTES)
    _account(session, scope, customer_account_id)
    found = CustomerNoteRepository(session, scope).page_with_authors(
        customer_account_id, limit=limit, starting_after=starting_after
    )
    return found.map(lambda row: _view(*row))


def notes_csv(session: Session, scope: TenantScope, actor: Actor, customer_account_id: int) -> str:
    """Every note of the account as CSV (newest first); a cell a spreadsheet would run as a
    formula is prefixed with an apostrophe. The export is audited."""
    authorize(actor, scope, Action.READ_CUSTOMER_NOTES)
    account = _account(session, scope, customer_account_id)
    rows = CustomerNoteRepository(session, scope).all_with_authors(customer_account_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for note, author in rows:
        writer.writerow([safe_cell(note.created_at.isoformat()), safe_cell(author), safe_cell(note.body)])
    audit.record(
        session,
        scope,
        actor,
        "customer.export_notes",
        object_type="customer_account",
        object_id=account.number,
        after={"notes": len(rows)},
    )
    return out.getvalue()


def _account(session: Session, scope: TenantScope, customer_account_id: int) -> CustomerAccount:
    account = CustomerAccountRepository(session, scope).get(customer_account_id)
    if account is None:
        raise NotFoundError("Customer not found.")
    return account


def _view(note: CustomerNote, author: str) -> NoteView:
    assert note.id is not None
    return NoteView(
        id=note.id,
        customer_account_id=note.customer_account_id,
        author=author,
        body=note.body,
        created_at=note.created_at,
    )
