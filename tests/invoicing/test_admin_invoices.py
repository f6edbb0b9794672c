"""The admin's invoices: manual drafts (priced line by line), issuing with the next gapless number,
void with its credit note, paid and unpaid with a reason, the history and the search.

Amounts are worked out by hand in the comments: German VAT 19 % (standard) and 7 % (reduced),
each line's tax rounded half-up to the cent.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from backend.invoicing import admin_reads, manual_drafts
from backend.invoicing import service as invoicing
from backend.invoicing.errors import InvoiceNotDraft
from backend.invoicing.schemas import DraftInput, DraftLineInput
from backend.kit.errors import FieldErrors
from backend.models import CustomerAccount, Invoice, InvoiceStatus, TaxCategory
from tests.billing.world import World, utc

D = Decimal


def _draft(customer: CustomerAccount, *lines: tuple[str, str, str, TaxCategory]) -> DraftInput:
    assert customer.id is not None
    return DraftInput(
        customer_account_id=customer.id,
        lines=[
            DraftLineInput(description=text, quantity=D(quantity), unit_price=D(price), tax_category=category)
            for text, quantity, price, category in lines
        ],
    )


SETUP_AND_BOOK = (
    ("Server setup", "3", "19.99", TaxCategory.STANDARD),  # 59.97 net, 11.3943 -> 11.39 tax
    ("Handbook", "1", "10.00", TaxCategory.REDUCED),  # 10.00 net, 0.70 tax
)


def _written(world: World, customer: CustomerAccount, *lines: Any) -> Invoice:
    return manual_drafts.create_draft(
        world.session, world.scope, world.admin, _draft(customer, *(lines or SETUP_AND_BOOK)), world.now
    )


def test_a_manual_draft_is_priced_line_by_line_and_waits_without_a_number(world: World) -> None:
    draft = _written(world, world.customer())
    assert (draft.status, draft.number, draft.balance_due) == (InvoiceStatus.DRAFT, None, D(0))
    assert [(line.net, line.tax, line.tax_rate) for line in world.lines(draft)] == [
        (D("59.97"), D("11.39"), D("19")),
        (D("10.00"), D("0.70"), D("7")),
    ]
    assert (draft.net, draft.tax, draft.gross) == (D("69.97"), D("12.09"), D("82.06"))


def test_issuing_a_draft_gives_the_next_gapless_number_shared_with_the_invoice_run(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    regular = world.customer(billing_day=1)
    world.order(regular, world.plan("web", "10.00"))
    first = _written(world, world.customer())
    second = _written(world, world.customer())
    issued = manual_drafts.issue_invoice(world.session, world.scope, world.admin, second.id or 0, world.now)
    assert issued.number == "INV-2027-00001"
    assert issued.status == InvoiceStatus.ISSUED and issued.issued_at == world.now
    assert issued.due_at == world.now + timedelta(days=14) and issued.balance_due == D("82.06")
    assert first.status == InvoiceStatus.DRAFT and first.number is None

    world.run_until(utc(2027, 2, 1, 12))  # the invoice run bills the regular customer
    numbers = sorted(i.number for i in world.invoices() if i.number)
    assert numbers == ["INV-2027-00001", "INV-2027-00002"]


def test_only_a_draft_can_be_changed_deleted_or_issued(world: World) -> None:
    customer = world.customer()
    draft = _written(world, customer)
    manual_drafts.issue_invoice(world.session, world.scope, world.admin, draft.id or 0, world.now)
    change = _draft(customer, ("Other", "1", "1.00", TaxCategory.STANDARD))
    with pytest.raises(InvoiceNotDraft, match="only drafts"):
        manual_drafts.update_draft(world.session, world.scope, world.admin, draft.id or 0, change, world.now)
    with pytest.raises(InvoiceNotDraft):
        manual_drafts.delete_draft(world.session, world.scope, world.admin, draft.id or 0)
    with pytest.raises(InvoiceNotDraft):
        manual_drafts.issue_invoice(world.session, world.scope, world.admin, draft.id or 0, world.now)
    assert draft.number == "INV-2027-00001" and draft.gross == D("82.06")
    assert [line.description for line in world.lines(draft)] == ["Server setup", "Handbook"]


def test_editing_a_draft_replaces_its_lines_and_deleting_removes_it(world: World) -> None:
    customer = world.customer()
    draft = _written(world, customer)
    change = _draft(customer, ("Consulting", "2.5", "80.00", TaxCategory.STANDARD))  # 200.00 + 38.00
    manual_drafts.update_draft(world.session, world.scope, world.admin, draft.id or 0, change, world.now)
    assert [(line.description, line.net, line.tax) for line in world.lines(draft)] == [
        ("Consulting", D("200.00"), D("38.00"))
    ]
    assert (draft.net, draft.tax, draft.gross) == (D("200.00"), D("38.00"), D("238.00"))

    manual_drafts.delete_draft(world.session, world.scope, world.admin, draft.id or 0)
    assert world.invoices() == []


def test_a_draft_with_a_bad_line_is_refused_naming_the_field(world: World) -> None:
    customer = world.customer()
    line = {"description": "Setup", "quantity": "0", "unit_price": "1.00", "tax_category": "standard"}
    with pytest.raises(FieldErrors) as refused:
        manual_drafts.draft_input(customer.id, [line])
    assert list(refused.value.fields) == ["lines.0.quantity"]
    assert "Line 1 quantity" in str(refused.value)
    with pytest.raises(FieldErrors) as refused:
        manual_drafts.draft_input(customer.id, [])
    assert list(refused.value.fields) == ["lines"]
    assert world.invoices() == []


def test_a_draft_totalling_less_than_zero_is_not_issued(world: World) -> None:
    draft = _written(world, world.customer(), ("Refund", "1", "-5.00", TaxCategory.STANDARD))
    with pytest.raises(Exception, match="less than zero"):
        manual_drafts.issue_invoice(world.session, world.scope, world.admin, draft.id or 0, world.now)
    assert draft.status == InvoiceStatus.DRAFT and draft.number is None


def test_voiding_an_issued_draft_credits_every_line(world: World) -> None:
    draft = _written(world, world.customer())
    manual_drafts.issue_invoice(world.session, world.scope, world.admin, draft.id or 0, world.now)
    note = invoicing.void_invoice(
        world.session, world.scope, draft.id or 0, "Wrong customer", world.now, actor=world.admin
    )
    assert note.number == "INV-2027-00001-CN1"
    assert (note.net, note.tax, note.gross) == (D("69.97"), D("12.09"), D("82.06"))
    assert (draft.status, draft.balance_due) == (InvoiceStatus.VOID, D(0))
    file = admin_reads.invoice_file(world.session, world.scope, world.admin, draft.id or 0)
    assert [(n.number, n.gross, n.reason) for n in file.credit_notes] == [
        ("INV-2027-00001-CN1", D("82.06"), "Wrong customer")
    ]


def test_paid_and_unpaid_need_a_reason_which_the_history_keeps(world: World) -> None:
    draft = _written(world, world.customer())
    invoice_id = draft.id or 0
    manual_drafts.issue_invoice(world.session, world.scope, world.admin, invoice_id, world.now)
    with pytest.raises(FieldErrors, match="Reason"):
        invoicing.mark_paid(world.session, world.scope, invoice_id, world.now, actor=world.admin, reason="  ")
    assert draft.status == InvoiceStatus.ISSUED and draft.balance_due == D("82.06")

    world.at(world.now + timedelta(hours=1))
    invoicing.mark_paid(
        world.session, world.scope, invoice_id, world.now, actor=world.admin, reason="Transfer 4711"
    )
    assert (draft.status, draft.balance_due) == (InvoiceStatus.PAID, D(0))
    world.at(world.now + timedelta(hours=1))
    invoicing.mark_unpaid(
        world.session, world.scope, invoice_id, world.now, actor=world.admin, reason="Bounced"
    )
    assert (draft.status, draft.balance_due) == (InvoiceStatus.ISSUED, D("82.06"))

    history = admin_reads.invoice_file(world.session, world.scope, world.admin, invoice_id).history
    assert [(entry.action, entry.reason) for entry in history] == [
        ("invoice.mark_unpaid", "Bounced"),
        ("invoice.mark_paid", "Transfer 4711"),
        ("invoice.issue", ""),
        ("invoice.draft_created", ""),
    ]
    assert history[0].details["status"] == "paid → issued"


def test_the_search_finds_by_number_customer_status_and_issue_dates(world: World) -> None:
    anna, bert = world.customer(), world.customer()
    world.at(utc(2027, 3, 1, 9))
    first = _written(world, anna)
    manual_drafts.issue_invoice(world.session, world.scope, world.admin, first.id or 0, world.now)
    world.at(utc(2027, 3, 20, 23, 30))  # 00:30 on 21 March in Berlin (CET, UTC+1)
    second = _written(world, bert)
    manual_drafts.issue_invoice(world.session, world.scope, world.admin, second.id or 0, world.now)
    _written(world, bert)  # a draft

    def found(**wanted: Any) -> list[str]:
        page = admin_reads.invoice_list(
            world.session, world.scope, world.admin, admin_reads.checked_filter(**wanted)
        )
        return [row.reference for row in page.invoices]

    assert len(found()) == 3
    assert found(number="00002") == ["INV-2027-00002"]
    assert found(customer=bert.name, status="issued") == ["INV-2027-00002"]
    assert found(customer=anna.number) == ["INV-2027-00001"]
    assert found(status="draft") == [row for row in found() if row.isdigit()]
    assert found(issued_from=date(2027, 3, 21), issued_until=date(2027, 3, 21)) == ["INV-2027-00002"]
    assert found(issued_until=date(2027, 3, 20)) == ["INV-2027-00001"]
    with pytest.raises(FieldErrors, match="Issued until"):
        admin_reads.checked_filter(issued_from=date(2027, 3, 2), issued_until=date(2027, 3, 1))
