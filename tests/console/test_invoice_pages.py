"""/invoices and /invoices/{number} as their states run them, against tenant A of the identity world
with a stocked shop (tests/subscriptions/shop.py), at NOW (10 May 2027, 10:00 in Berlin).

Erika orders Basic (12.00 net a month, 19 % VAT: 14.28), Pro (20.00: 23.80) and Basic again, each
invoiced at once: INV-2027-00001 stays open (due 24 May), INV-2027-00002 is paid and
INV-2027-00003 is voided by a credit note of 14.28. Pages hold two invoices here, so the statement
has two pages: the open invoice and the newest settled one, then the older settled one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

import billing_console.billing_console  # noqa: F401 - registers every page state
from backend import clock
from backend.audit.service import Actor
from backend.customers.service import open_account_for_user
from backend.db import unit_of_work
from backend.gateway import invoices as invoices_gateway
from backend.gateway.invoices import BankDetails, CreditNoteRow, LineRow, TaxRow
from backend.identity.users import create_user
from backend.invoicing import service as invoicing
from backend.kit.repository import TenantScope
from backend.models import CustomerProfile, Tenant, UserRole
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from billing_console.state.invoices import InvoicesState, InvoiceState
from tests.conftest import IdentityWorld, Member
from tests.console.test_admin_pages import page_state
from tests.console.test_identity_states import run
from tests.subscriptions.shop import Shop, stock

pytestmark = pytest.mark.redis

NOW = datetime(2027, 5, 10, 8, tzinfo=UTC)
IBAN, BIC = "DE89370400440532013000", "COBADEFFXXX"


@dataclass(frozen=True)
class Billed:
    world: IdentityWorld
    shop: Shop
    max: Member  # another customer of tenant A, with no invoice until a test bills him
    max_account: int

    def bill(self, account_id: int, plan_id: int) -> int:
        scope = TenantScope(self.world.a_admin.tenant_id)
        actor = Actor.admin(scope.tenant_id, user_id=self.world.a_admin.user_id)
        with unit_of_work(self.world.engine) as session:
            Lifecycle(session, scope, actor).order(OrderRequest(account_id, plan_id), NOW)
            [invoice] = invoicing.bill_now(session, scope, NOW, customer_account_id=account_id, actor=actor)
            return invoice.id or 0


def _max(world: IdentityWorld) -> tuple[Member, int]:
    scope, password = TenantScope(world.a_admin.tenant_id), "Max-pass-2027"
    with unit_of_work(world.engine) as session:
        user = create_user(session, scope, email="max@example.com", password=password, role=UserRole.CUSTOMER)
        profile = CustomerProfile(
            customer_account_id=0, name="Max Stranger", country="DE", email="max@example.com", billing_day=1
        )
        account = open_account_for_user(session, scope, user, profile)
        return Member("max@example.com", password, user.id or 0, scope.tenant_id, ""), account.id or 0


@pytest.fixture
def billed(identity_world: IdentityWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[Billed]:
    world = identity_world
    monkeypatch.setattr(invoices_gateway, "PAGE_SIZE", 2)
    with clock.frozen(NOW):
        shop = stock(world.engine, world.a_admin, world.a_customer)
        with unit_of_work(world.engine) as session:
            tenant = session.get(Tenant, world.a_admin.tenant_id)
            assert tenant is not None
            tenant.issuer_legal_name, tenant.issuer_iban, tenant.issuer_bic = "Hosting A GmbH", IBAN, BIC
        billed = Billed(world, shop, *_max(world))
        billed.bill(shop.account_id, shop.basic_plan_id)
        paid = billed.bill(shop.account_id, shop.pro_plan_id)
        voided = billed.bill(shop.account_id, shop.basic_plan_id)
        scope, admin = TenantScope(world.a_admin.tenant_id), Actor.admin(world.a_admin.tenant_id)
        with unit_of_work(world.engine) as session:
            invoicing.mark_paid(session, scope, paid, NOW, actor=admin, reason="Transfer received")
            invoicing.void_invoice(session, scope, voided, "Ordered twice", NOW, actor=admin)
        yield billed


def test_the_statement_shows_open_invoices_first_and_pages_back_and_forth(billed: Billed) -> None:
    world = billed.world
    with clock.frozen(NOW):
        state = page_state(InvoicesState, world, world.a_customer, "/invoices")
        run(InvoicesState.load.fn, state)
        assert (state.loading, state.notice, state.page, state.has_more) == (False, "", 1, True)
        [open_invoice] = state.open_invoices
        assert (open_invoice.number, open_invoice.status, open_invoice.due) == (
            "INV-2027-00001",
            "issued",
            "2027-05-24",
        )
        assert (open_invoice.total, open_invoice.balance) == ("14.28 EUR", "14.28 EUR")
        [voided] = state.settled_invoices
        assert (voided.number, voided.status, voided.balance) == ("INV-2027-00003", "void", "0.00 EUR")
        assert voided.credit_notes == [
            CreditNoteRow(
                "INV-2027-00003-CN1",
                "2027-05-10",
                "14.28 EUR",
                "Ordered twice",
                "/api/credit-notes/INV-2027-00003-CN1.pdf",
            )
        ]
        assert state.bank == BankDetails("Hosting A GmbH", IBAN, BIC) and state.pays_by_transfer

        run(InvoicesState.next_page.fn, state)
        assert [(i.number, i.status) for i in state.invoices] == [("INV-2027-00002", "paid")]
        assert (state.page, state.has_more, state.pays_by_transfer) == (2, False, False)
        run(InvoicesState.next_page.fn, state)  # nothing follows: stays
        assert state.page == 2
        run(InvoicesState.previous_page.fn, state)
        assert [i.number for i in state.invoices] == ["INV-2027-00001", "INV-2027-00003"]
        assert state.page == 1


def test_an_invoice_page_shows_lines_tax_totals_and_how_to_pay(billed: Billed) -> None:
    world = billed.world
    with clock.frozen(NOW):
        state = page_state(InvoiceState, world, world.a_customer, "/invoices/INV-2027-00001")
        run(InvoiceState.load.fn, state)
    invoice = state.invoice
    assert (state.not_found, invoice.number, invoice.status, invoice.is_open) == (
        False,
        "INV-2027-00001",
        "issued",
        True,
    )
    [line] = invoice.lines
    # A month from the order, 10:00 Berlin time on 10 May to 10 June.
    assert line == LineRow(line.description, "2027-05-10 – 2027-06-10", "1", "12.00 EUR", "19 %", "12.00 EUR")
    assert "Basic" in line.description
    assert invoice.taxes == [TaxRow("VAT 19 % on 12.00 EUR", "2.28 EUR")]
    assert (invoice.net, invoice.tax, invoice.total, invoice.balance) == (
        "12.00 EUR",
        "2.28 EUR",
        "14.28 EUR",
        "14.28 EUR",
    )
    assert invoice.bank == BankDetails("Hosting A GmbH", IBAN, BIC, "INV-2027-00001", "14.28 EUR")
    assert (invoice.pdf_href, invoice.buyer_name) == ("/api/invoices/INV-2027-00001.pdf", "Erika Muster")
    assert (invoice.issued, invoice.due, invoice.time_zone) == ("2027-05-10", "2027-05-24", "Europe/Berlin")


def test_another_customers_or_an_unknown_number_shows_the_404_panel(billed: Billed) -> None:
    world = billed.world
    with clock.frozen(NOW):
        billed.bill(billed.max_account, billed.shop.basic_plan_id)  # Max's INV-2027-00004
        for number in ("INV-2027-00004", "INV-2027-99999", "SUB-000001"):
            state = page_state(InvoiceState, world, world.a_customer, f"/invoices/{number}")
            run(InvoiceState.load.fn, state)
            assert (state.not_found, state.invoice.number) == (True, ""), number
        mine = page_state(InvoiceState, world, billed.max, "/invoices/INV-2027-00004")
        run(InvoiceState.load.fn, mine)
        assert (mine.not_found, mine.invoice.total) == (False, "14.28 EUR")


def test_a_customer_without_invoices_gets_the_empty_state(billed: Billed) -> None:
    with clock.frozen(NOW):
        state = page_state(InvoicesState, billed.world, billed.max, "/invoices")
        run(InvoicesState.load.fn, state)
    assert (state.has_invoices, state.notice, state.has_more, state.loading) == (False, "", False, False)


def test_an_admin_has_no_customer_invoices_and_is_told_so(billed: Billed) -> None:
    with clock.frozen(NOW):
        state = page_state(InvoicesState, billed.world, billed.world.a_admin, "/invoices")
        run(InvoicesState.load.fn, state)
    assert (state.notice, state.invoices) == ("This user has no customer account.", [])
