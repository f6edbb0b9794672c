"""The admin's invoice pages as their states run them, against tenant A of the identity world with
a stocked shop (tests/subscriptions/shop.py; Erika Muster in Germany, billed 19 % VAT).

A draft of 3 × 20.00 = 60.00 net is written with the form (after a refused line), issued as
INV-2027-00001 (71.40 gross: 60.00 + 11.40 tax), refused a void without a reason, voided with one
(a credit note of 71.40), and found by the search. Bill now starts a job whose summary shows on
the next load. Customers calling any of these handlers are sent to their dashboard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import reflex as rx

import billing_console.billing_console  # noqa: F401 - registers every page state
from backend import clock
from billing_console.state.admin_invoices import AdminInvoicesState, AdminInvoiceState
from billing_console.state.bill_now import BillNowState
from billing_console.state.invoice_draft import InvoiceDraftState
from jobs import tasks
from tests.conftest import IdentityWorld
from tests.console.test_admin_pages import page_state
from tests.console.test_identity_states import redirects, run
from tests.subscriptions.shop import Shop, stock

pytestmark = pytest.mark.redis

NOW = datetime(2027, 5, 10, 8, tzinfo=UTC)


@pytest.fixture
def shop(identity_world: IdentityWorld) -> Iterator[Shop]:
    with clock.frozen(NOW):
        yield stock(identity_world.engine, identity_world.a_admin, identity_world.a_customer)


HANDLERS: list[tuple[type[rx.State], Callable[..., Any], tuple[Any, ...]]] = [
    (AdminInvoicesState, AdminInvoicesState.load.fn, ()),
    (AdminInvoicesState, AdminInvoicesState.search.fn, ({"number": "INV"},)),
    (AdminInvoicesState, AdminInvoicesState.turn_to.fn, (2,)),
    (AdminInvoiceState, AdminInvoiceState.load.fn, ()),
    (AdminInvoiceState, AdminInvoiceState.open_dialog.fn, ("void",)),
    (AdminInvoiceState, AdminInvoiceState.confirm.fn, ({"reason": "Sneaky"},)),
    (InvoiceDraftState, InvoiceDraftState.load.fn, ()),
    (InvoiceDraftState, InvoiceDraftState.save.fn, ()),
    (BillNowState, BillNowState.load.fn, ()),
    (BillNowState, BillNowState.start.fn, ()),
]


@pytest.mark.parametrize(
    ("state_cls", "handler", "args"), HANDLERS, ids=lambda h: getattr(h, "__name__", None)
)
def test_a_customer_calling_an_invoice_admin_handler_is_sent_to_the_dashboard(
    identity_world: IdentityWorld,
    shop: Shop,
    state_cls: type[rx.State],
    handler: Callable[..., Any],
    args: Any,
) -> None:
    state = page_state(state_cls, identity_world, identity_world.a_customer, "/admin/invoices/1")
    with clock.frozen(NOW):
        assert redirects(run(handler, state, *args)) == ["/dashboard"]
    assert "Erika" not in str(state.dict())
    assert state.dict()[state.get_full_name()].get("job_id", 0) == 0  # no bill now was started


def test_the_admin_writes_a_draft_issues_it_voids_it_and_finds_it(
    identity_world: IdentityWorld, shop: Shop
) -> None:
    world = identity_world
    with clock.frozen(NOW):
        form = page_state(InvoiceDraftState, world, world.a_admin, "/admin/invoices/new")
        run(InvoiceDraftState.load.fn, form)
        [choice] = form.customers
        assert choice.label.startswith("Erika Muster (C-") and choice.id == str(shop.account_id)
        run(InvoiceDraftState.choose_customer.fn, form, str(shop.account_id))
        run(InvoiceDraftState.edit_line.fn, form, 0, "description", "Migration")
        run(InvoiceDraftState.edit_line.fn, form, 0, "quantity", "3")
        run(InvoiceDraftState.edit_line.fn, form, 0, "unit_price", "twenty")
        assert redirects(run(InvoiceDraftState.save.fn, form)) == []
        assert "Line 1 unit price" in form.line_errors[0]
        run(InvoiceDraftState.edit_line.fn, form, 0, "unit_price", "20.00")
        [target] = redirects(run(InvoiceDraftState.save.fn, form))
        assert form.line_errors == [""]

        page = page_state(AdminInvoiceState, world, world.a_admin, target)
        run(AdminInvoiceState.load.fn, page)
        assert (page.invoice.number, page.invoice.status, page.invoice.can_edit) == ("Draft", "draft", True)
        assert page.invoice.pdf_href == ""  # a draft has no document yet
        run(AdminInvoiceState.open_dialog.fn, page, "issue")
        assert redirects(run(AdminInvoiceState.confirm.fn, page, {})) == ["/admin/invoices/INV-2027-00001"]

        page = page_state(AdminInvoiceState, world, world.a_admin, "/admin/invoices/INV-2027-00001")
        run(AdminInvoiceState.load.fn, page)
        assert (page.invoice.gross, page.invoice.tax, page.invoice.balance_due) == (
            "71.40 EUR", "11.40 EUR", "71.40 EUR"
        )  # fmt: skip
        assert page.invoice.pdf_href == "/api/invoices/INV-2027-00001.pdf"
        run(AdminInvoiceState.open_dialog.fn, page, "void")
        run(AdminInvoiceState.confirm.fn, page, {"reason": "  "})
        assert "Reason" in page.refusal and page.invoice.status == "issued" and page.dialog == "void"
        run(AdminInvoiceState.confirm.fn, page, {"reason": "Wrong customer"})
        assert (page.invoice.status, page.dialog) == ("void", "")
        assert [(n.number, n.total, n.reason, n.pdf_href) for n in page.credit_notes] == [
            ("INV-2027-00001-CN1", "71.40 EUR", "Wrong customer", "/api/credit-notes/INV-2027-00001-CN1.pdf")
        ]
        assert [(h.action, h.reason) for h in page.history] == [
            ("Voided", "Wrong customer"), ("Issued", ""), ("Draft written", "")
        ]  # fmt: skip

        listing = page_state(AdminInvoicesState, world, world.a_admin, "/admin/invoices")
        run(AdminInvoicesState.load.fn, listing)
        run(AdminInvoicesState.search.fn, listing, {"number": "00001", "issued_from": "2027-05-10"})
        assert [(row.number, row.status, row.total) for row in listing.invoices] == [
            ("INV-2027-00001", "void", "71.40 EUR")
        ]
        run(AdminInvoicesState.search.fn, listing, {"issued_from": "10.05.2027"})
        assert "Issued from" in listing.search_error


def test_bill_now_starts_a_job_whose_summary_shows_after_a_reload(
    identity_world: IdentityWorld, shop: Shop
) -> None:
    world = identity_world
    with clock.frozen(NOW):
        state = page_state(BillNowState, world, world.a_admin, "/admin/invoices")
        run(BillNowState.load.fn, state)
        assert state.status == ""
        run(BillNowState.ask.fn, state)
        events = run(BillNowState.start.fn, state)
        assert (state.status, state.customer_id, state.confirming) == ("queued", 0, False)
        assert events, "the start hands over to the watcher"
        assert (
            tasks.run_unit("bill_now", world.a_admin.tenant_id, f"run:{state.job_id}") == 0
        )  # nobody to bill

        reloaded = page_state(BillNowState, world, world.a_admin, "/admin/invoices")
        run(BillNowState.load.fn, reloaded)
        assert (reloaded.status, reloaded.done, reloaded.total, reloaded.issued, reloaded.percent) == (
            "done", 0, 0, 0, 100
        )  # fmt: skip
