"""The table of a customer's subscriptions."""

from __future__ import annotations

import reflex as rx

from backend.reporting.schemas import SubscriptionSummary
from billing_console.components.status import subscription_status_badge

COLUMNS = ("Subscription", "Plan", "Status", "Price", "Current period", "Next billing", "Servers")


def _or_dash(value: rx.Var[str]) -> rx.Component:
    return rx.cond(value != "", rx.text(value, size="2"), rx.text("—", size="2", color="var(--gray-9)"))


def _servers(servers: rx.Var[list[str]]) -> rx.Component:
    return rx.cond(
        servers.length() > 0,
        rx.vstack(
            rx.foreach(
                servers,
                lambda server: rx.hstack(
                    rx.icon("server", size=14, color="var(--gray-10)", flex_shrink="0"),
                    rx.text(
                        server, size="1", font_family="var(--code-font-family)", overflow_wrap="anywhere"
                    ),
                    align="center",
                    spacing="1",
                ),
            ),
            spacing="1",
        ),
        rx.text("—", size="2", color="var(--gray-9)"),
    )


def subscription_row(subscription: rx.Var[SubscriptionSummary]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(subscription.number, weight="medium", size="2", font_family="var(--code-font-family)")
        ),
        rx.table.cell(rx.text(subscription.plan_name, size="2"), min_width="120px"),
        rx.table.cell(subscription_status_badge(subscription.status), white_space="nowrap"),
        rx.table.cell(rx.text(subscription.price, size="2", white_space="nowrap")),
        rx.table.cell(_or_dash(subscription.current_period), white_space="nowrap"),
        rx.table.cell(_or_dash(subscription.next_billing), white_space="nowrap"),
        rx.table.cell(_servers(subscription.servers), min_width="160px"),
        align="center",
    )


def subscriptions_table(subscriptions: rx.Var[list[SubscriptionSummary]]) -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(*[rx.table.column_header_cell(title, white_space="nowrap") for title in COLUMNS])
        ),
        rx.table.body(rx.foreach(subscriptions, subscription_row)),
        variant="surface",
        size="2",
        width="100%",
        id="subscriptions-table",
    )
