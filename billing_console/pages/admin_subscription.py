"""`/admin/subscriptions/{number}`: one subscription of the tenant, its history and charges, and the
actions an admin takes for the customer (each previewed by the engine). Any other number shows the
404 panel."""

from __future__ import annotations

import reflex as rx

from billing_console.components.refusal import link_button, refusal_panel
from billing_console.layout import template
from billing_console.routes import ADMIN_SUBSCRIPTION, ADMIN_SUBSCRIPTIONS
from billing_console.state.admin_servers import AdminServersState
from billing_console.state.admin_subscriptions import AdminSubscriptionState
from billing_console.views.admin_servers import subscription_servers
from billing_console.views.admin_subscriptions import (
    admin_actions,
    cancel_now_dialog,
    customer_line,
    history_and_charges,
)
from billing_console.views.subscription_detail import (
    action_dialog,
    subscription_facts,
    subscription_heading,
    subscription_skeleton,
)

S = AdminSubscriptionState


def _not_found() -> rx.Component:
    return refusal_panel(
        "map-pin-off",
        "Error 404",
        "There is no such subscription",
        "No subscription of this tenant has this number. Find it in the list.",
        link_button("All subscriptions", ADMIN_SUBSCRIPTIONS, "not-found-subscriptions", icon="repeat"),
        "not-found",
    )


@template(
    route=ADMIN_SUBSCRIPTION,
    title="Subscription",
    on_load=[S.load, AdminServersState.load],
    section=ADMIN_SUBSCRIPTIONS,
)
def admin_subscription() -> rx.Component:
    return rx.cond(
        S.loading,
        subscription_skeleton(),
        rx.cond(
            S.not_found,
            _not_found(),
            rx.vstack(
                rx.link(
                    rx.hstack(rx.icon("arrow-left", size=14), rx.text("All subscriptions", size="2")),
                    href=ADMIN_SUBSCRIPTIONS,
                ),
                subscription_heading(S),
                customer_line(),
                subscription_facts(S, with_addons=True),
                subscription_servers(),
                admin_actions(),
                history_and_charges(),
                action_dialog(S, more=(("cancel_now", cancel_now_dialog()),)),
                spacing="5",
                width="100%",
            ),
        ),
    )


route = admin_subscription
