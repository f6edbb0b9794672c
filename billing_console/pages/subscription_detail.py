"""`/subscriptions/{number}`: one of the customer's subscriptions and its actions; any other number
(another customer's, another tenant's, none) shows the 404 panel."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import notice_callout
from billing_console.components.refusal import refusal_panel
from billing_console.layout import template
from billing_console.routes import SUBSCRIPTION, SUBSCRIPTIONS
from billing_console.state.subscription_detail import SubscriptionState
from billing_console.views.refusals import start_page_button
from billing_console.views.subscription_addons import addon_dialogs, addons_section, withdraw_note
from billing_console.views.subscription_detail import (
    action_dialog,
    subscription_actions,
    subscription_facts,
    subscription_heading,
    subscription_skeleton,
)


def _not_found() -> rx.Component:
    return refusal_panel(
        "map-pin-off",
        "Error 404",
        "There is no page at this address",
        "You have no subscription with this number. Your subscriptions are listed on their own page.",
        start_page_button("not-found-home"),
        "not-found",
    )


@template(route=SUBSCRIPTION, title="Subscription", on_load=SubscriptionState.load, section=SUBSCRIPTIONS)
def subscription_detail() -> rx.Component:
    return rx.cond(
        SubscriptionState.loading,
        subscription_skeleton(),
        rx.cond(
            SubscriptionState.not_found,
            _not_found(),
            rx.cond(
                SubscriptionState.notice != "",
                notice_callout(SubscriptionState.notice, element_id="subscription-notice"),
                rx.vstack(
                    rx.link(
                        rx.hstack(rx.icon("arrow-left", size=14), rx.text("All subscriptions", size="2")),
                        href=SUBSCRIPTIONS,
                    ),
                    subscription_heading(),
                    subscription_facts(),
                    addons_section(),
                    subscription_actions(),
                    withdraw_note(),
                    action_dialog(more=addon_dialogs()),
                    spacing="5",
                    width="100%",
                ),
            ),
        ),
    )


route = subscription_detail
