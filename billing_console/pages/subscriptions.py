"""`/subscriptions`: the signed-in customer's subscriptions, a page at a time."""

from __future__ import annotations

import reflex as rx

from billing_console.layout import template
from billing_console.routes import SUBSCRIPTIONS
from billing_console.state.subscriptions import SubscriptionsState
from billing_console.views.subscriptions import subscriptions_section


@template(route=SUBSCRIPTIONS, title="Subscriptions", on_load=SubscriptionsState.load)
def subscriptions() -> rx.Component:
    return rx.vstack(subscriptions_section(), spacing="4", width="100%")


route = subscriptions
