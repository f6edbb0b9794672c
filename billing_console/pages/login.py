"""`/login`: email and password, with the ways to sign up and to reset a forgotten password."""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import (
    auth_page,
    feedback,
    form_field,
    submit_button,
    text_input,
    text_link,
)
from billing_console.layout import page_title
from billing_console.routes import CONFIRM_EMAIL, FORGOT_PASSWORD, LOGIN, REGISTER, Route
from billing_console.state.login import LoginState


def login_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            feedback(LoginState.error, LoginState.notice, prefix="login"),
            rx.cond(
                LoginState.unconfirmed_email != "",
                rx.link(
                    "Enter your confirmation code",
                    href=f"{CONFIRM_EMAIL}?email=" + LoginState.unconfirmed_email,
                    size="2",
                    id="login-confirm-link",
                ),
            ),
            form_field(
                "Email",
                "login-email",
                text_input(
                    "email",
                    "login-email",
                    kind="email",
                    placeholder="you@example.com",
                    auto_complete="username",
                ),
            ),
            form_field(
                "Password",
                "login-password",
                text_input("password", "login-password", kind="password", auto_complete="current-password"),
            ),
            rx.hstack(
                text_link("Forgot your password?", FORGOT_PASSWORD, "login-forgot-link"),
                justify="end",
                width="100%",
            ),
            submit_button("Sign in", "login-submit", LoginState.submitting),
            spacing="4",
            width="100%",
        ),
        on_submit=LoginState.sign_in,
        reset_on_submit=False,
        width="100%",
    )


def login() -> rx.Component:
    return auth_page(
        "Sign in",
        "to see your subscriptions, invoices and servers.",
        login_form(),
        rx.text("New here? ", text_link("Create an account", REGISTER, "login-register-link"), size="2"),
    )


route = Route(path=LOGIN, title=page_title("Sign in"), component=login, on_load=LoginState.load)
