"""The customer dashboard's sections: who the customer is, what is due, their subscriptions."""

from __future__ import annotations

import reflex as rx

from billing_console.components.cards import balance_card, nothing_due_card
from billing_console.components.feedback import empty_state, skeleton_cards, skeleton_rows
from billing_console.components.refusal import link_button
from billing_console.components.subscriptions import subscriptions_list
from billing_console.routes import PLANS
from billing_console.state.dashboard import DashboardState


def customer_heading() -> rx.Component:
    return rx.cond(
        DashboardState.loading,
        rx.vstack(
            rx.skeleton(rx.box(height="32px", width="260px"), loading=True),
            rx.skeleton(rx.box(height="20px", width="160px"), loading=True),
            spacing="2",
        ),
        rx.vstack(
            rx.heading(DashboardState.customer_name, size="7", id="customer-name"),
            rx.text(
                "Customer number ",
                rx.code(DashboardState.customer_number, variant="ghost", id="customer-number"),
                size="2",
                color="var(--gray-11)",
            ),
            spacing="1",
        ),
    )


def open_balance() -> rx.Component:
    return rx.box(
        rx.cond(
            DashboardState.loading,
            skeleton_cards(2),
            rx.cond(
                DashboardState.nothing_due,
                rx.grid(
                    nothing_due_card(), columns=rx.breakpoints(initial="1", sm="2", lg="3"), width="100%"
                ),
                rx.grid(
                    rx.foreach(DashboardState.balances, balance_card),
                    columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                    spacing="4",
                    width="100%",
                ),
            ),
        ),
        id="open-balance",
        width="100%",
    )


def subscriptions() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Subscriptions", size="4"),
            rx.cond(
                DashboardState.loading,
                rx.fragment(),
                rx.badge(
                    DashboardState.subscriptions.length(), variant="soft", color_scheme="gray", radius="full"
                ),
            ),
            align="center",
            spacing="2",
        ),
        rx.cond(
            DashboardState.loading,
            skeleton_rows(4),
            rx.cond(
                DashboardState.has_subscriptions,
                subscriptions_list(DashboardState.subscriptions),
                rx.card(
                    empty_state("inbox", "No subscriptions yet", "Plans you order will show up here."),
                    rx.center(link_button("See the plans", PLANS, "dashboard-see-plans", icon="tags")),
                    width="100%",
                    id="subscriptions-empty",
                ),
            ),
        ),
        spacing="3",
        width="100%",
    )
