"""A customer's subscriptions: a table on wide screens, stacked cards on phones; each links to its page."""

from __future__ import annotations

import reflex as rx

from backend.reporting.schemas import SubscriptionSummary
from billing_console.components.status import subscription_status_badge
from billing_console.routes import SUBSCRIPTIONS

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
            rx.link(
                subscription.number,
                href=_detail_href(subscription),
                weight="medium",
                size="2",
                font_family="var(--code-font-family)",
            )
        ),
        rx.table.cell(rx.text(subscription.plan_name, size="2"), min_width="120px"),
        rx.table.cell(subscription_status_badge(subscription.status), white_space="nowrap"),
        rx.table.cell(rx.text(subscription.price, size="2", white_space="nowrap")),
        rx.table.cell(_or_dash(subscription.current_period), white_space="nowrap"),
        rx.table.cell(_or_dash(subscription.next_billing), white_space="nowrap"),
        rx.table.cell(_servers(subscription.servers), min_width="160px"),
        align="center",
    )


def _detail_href(subscription: rx.Var[SubscriptionSummary]) -> rx.Var[str]:
    return f"{SUBSCRIPTIONS}/{subscription.number}"  # type: ignore[return-value]


def _fact(label: str, value: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="1", color="var(--gray-11)", min_width="96px", flex_shrink="0"),
        value,
        align="start",
        spacing="2",
        width="100%",
    )


def subscription_card(subscription: rx.Var[SubscriptionSummary]) -> rx.Component:
    """One subscription as a card (phones): the number links to its page."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(
                    subscription.number,
                    href=_detail_href(subscription),
                    weight="medium",
                    font_family="var(--code-font-family)",
                ),
                subscription_status_badge(subscription.status),
                justify="between",
                align="center",
                width="100%",
            ),
            rx.text(subscription.plan_name, weight="medium", size="3"),
            _fact("Price", rx.text(subscription.price, size="2")),
            _fact("Current period", _or_dash(subscription.current_period)),
            _fact("Next billing", _or_dash(subscription.next_billing)),
            _fact("Servers", _servers(subscription.servers)),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def subscriptions_list(subscriptions: rx.Var[list[SubscriptionSummary]]) -> rx.Component:
    """The table from tablets up, cards below: no sideways scrolling at 390 px."""
    return rx.fragment(
        rx.box(subscriptions_table(subscriptions), display=["none", "none", "block"], width="100%"),
        rx.vstack(
            rx.foreach(subscriptions, subscription_card),
            display=["flex", "flex", "none"],
            spacing="3",
            width="100%",
            id="subscriptions-cards",
        ),
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
