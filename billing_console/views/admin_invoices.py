"""The admin's invoice list: the search form, a table (cards on phones), pages and the empty state."""

from __future__ import annotations

import reflex as rx

from backend.gateway.admin_invoices import InvoiceRow
from billing_console.components.feedback import empty_state, problem_callout
from billing_console.components.forms import filter_date, filter_field
from billing_console.components.paging import pager
from billing_console.components.standing import (
    INVOICE_STATUS_GROUP_LABELS,
    INVOICE_STATUSES,
    invoice_status_badge,
)
from billing_console.routes import ADMIN_CUSTOMERS, ADMIN_INVOICE_NEW, ADMIN_INVOICES
from billing_console.state.admin_invoices import ANY, AdminInvoicesState
from billing_console.views.bill_now import bill_now_button

L = AdminInvoicesState
COLUMNS = ("Invoice", "Customer", "Status", "Total", "Balance due", "Issued", "Due")


def _number_link(row: rx.Var[InvoiceRow]) -> rx.Component:
    return rx.link(
        row.number,
        href=ADMIN_INVOICES + "/" + row.reference,
        weight="medium",
        font_family="var(--code-font-family)",
        white_space="nowrap",
        class_name="invoice-link",
    )


def _customer_link(row: rx.Var[InvoiceRow]) -> rx.Component:
    return rx.link(row.customer_name, href=f"{ADMIN_CUSTOMERS}/{row.customer_id}", size="2")


def page_actions() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.button(rx.icon("file-plus", size=16), "New draft", id="new-draft"), href=ADMIN_INVOICE_NEW
        ),
        bill_now_button("Bill all customers now"),
        spacing="3",
        wrap="wrap",
    )


def search_form() -> rx.Component:
    return rx.vstack(
        rx.form(
            rx.flex(
                filter_field("search-number", "number", "Number", L.number, hint="INV-2027-00012", length=40),
                filter_field("search-customer", "customer", "Customer", L.customer, hint="Name or number"),
                filter_date("search-issued_from", "issued_from", "Issued from", L.issued_from),
                filter_date("search-issued_until", "issued_until", "Issued until", L.issued_until),
                rx.button("Search", type="submit", variant="soft", id="search-go", align_self="end"),
                gap="12px",
                wrap="wrap",
                align="end",
                width="100%",
            ),
            on_submit=L.search,
            width="100%",
        ),
        rx.flex(
            rx.select.root(
                rx.select.trigger(placeholder="Status", aria_label="Status", id="filter-status"),
                rx.select.content(
                    rx.select.item("Any status", value=ANY),
                    *[
                        rx.select.item(label, value=value)
                        for value, label in INVOICE_STATUS_GROUP_LABELS.items()
                    ],
                    *[rx.select.item(label, value=value) for value, (label, _) in INVOICE_STATUSES.items()],
                ),
                value=L.status,
                on_change=L.filter_status,
            ),
            rx.cond(
                L.searching, rx.button("Clear search", variant="ghost", on_click=L.clear, id="search-clear")
            ),
            gap="12px",
            align="center",
        ),
        rx.cond(L.search_error != "", problem_callout(L.search_error, element_id="search-error")),
        spacing="3",
        width="100%",
        id="invoice-search",
    )


def _dash(value: rx.Var[str]) -> rx.Component:
    return rx.text(value, size="2", white_space="nowrap")


def _row(row: rx.Var[InvoiceRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(_number_link(row)),
        rx.table.cell(
            rx.vstack(
                _customer_link(row),
                rx.text(row.customer_number, size="1", color="var(--gray-11)"),
                spacing="0",
            ),
            min_width="150px",
        ),
        rx.table.cell(invoice_status_badge(row.status)),
        rx.table.cell(_dash(row.total), text_align="right"),
        rx.table.cell(_dash(row.balance_due), text_align="right"),
        rx.table.cell(_dash(row.issued)),
        rx.table.cell(_dash(row.due)),
        align="center",
    )


def _card(row: rx.Var[InvoiceRow]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(_number_link(row), invoice_status_badge(row.status), justify="between", width="100%"),
            _customer_link(row),
            rx.text(row.total, " · due ", row.balance_due, size="2", color="var(--gray-11)"),
            rx.text("Issued ", row.issued, size="1", color="var(--gray-11)"),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="invoice-card",
    )


def invoice_list() -> rx.Component:
    return rx.cond(
        L.total > 0,
        rx.vstack(
            rx.text(
                L.total, rx.cond(L.total == 1, " invoice", " invoices"), size="2", color="var(--gray-11)"
            ),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(*[rx.table.column_header_cell(t, white_space="nowrap") for t in COLUMNS])
                    ),
                    rx.table.body(rx.foreach(L.invoices, _row)),
                    variant="surface",
                    width="100%",
                    id="admin-invoices-table",
                ),
                display=["none", "none", "block"],
                width="100%",
            ),
            rx.vstack(
                rx.foreach(L.invoices, _card),
                display=["flex", "flex", "none"],
                spacing="3",
                width="100%",
                id="admin-invoices-cards",
            ),
            rx.cond(L.page_count > 1, pager(L.page, L.page_count, L.turn_to, "invoices-pager")),
            spacing="3",
            width="100%",
        ),
        rx.card(
            rx.cond(
                L.searching,
                empty_state(
                    "filter-x", "No invoice matches", "Change the search, or clear it to see every invoice."
                ),
                rx.vstack(
                    empty_state(
                        "receipt",
                        "No invoices yet",
                        "Invoices appear after the first billing run. Write a draft by hand, or bill now.",
                    ),
                    rx.center(page_actions(), width="100%"),
                    width="100%",
                    padding_bottom="24px",
                ),
            ),
            width="100%",
            id="admin-invoices-empty",
        ),
    )
