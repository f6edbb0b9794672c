"""`/admin/customers`: the searchable list of the tenant's customers (a table, cards on phones)."""

from __future__ import annotations

import reflex as rx

from backend.reporting.admin_schemas import CustomerListItem
from billing_console.components.feedback import empty_state
from billing_console.components.paging import pager
from billing_console.components.standing import standing_badge
from billing_console.routes import ADMIN_CUSTOMERS, ADMIN_SUBSCRIPTIONS
from billing_console.state.admin_customers import AdminCustomersState

COLUMNS = ("Customer", "Name", "Type", "Country", "Subscriptions", "Standing")


def _customer_href(customer: rx.Var[CustomerListItem]) -> rx.Var[str]:
    return f"{ADMIN_CUSTOMERS}/{customer.id}"  # type: ignore[return-value]


def _number_link(customer: rx.Var[CustomerListItem]) -> rx.Component:
    return rx.link(
        customer.number,
        href=_customer_href(customer),
        weight="medium",
        font_family="var(--code-font-family)",
        white_space="nowrap",
    )


def _subscriptions_link(customer: rx.Var[CustomerListItem]) -> rx.Component:
    """The count leads to the customer's subscriptions in the admin's list."""
    return rx.link(
        customer.subscriptions,
        rx.cond(customer.subscriptions == 1, " subscription", " subscriptions"),
        href=f"{ADMIN_SUBSCRIPTIONS}?customer={customer.number}",
        size="2",
        white_space="nowrap",
    )


def search_bar() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                name="q",
                type="search",
                placeholder="Name, customer number or email",
                default_value=AdminCustomersState.search,
                aria_label="Search customers",
                id="customer-search",
                size="3",
                flex="1",
                min_width="0",
                max_length=100,
            ),
            rx.button(
                "Search",
                type="submit",
                size="3",
                loading=AdminCustomersState.searching,
                id="customer-search-go",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=AdminCustomersState.find,
        width="100%",
    )


def _row(customer: rx.Var[CustomerListItem]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(_number_link(customer)),
        rx.table.cell(rx.text(customer.name, size="2"), min_width="160px"),
        rx.table.cell(rx.text(customer.customer_type, size="2", text_transform="capitalize")),
        rx.table.cell(rx.text(customer.country, size="2")),
        rx.table.cell(_subscriptions_link(customer)),
        rx.table.cell(standing_badge(customer.standing)),
        align="center",
    )


def _card(customer: rx.Var[CustomerListItem]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                _number_link(customer), standing_badge(customer.standing), justify="between", width="100%"
            ),
            rx.text(customer.name, weight="medium", overflow_wrap="anywhere"),
            rx.text(
                rx.text.span(customer.customer_type, text_transform="capitalize"),
                " · ",
                customer.country,
                size="2",
                color="var(--gray-11)",
            ),
            _subscriptions_link(customer),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="customer-card",
    )


def customer_list() -> rx.Component:
    state = AdminCustomersState
    return rx.cond(
        state.total > 0,
        rx.vstack(
            rx.text(
                state.total,
                rx.cond(state.total == 1, " customer", " customers"),
                rx.cond(state.search != "", rx.text.span(" matching “", state.search, "”"), ""),
                size="2",
                color="var(--gray-11)",
            ),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(*[rx.table.column_header_cell(t, white_space="nowrap") for t in COLUMNS])
                    ),
                    rx.table.body(rx.foreach(state.customers, _row)),
                    variant="surface",
                    width="100%",
                    id="customers-table",
                ),
                display=["none", "none", "block"],
                width="100%",
            ),
            rx.vstack(
                rx.foreach(state.customers, _card),
                display=["flex", "flex", "none"],
                spacing="3",
                width="100%",
                id="customers-cards",
            ),
            rx.cond(
                state.page_count > 1, pager(state.page, state.page_count, state.turn_to, "customers-pager")
            ),
            spacing="3",
            width="100%",
        ),
        rx.card(
            rx.cond(
                state.search != "",
                empty_state(
                    "search-x",
                    "No customer matches",
                    "Try part of the name, the number (C-10001) or an email.",
                ),
                empty_state("users", "No customers yet", "Customers appear here once they sign up."),
            ),
            width="100%",
            id="customers-empty",
        ),
    )
