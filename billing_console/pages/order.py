"""`/order/{plan}`: the order wizard of one plan, for signed-in customers (visitors sign in first and
come back); an address with no plan to order shows the 404 panel."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import notice_callout, skeleton_cards
from billing_console.components.refusal import refusal_panel
from billing_console.layout import template
from billing_console.routes import ORDER, PLANS
from billing_console.state.order import OrderState
from billing_console.views.order import order_wizard


def _not_found() -> rx.Component:
    return refusal_panel(
        "map-pin-off",
        "Error 404",
        "There is no plan to order at this address",
        "The plan may no longer be on offer. The plans you can order are listed on their own page.",
        rx.link(rx.button("See the plans", size="3"), href=PLANS, id="not-found-plans", underline="none"),
        "not-found",
    )


@template(route=ORDER, title="Order", on_load=OrderState.load, section=PLANS)
def order() -> rx.Component:
    return rx.cond(
        OrderState.loading,
        skeleton_cards(2, height="220px"),
        rx.cond(
            OrderState.notice != "",
            notice_callout(OrderState.notice, element_id="order-notice"),
            rx.cond(OrderState.not_found, _not_found(), order_wizard()),
        ),
    )


route = order
