"""Each document is rendered once and stored with its hash; a lost file is rebuilt to the same hash,
or an alarm is raised; only the owner and the tenant's admins can download it."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.documents import rendering
from backend.documents import service as documents
from backend.integrations.storage import DocumentStore
from backend.invoicing import service as invoicing
from backend.kit.errors import NotFoundError
from backend.kit.policy import Actor
from backend.models import CreditNote, DocumentAlarm
from tests.billing.world import World
from tests.documents.issued import issue_invoice, long_invoice, render_all, stored_pdf


def files_in(store: DocumentStore) -> list[str]:
    return sorted(str(path.relative_to(store.root)) for path in store.root.rglob("*.pdf"))


def test_the_job_renders_each_document_once(world: World, store: DocumentStore) -> None:
    issued = issue_invoice(world)
    assert issued.invoice.pdf_sha256 == ""  # the simulated billing run leaves rendering to the job
    assert render_all(world) == 1
    first = stored_pdf(store, issued.invoice)
    assert issued.invoice.pdf_sha256 == hashlib.sha256(first).hexdigest()
    assert render_all(world) == 0
    assert files_in(store) == [f"tenant-{world.scope.tenant_id}/invoices/{issued.invoice.number}.pdf"]
    assert stored_pdf(store, issued.invoice) == first


def test_a_lost_file_is_rebuilt_to_the_hash_recorded_at_issue(world: World, store: DocumentStore) -> None:
    issued = issue_invoice(world)
    render_all(world)
    recorded = issued.invoice.pdf_sha256
    store.delete(issued.invoice.pdf_storage_key)

    found = documents.invoice_pdf(world.session, world.scope, world.admin, str(issued.invoice.number))
    assert found.content is not None and hashlib.sha256(found.content).hexdigest() == recorded
    assert hashlib.sha256(stored_pdf(store, issued.invoice)).hexdigest() == recorded
    assert (
        world.session.scalars(
            select(DocumentAlarm).where(DocumentAlarm.tenant_id == world.scope.tenant_id)
        ).all()
        == []
    )


def test_a_rebuild_from_a_changed_snapshot_raises_an_alarm(world: World, store: DocumentStore) -> None:
    issued = issue_invoice(world)
    render_all(world)
    recorded = issued.invoice.pdf_sha256
    store.delete(issued.invoice.pdf_storage_key)
    issued.invoice.buyer_snapshot = {**issued.invoice.buyer_snapshot, "name": "Someone Else Ltd"}
    world.session.flush()

    number = str(issued.invoice.number)
    for _ in range(2):  # asked twice: one alarm
        found = documents.invoice_pdf(world.session, world.scope, world.admin, number)
        assert found.content is None
    assert not store.exists(issued.invoice.pdf_storage_key)
    [alarm] = documents.open_alarms(world.session, world.scope, world.admin)
    assert (alarm.kind, alarm.number, alarm.expected_sha256) == ("Invoice", number, recorded)
    assert alarm.actual_sha256 != recorded


def test_a_changed_file_is_replaced_by_the_rebuild(world: World, store: DocumentStore) -> None:
    issued = issue_invoice(world)
    render_all(world)
    store.put(issued.invoice.pdf_storage_key, b"%PDF-1.7 not the issued file")
    found = documents.invoice_pdf(world.session, world.scope, world.admin, str(issued.invoice.number))
    assert found.content is not None
    assert hashlib.sha256(stored_pdf(store, issued.invoice)).hexdigest() == issued.invoice.pdf_sha256


def test_the_owner_and_admins_download_and_anyone_else_gets_not_found(
    world: World, store: DocumentStore
) -> None:
    issued = issue_invoice(world)
    render_all(world)
    number = str(issued.invoice.number)
    stranger = world.customer()
    assert stranger.id is not None
    for actor in (issued.owner, world.admin):
        found = documents.invoice_pdf(world.session, world.scope, actor, number)
        assert found.content == stored_pdf(store, issued.invoice) and found.filename == f"{number}.pdf"
    with pytest.raises(NotFoundError):
        documents.invoice_pdf(
            world.session, world.scope, Actor.customer(world.scope.tenant_id, stranger.id), number
        )
    other = World(world.session, world.clock)  # another tenant: its admin looks in their own tenant
    with pytest.raises(NotFoundError):
        documents.invoice_pdf(other.session, other.scope, other.admin, number)


def test_a_void_makes_a_credit_note_document_for_the_owner(world: World, store: DocumentStore) -> None:
    issued = issue_invoice(world)
    assert issued.invoice.id is not None
    note = invoicing.void_invoice(
        world.session, world.scope, issued.invoice.id, "Ordered twice", world.now, actor=world.admin
    )
    assert render_all(world) == 2  # the invoice and its credit note
    found = documents.credit_note_pdf(world.session, world.scope, issued.owner, note.number)
    assert found.content is not None
    assert hashlib.sha256(found.content).hexdigest() == note.pdf_sha256
    [stored] = world.session.scalars(select(CreditNote).where(CreditNote.id == note.id)).all()
    assert stored.gross == issued.invoice.gross and stored.gross > Decimal(0)
    stranger = world.customer()
    assert stranger.id is not None
    with pytest.raises(NotFoundError):
        documents.credit_note_pdf(
            world.session, world.scope, Actor.customer(world.scope.tenant_id, stranger.id), note.number
        )


def test_a_document_that_fails_to_render_does_not_hold_back_the_others(
    world: World, store: DocumentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = long_invoice(world, lines=1, number="INV-2027-00101")
    second = long_invoice(world, lines=1, number="INV-2027-00102")
    broken = str(first.number)
    real = rendering.html_to_pdfa3

    def failing_for_one(html: str) -> bytes:  # the PDF engine fails on one document only
        if broken in html:
            raise RuntimeError("the PDF engine failed")
        return real(html)

    monkeypatch.setattr(rendering, "html_to_pdfa3", failing_for_one)
    assert render_all(world) == 1
    assert first.pdf_sha256 == "" and len(files_in(store)) == 1
    assert second.pdf_sha256 != ""
    monkeypatch.setattr(rendering, "html_to_pdfa3", real)
    assert render_all(world) == 1  # the next run renders the one left pending
    assert first.pdf_sha256 != ""
