"""The PDF routes as a client sees them: /api/v1 with a personal access token and the console's
cookie route. The owner and the tenant's admin get the issued file; another tenant gets 404."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from backend import clock
from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.invoicing import service as invoicing
from backend.kit.repository import TenantScope
from backend.models import CreditNote, Invoice
from tests.api.conftest import bearer, problem_of
from tests.conftest import IdentityWorld
from tests.subscriptions.shop import stock

pytestmark = pytest.mark.redis

NOW = datetime(2027, 5, 10, 8, tzinfo=UTC)


@dataclass(frozen=True)
class Billed:
    world: IdentityWorld
    number: str
    client_a: Any
    client_b: Any

    def stored(self) -> Invoice:
        with unit_of_work(self.world.engine) as session:
            invoice = session.scalars(
                select(Invoice).where(
                    Invoice.tenant_id == self.world.a_admin.tenant_id, Invoice.number == self.number
                )
            ).one()
            session.expunge(invoice)
            return invoice


@pytest.fixture
def billed(identity_world: IdentityWorld) -> Iterator[Billed]:
    """A's customer ordered Basic through the API and A's admin billed now: one issued invoice."""
    world = identity_world
    with clock.frozen(NOW):
        shop = stock(world.engine, world.a_admin, world.a_customer)
        client_a = world.client(world.host_a)
        ordered = client_a.post(
            "/api/v1/subscriptions",
            json={"plan_id": shop.basic_plan_id},
            headers=bearer(world.a_customer.token),
        )
        assert ordered.status_code == 201, ordered.text
        scope = TenantScope(world.a_admin.tenant_id)
        with unit_of_work(world.engine) as session:
            [invoice] = invoicing.bill_now(
                session, scope, NOW, customer_account_id=shop.account_id, actor=Actor.admin(scope.tenant_id)
            )
            number = str(invoice.number)
        yield Billed(world, number, client_a, world.client(world.host_b))


def test_the_owner_and_the_admin_download_the_issued_pdf(billed: Billed) -> None:
    world, path = billed.world, f"/api/v1/invoices/{billed.number}/pdf"
    owners = billed.client_a.get(path, headers=bearer(world.a_customer.token))
    assert owners.status_code == 200, owners.text
    assert owners.headers["content-type"] == "application/pdf"
    assert owners.headers["content-disposition"] == f'attachment; filename="{billed.number}.pdf"'
    assert owners.content.startswith(b"%PDF-")
    # Rendered on the first download (no job ran yet) and recorded: the hash is the file's.
    assert hashlib.sha256(owners.content).hexdigest() == billed.stored().pdf_sha256
    admins = billed.client_a.get(path, headers=bearer(world.a_admin.token))
    assert admins.status_code == 200 and admins.content == owners.content


def test_another_tenant_gets_not_found(billed: Billed) -> None:
    world, path = billed.world, f"/api/v1/invoices/{billed.number}/pdf"
    for member in (world.b_admin, world.b_customer):
        problem_of(billed.client_b.get(path, headers=bearer(member.token)), 404)
    problem_of(billed.client_a.get(path), 401)
    problem_of(
        billed.client_a.get("/api/v1/invoices/INV-2099-99999/pdf", headers=bearer(world.a_admin.token)), 404
    )


def test_the_console_route_serves_the_signed_in_owner_only(billed: Billed) -> None:
    world, path = billed.world, f"/api/invoices/{billed.number}.pdf"
    owner = world.session_cookie(world.a_customer, world.host_a)
    found = billed.client_a.get(path, cookies={"bc_session": owner})
    assert found.status_code == 200 and found.content.startswith(b"%PDF-")
    stranger = world.session_cookie(world.b_admin, world.host_b)
    problem_of(billed.client_b.get(path, cookies={"bc_session": stranger}), 404)
    problem_of(billed.client_a.get(path), 401)


def test_a_credit_note_is_downloaded_by_the_owner_of_its_invoice(billed: Billed) -> None:
    world = billed.world
    scope = TenantScope(world.a_admin.tenant_id)
    with clock.frozen(NOW), unit_of_work(world.engine) as session:
        invoice = billed.stored()
        assert invoice.id is not None
        note = invoicing.void_invoice(
            session, scope, invoice.id, "Ordered twice", NOW, actor=Actor.admin(scope.tenant_id)
        )
        number = note.number
    path = f"/api/v1/credit-notes/{number}/pdf"
    found = billed.client_a.get(path, headers=bearer(world.a_customer.token))
    assert found.status_code == 200, found.text
    with unit_of_work(world.engine) as session:
        # Numbers are per tenant: the world is shared, so B may have a credit note of that number too.
        stored = session.scalars(
            select(CreditNote).where(CreditNote.tenant_id == scope.tenant_id, CreditNote.number == number)
        ).one()
        assert hashlib.sha256(found.content).hexdigest() == stored.pdf_sha256
    problem_of(billed.client_b.get(path, headers=bearer(world.b_admin.token)), 404)
