"""A customer's statement: open invoices first (the earliest due leads), then the history (newest
first), credit notes beside their invoices, pages by cursor, and one invoice in full.

Anna is a German consumer of a German issuer: 19 % VAT on the standard rate, 7 % on the reduced
one. Her charges are booked by hand and invoiced with "bill now", so every amount below is worked
out here: net x rate, rounded to the cent, per line.

    INV-2027-00001  1 Jan  10.00 net  11.90 gross  due 15 Jan  paid 10 Jan
    INV-2027-00002  1 Feb  20.00 net  23.80 gross  due 15 Feb  overdue
    INV-2027-00003  1 Mar  30.00 net  35.70 gross  due 15 Mar  overdue, credited 10.00 net (11.90): 23.80 due
    INV-2027-00004  1 Apr   5.00 net   5.95 gross  due 15 Apr  void (credit note 5.95)
    INV-2027-00005  3 Apr  30.00 + 10.00 reduced: 40.00 net, 5.70 + 0.70 tax, 46.40 gross, due 17 Apr
    INV-2027-00006  3 Apr  Bruno's (another customer of the tenant)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest

from backend.audit.service import Actor
from backend.invoicing import service as invoicing
from backend.invoicing import statements
from backend.invoicing.errors import InvoiceNotFound
from backend.invoicing.repository import InvoiceLineRepository, InvoiceRepository
from backend.invoicing.statement_schemas import StatementStatus
from backend.kit.errors import NotFoundError, PermissionDenied, ValidationFailed
from backend.models import CustomerAccount, Invoice, InvoiceStatus, OpenPosition, TaxCategory
from tests.billing.world import World, utc

_refs = itertools.count(1)


def charge(
    world: World, customer: CustomerAccount, net: str, category: TaxCategory = TaxCategory.STANDARD
) -> None:
    """An unbilled charge of `net` for January's service (what the billing job would book)."""
    world.session.add(
        OpenPosition(
            tenant_id=world.scope.tenant_id,
            customer_account_id=customer.id,
            source_ref=f"manual:{next(_refs)}",
            description=f"Service {net}",
            period_start=utc(2027, 1, 1),
            period_end=utc(2027, 2, 1),
            unit_price=Decimal(net),
            amount=Decimal(net),
            tax_category=category,
        )
    )
    world.session.flush()


def bill(world: World, customer: CustomerAccount, when: datetime, *nets: str) -> Invoice:
    world.at(when)
    for net in nets:
        charge(world, customer, net)
    [invoice] = invoicing.bill_now(
        world.session, world.scope, when, customer_account_id=customer.id, actor=world.admin
    )
    return invoice


@dataclass
class Statement:
    world: World
    anna: CustomerAccount
    bruno: CustomerAccount
    invoices: dict[str, Invoice]  # by the number's last digits: "00001" ...

    def of(self, customer: CustomerAccount) -> Actor:
        assert customer.id is not None
        return Actor.customer(self.world.scope.tenant_id, customer.id)

    def numbers(self, actor: Actor, **options: object) -> list[str]:
        page = statements.list_invoices(self.world.session, self.world.scope, actor, **options)  # type: ignore[arg-type]
        return [invoice.number for invoice in page.items]


@pytest.fixture
def statement(world: World) -> Statement:
    world.tenant.issuer_legal_name = "Billing Test GmbH"
    world.tenant.issuer_iban, world.tenant.issuer_bic = "DE89370400440532013000", "COBADEFFXXX"
    anna, bruno = world.customer(), world.customer()
    found = {
        "00001": bill(world, anna, utc(2027, 1, 1, 9), "10.00"),
        "00002": bill(world, anna, utc(2027, 2, 1, 9), "20.00"),
        "00003": bill(world, anna, utc(2027, 3, 1, 9), "30.00"),
        "00004": bill(world, anna, utc(2027, 4, 1, 9), "5.00"),
    }
    world.at(utc(2027, 4, 3, 9))
    charge(world, anna, "30.00")
    charge(world, anna, "10.00", TaxCategory.REDUCED)
    [found["00005"]] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=anna.id, actor=world.admin
    )
    found["00006"] = bill(world, bruno, utc(2027, 4, 3, 9, 30), "1.00")
    session, scope, admin = world.session, world.scope, world.admin
    invoicing.mark_paid(
        session, scope, found["00001"].id or 0, utc(2027, 1, 10), actor=admin, reason="Transfer received"
    )
    third_line = InvoiceLineRepository(session, scope).for_invoice(found["00003"].id or 0)[0]
    credits = {third_line.id or 0: Decimal("10.00")}
    invoicing.credit_invoice(
        session, scope, found["00003"].id or 0, credits, "Outage", world.now, actor=admin
    )
    invoicing.void_invoice(session, scope, found["00004"].id or 0, "Ordered twice", world.now, actor=admin)
    world.at(utc(2027, 4, 5, 9))
    InvoiceRepository(session, scope).mark_overdue(world.now)
    # A draft is not the customer's yet: never listed.
    session.add(
        Invoice(tenant_id=scope.tenant_id, customer_account_id=anna.id or 0, status=InvoiceStatus.DRAFT)
    )
    session.flush()
    assert [invoice.number for invoice in found.values()] == [f"INV-2027-{n}" for n in found]
    return Statement(world, anna, bruno, found)


def test_open_invoices_come_first_earliest_due_then_the_history_newest_first(statement: Statement) -> None:
    page = statements.list_invoices(
        statement.world.session, statement.world.scope, statement.of(statement.anna)
    )
    assert not page.has_more
    rows = [(i.number, i.status, i.balance_due, i.gross, i.due_at) for i in page.items]
    assert rows == [
        ("INV-2027-00002", "overdue", Decimal("23.80"), Decimal("23.80"), utc(2027, 2, 15, 9)),
        ("INV-2027-00003", "overdue", Decimal("23.80"), Decimal("35.70"), utc(2027, 3, 15, 9)),
        ("INV-2027-00005", "issued", Decimal("46.40"), Decimal("46.40"), utc(2027, 4, 17, 9)),
        ("INV-2027-00004", "void", Decimal("0.00"), Decimal("5.95"), utc(2027, 4, 15, 9)),
        ("INV-2027-00001", "paid", Decimal("0.00"), Decimal("11.90"), utc(2027, 1, 15, 9)),
    ]


def test_credit_notes_are_listed_with_the_invoice_they_correct(statement: Statement) -> None:
    page = statements.list_invoices(
        statement.world.session, statement.world.scope, statement.of(statement.anna)
    )
    notes = {i.number: [(n.number, n.gross, n.reason) for n in i.credit_notes] for i in page.items}
    assert notes == {
        "INV-2027-00002": [],
        "INV-2027-00003": [("INV-2027-00003-CN1", Decimal("11.90"), "Outage")],
        "INV-2027-00005": [],
        "INV-2027-00004": [("INV-2027-00004-CN1", Decimal("5.95"), "Ordered twice")],
        "INV-2027-00001": [],
    }


def test_pages_follow_the_cursor_across_open_and_settled_invoices(statement: Statement) -> None:
    session, scope, anna = statement.world.session, statement.world.scope, statement.of(statement.anna)
    seen, cursor, pages = [], None, 0
    while True:
        page = statements.list_invoices(session, scope, anna, limit=2, starting_after=cursor)
        seen.append([invoice.number[-5:] for invoice in page.items])
        pages += 1
        if not page.has_more:
            break
        cursor = page.items[-1].id
    assert seen == [["00002", "00003"], ["00005", "00004"], ["00001"]]


def test_a_status_keeps_only_those_invoices(statement: Statement) -> None:
    anna = statement.of(statement.anna)
    assert statement.numbers(anna, status=StatementStatus.OVERDUE) == ["INV-2027-00002", "INV-2027-00003"]
    assert statement.numbers(anna, status=StatementStatus.PAID) == ["INV-2027-00001"]
    assert statement.numbers(anna, status=StatementStatus.UNCOLLECTIBLE) == []


def test_a_customer_sees_only_their_own_and_an_admin_the_whole_tenant(statement: Statement) -> None:
    assert statement.numbers(statement.of(statement.bruno)) == ["INV-2027-00006"]
    admin = statement.numbers(statement.world.admin, limit=100)
    assert sorted(admin) == [f"INV-2027-0000{n}" for n in range(1, 7)]
    # another customer's invoice is no cursor of Anna's list
    with pytest.raises(ValidationFailed, match="starting_after"):
        statements.list_invoices(
            statement.world.session,
            statement.world.scope,
            statement.of(statement.anna),
            starting_after=statement.invoices["00006"].id,
        )


def test_the_detail_has_lines_tax_per_rate_totals_and_how_to_pay(statement: Statement) -> None:
    world = statement.world
    invoice = statements.invoice_by_number(
        world.session, world.scope, statement.of(statement.anna), "inv-2027-00005"
    )
    assert (invoice.status, invoice.net, invoice.tax, invoice.gross) == (
        "issued",
        Decimal("40.00"),
        Decimal("6.40"),
        Decimal("46.40"),
    )
    lines = [(line.position, line.net, line.tax_rate, line.tax, line.period_start) for line in invoice.lines]
    assert lines == [
        (1, Decimal("30.00"), Decimal("19"), Decimal("5.70"), utc(2027, 1, 1)),
        (2, Decimal("10.00"), Decimal("7"), Decimal("0.70"), utc(2027, 1, 1)),
    ]
    taxes = [(row.category, row.rate, row.net, row.tax) for row in invoice.tax_breakdown]
    assert taxes == [("reduced", Decimal("7"), Decimal("10.00"), Decimal("0.70")),
                     ("standard", Decimal("19"), Decimal("30.00"), Decimal("5.70"))]  # fmt: skip
    assert invoice.bank_transfer is not None
    transfer = invoice.bank_transfer
    assert (transfer.account_holder, transfer.iban, transfer.bic, transfer.reference, transfer.amount) == (
        "Billing Test GmbH",
        "DE89370400440532013000",
        "COBADEFFXXX",
        "INV-2027-00005",
        Decimal("46.40"),
    )
    assert invoice.pdf_url == "/api/v1/invoices/INV-2027-00005/pdf"


def test_a_settled_invoice_asks_for_no_transfer(statement: Statement) -> None:
    world = statement.world
    paid = statements.invoice_by_number(
        world.session, world.scope, statement.of(statement.anna), "INV-2027-00001"
    )
    assert (paid.status, paid.paid_at, paid.bank_transfer) == ("paid", utc(2027, 1, 10), None)


def test_another_customers_invoice_is_refused_as_not_found(statement: Statement) -> None:
    world = statement.world
    with pytest.raises(InvoiceNotFound, match="Invoice not found") as refused:
        statements.invoice_by_number(
            world.session, world.scope, statement.of(statement.anna), "INV-2027-00006"
        )
    assert isinstance(refused.value, PermissionDenied) and refused.value.http_status == 404
    with pytest.raises(NotFoundError):
        statements.invoice_by_number(
            world.session, world.scope, statement.of(statement.anna), "INV-2027-00099"
        )
    bruno_seen_by_admin = statements.invoice_by_number(
        world.session, world.scope, world.admin, "INV-2027-00006"
    )
    assert bruno_seen_by_admin.customer_account_id == statement.bruno.id


def test_a_customer_without_an_account_or_a_visitor_reads_nothing(statement: Statement) -> None:
    world = statement.world
    with pytest.raises(PermissionDenied):
        statements.list_invoices(world.session, world.scope, Actor.visitor())
    with pytest.raises(PermissionDenied):
        statements.invoice_by_number(world.session, world.scope, Actor.visitor(), "INV-2027-00001")
