"""Admins' notes on a customer, on the demo as of `DEMO_AS_OF`: added and listed newest first with
their author, refused with the field's message when empty or too long, exported as CSV that a
spreadsheet cannot run as formulas, and audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock
from backend.customers import notes
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models import AuditLogEntry, CustomerAccount, CustomerNote, User
from backend.tenancy.service import scope_for_slug


@pytest.fixture
def scope(demo_session: Session) -> TenantScope:
    return scope_for_slug(demo_session, "demo")


@pytest.fixture
def admin(demo_session: Session, scope: TenantScope) -> Actor:
    found = demo_session.scalars(select(User).where(User.email == "admin@demo.example")).one()
    return Actor.admin(scope.tenant_id, user_id=found.id)


def _erika(session: Session) -> int:
    account = session.scalars(select(CustomerAccount).where(CustomerAccount.number == "C-10001")).one()
    assert account.id is not None
    return account.id


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_notes_are_listed_newest_first_with_author_and_audited(
    demo_session: Session, scope: TenantScope, admin: Actor, demo_clock: clock.FrozenClock
) -> None:
    erika = _erika(demo_session)
    first = notes.add_note(demo_session, scope, admin, erika, "  Called about the overdue invoice.  ")
    demo_clock.advance(timedelta(minutes=5))
    second = notes.add_note(demo_session, scope, admin, erika, "Promised to pay by Friday.")
    listed = notes.list_notes(demo_session, scope, admin, erika)
    assert [n.body for n in listed.items] == [
        "Promised to pay by Friday.",
        "Called about the overdue invoice.",
    ]
    assert {n.author for n in listed.items} == {"admin@demo.example"}
    assert listed.items[1].created_at == first.created_at and not listed.has_more
    older = notes.list_notes(demo_session, scope, admin, erika, limit=1, starting_after=second.id)
    assert [n.id for n in older.items] == [first.id]
    entry = demo_session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action == "customer.add_note").order_by(AuditLogEntry.id)
    ).all()[-1]
    assert (entry.object_id, entry.after) == ("C-10001", {"note_id": second.id, "characters": 26})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Write the note first."),
        ("x" * 5001, "A note holds at most 5,000 characters (this one has 5,001)."),
    ],
)
def test_an_empty_or_too_long_note_is_refused_for_its_field_and_nothing_is_written(
    demo_session: Session, scope: TenantScope, admin: Actor, body: str, message: str
) -> None:
    before = (_count(demo_session, CustomerNote), _count(demo_session, AuditLogEntry))
    with pytest.raises(FieldErrors) as refused:
        notes.add_note(demo_session, scope, admin, _erika(demo_session), body)
    assert refused.value.fields == {"body": message}
    assert (_count(demo_session, CustomerNote), _count(demo_session, AuditLogEntry)) == before


def test_a_note_of_exactly_5000_characters_is_kept_whole(
    demo_session: Session, scope: TenantScope, admin: Actor
) -> None:
    note = notes.add_note(demo_session, scope, admin, _erika(demo_session), "y" * 5000)
    assert len(note.body) == 5000


def test_the_csv_export_defuses_formulas_and_keeps_every_character(
    demo_session: Session, scope: TenantScope, admin: Actor, demo_clock: clock.FrozenClock
) -> None:
    erika = _erika(demo_session)
    bodies = ['=HYPERLINK("http://x")', "+1 555", "-2", "@SUM(A1)", 'Plain, with "quotes"\nand a line']
    for body in bodies:
        notes.add_note(demo_session, scope, admin, erika, body)
        demo_clock.advance(timedelta(minutes=1))
    exported = notes.notes_csv(demo_session, scope, admin, erika)
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == ["written_at_utc", "author", "note"]
    assert [row[2] for row in rows[1:]] == [
        'Plain, with "quotes"\nand a line',
        "'@SUM(A1)",
        "'-2",
        "'+1 555",
        '\'=HYPERLINK("http://x")',
    ]
    assert rows[1][:2] == ["2026-11-12T10:04:00+00:00", "admin@demo.example"]
    exports = demo_session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action == "customer.export_notes")
    ).all()
    assert [(e.object_id, e.after) for e in exports] == [("C-10001", {"notes": 5})]


def test_notes_of_an_unknown_customer_are_not_found(
    demo_session: Session, scope: TenantScope, admin: Actor
) -> None:
    with pytest.raises(NotFoundError):
        notes.add_note(demo_session, scope, admin, 10**9, "Hello")
    assert notes.safe_cell("\tindent") == "'\tindent" and notes.safe_cell("a=b") == "a=b"
