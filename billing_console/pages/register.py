"""`/register`: create an account; a confirmation code follows by email."""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import auth_page, text_link
from billing_console.layout import page_title
from billing_console.routes import LOGIN, REGISTER, Route
from billing_console.state.signup import RegisterState
from billing_console.views.auth_forms import register_form


def register() -> rx.Component:
    return auth_page(
        "Create your account",
        "We will email you a code to confirm your address.",
        register_form(),
        rx.text("Already have an account? ", text_link("Sign in", LOGIN, "register-login-link"), size="2"),
    )


route = Route(
    path=REGISTER, title=page_title("Create account"), component=register, on_load=RegisterState.load
)
