"""`/admin/subscriptions`: every subscription of the tenant, filtered by status, plan and customer."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import skeleton_rows
from billing_console.layout import template
from billing_console.routes import ADMIN_SUBSCRIPTIONS
from billing_console.state.admin_subscriptions import AdminSubscriptionsState
from billing_console.views.admin_subscriptions import filters, subscription_list


@template(route=ADMIN_SUBSCRIPTIONS, title="Subscriptions", on_load=AdminSubscriptionsState.load)
def admin_subscriptions() -> rx.Component:
    return rx.vstack(
        rx.heading("Subscriptions", as_="h1", size="7"),
        filters(),
        rx.cond(AdminSubscriptionsState.loading, skeleton_rows(6), subscription_list()),
        spacing="4",
        width="100%",
    )


route = admin_subscriptions
