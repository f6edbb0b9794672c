"""The subscriptions list: one page of the customer's subscriptions and the way to the others."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import empty_state, notice_callout, skeleton_rows
from billing_console.components.refusal import link_button
from billing_console.components.subscriptions import subscriptions_list
from billing_console.routes import PLANS
from billing_console.state.subscriptions import SubscriptionsState


def _pager() -> rx.Component:
    return rx.hstack(
        rx.cond(
            SubscriptionsState.previous_page != "",
            rx.link(
                rx.button(rx.icon("chevron-left", size=16), "Previous", variant="soft", size="2"),
                href=SubscriptionsState.previous_page,
                underline="none",
                id="subscriptions-previous",
            ),
        ),
        rx.text(
            "Page ",
            SubscriptionsState.page,
            " of ",
            SubscriptionsState.page_count,
            size="2",
            color="var(--gray-11)",
        ),
        rx.cond(
            SubscriptionsState.next_page != "",
            rx.link(
                rx.button("Next", rx.icon("chevron-right", size=16), variant="soft", size="2"),
                href=SubscriptionsState.next_page,
                underline="none",
                id="subscriptions-next",
            ),
        ),
        align="center",
        justify="end",
        spacing="3",
        width="100%",
    )


def subscriptions_section() -> rx.Component:
    return rx.cond(
        SubscriptionsState.loading,
        skeleton_rows(5),
        rx.cond(
            SubscriptionsState.notice != "",
            notice_callout(SubscriptionsState.notice, element_id="subscriptions-notice"),
            rx.cond(
                SubscriptionsState.has_subscriptions,
                rx.vstack(
                    rx.text(
                        SubscriptionsState.total,
                        rx.cond(SubscriptionsState.total == 1, " subscription", " subscriptions"),
                        size="2",
                        color="var(--gray-11)",
                    ),
                    subscriptions_list(SubscriptionsState.subscriptions),
                    rx.cond(SubscriptionsState.page_count > 1, _pager()),
                    spacing="3",
                    width="100%",
                ),
                rx.card(
                    empty_state("inbox", "No subscriptions yet", "Choose a plan to order your first one."),
                    rx.center(link_button("See the plans", PLANS, "subscriptions-see-plans", icon="tags")),
                    width="100%",
                    id="subscriptions-empty",
                ),
            ),
        ),
    )
