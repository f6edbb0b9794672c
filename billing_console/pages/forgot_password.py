"""`/forgot-password`: asks for a link to choose a new password."""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import auth_page, text_link
from billing_console.layout import page_title
from billing_console.routes import FORGOT_PASSWORD, LOGIN, Route
from billing_console.state.password_reset import ForgotPasswordState
from billing_console.views.auth_forms import request_form


def forgot_password() -> rx.Component:
    return auth_page(
        "Forgot your password?",
        "We will email you a link to choose a new one.",
        request_form(),
        rx.text("Remembered it? ", text_link("Sign in", LOGIN, "forgot-login-link"), size="2"),
    )


route = Route(
    path=FORGOT_PASSWORD,
    title=page_title("Forgot password"),
    component=forgot_password,
    on_load=ForgotPasswordState.load,
)
