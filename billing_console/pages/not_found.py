"""Any address no page has (404): the way to the start page, or to sign in."""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import auth_page, text_link
from billing_console.components.refusal import refusal_panel
from billing_console.layout import page_title
from billing_console.routes import NOT_FOUND, REGISTER, Route
from billing_console.state.refusals import RefusalState
from billing_console.views.refusals import refusal_page, sign_in_body, start_page_button


def not_found() -> rx.Component:
    return refusal_page(
        "",
        "Page not found",
        refusal_panel(
            "map-pin-off",
            "Error 404",
            "There is no page at this address",
            "The link may be mistyped, or the page has moved. Your start page has everything you use.",
            start_page_button("not-found-home"),
            "not-found",
        ),
        auth_page(
            "Page not found",
            "There is no page at this address. Sign in to go to your start page.",
            sign_in_body("not-found"),
            rx.text("New here? ", text_link("Create an account", REGISTER), size="2"),
        ),
    )


route = Route(
    path=NOT_FOUND, title=page_title("Page not found"), component=not_found, on_load=RefusalState.check_user
)
