"""`/register`: create an account; a confirmation code follows by email."""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import (
    auth_page,
    feedback,
    form_field,
    new_password_fields,
    submit_button,
    text_input,
    text_link,
)
from billing_console.layout import page_title
from billing_console.routes import LOGIN, REGISTER, Route
from billing_console.state.signup import RegisterState


def register_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            feedback(RegisterState.error, prefix="register"),
            form_field("Name", "register-name", text_input("name", "register-name", auto_complete="name")),
            form_field(
                "Email",
                "register-email",
                text_input(
                    "email",
                    "register-email",
                    kind="email",
                    placeholder="you@example.com",
                    auto_complete="email",
                ),
            ),
            new_password_fields("password", "register-password", "Password"),
            submit_button("Create account", "register-submit", RegisterState.submitting),
            spacing="4",
            width="100%",
        ),
        on_submit=RegisterState.register,
        reset_on_submit=False,
        width="100%",
    )


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
