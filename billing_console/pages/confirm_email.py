"""`/confirm-email`: the 6-digit code from the sign-up email activates the account."""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import auth_page, text_link
from billing_console.layout import page_title
from billing_console.routes import CONFIRM_EMAIL, LOGIN, Route
from billing_console.state.signup import ConfirmEmailState
from billing_console.views.auth_forms import confirm_form


def confirm_email() -> rx.Component:
    return auth_page(
        "Confirm your email",
        "Enter the code we emailed you.",
        confirm_form(),
        rx.text("Confirmed already? ", text_link("Sign in", LOGIN), size="2"),
    )


route = Route(
    path=CONFIRM_EMAIL,
    title=page_title("Confirm email"),
    component=confirm_email,
    on_load=ConfirmEmailState.load,
)
