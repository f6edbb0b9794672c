"""`/reset-password`: sets the new password with the link (or code) from the reset email."""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import auth_page, text_link
from billing_console.layout import page_title
from billing_console.routes import FORGOT_PASSWORD, RESET_PASSWORD, Route
from billing_console.state.password_reset import ResetPasswordState
from billing_console.views.auth_forms import reset_form


def reset_password() -> rx.Component:
    return auth_page(
        "Choose a new password",
        "Every device signed in to your account will be signed out.",
        reset_form(),
        rx.text("Link expired? ", text_link("Request a new one", FORGOT_PASSWORD), size="2"),
    )


route = Route(
    path=RESET_PASSWORD,
    title=page_title("Reset password"),
    component=reset_password,
    on_load=ResetPasswordState.load,
)
