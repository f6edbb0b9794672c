"""`/forgot-password` asks for a reset link; `/reset-password` sets the new password with it."""

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
from billing_console.components.feedback import notice_callout
from billing_console.layout import page_title
from billing_console.routes import FORGOT_PASSWORD, LOGIN, RESET_PASSWORD, Route
from billing_console.state.password_reset import ForgotPasswordState, ResetPasswordState


def request_form() -> rx.Component:
    return rx.cond(
        ForgotPasswordState.sent_to != "",
        notice_callout(
            "If an account exists for "
            + ForgotPasswordState.sent_to
            + ", we sent it a link to choose a new password. It works once, within one hour.",
            element_id="forgot-sent",
        ),
        rx.form(
            rx.vstack(
                feedback(ForgotPasswordState.error, prefix="forgot"),
                form_field(
                    "Email",
                    "forgot-email",
                    text_input(
                        "email",
                        "forgot-email",
                        kind="email",
                        placeholder="you@example.com",
                        auto_complete="email",
                    ),
                ),
                submit_button("Send reset link", "forgot-submit", ForgotPasswordState.submitting),
                spacing="4",
                width="100%",
            ),
            on_submit=ForgotPasswordState.request_link,
            reset_on_submit=False,
            width="100%",
        ),
    )


def forgot_password() -> rx.Component:
    return auth_page(
        "Forgot your password?",
        "We will email you a link to choose a new one.",
        request_form(),
        rx.text("Remembered it? ", text_link("Sign in", LOGIN, "forgot-login-link"), size="2"),
    )


def reset_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            feedback(ResetPasswordState.error, prefix="reset"),
            rx.cond(
                ResetPasswordState.has_token,
                rx.fragment(),
                form_field(
                    "Reset code", "reset-token", text_input("token", "reset-token", auto_complete="off")
                ),
            ),
            new_password_fields("password", "reset-password", "New password"),
            submit_button("Set new password", "reset-submit", ResetPasswordState.submitting),
            spacing="4",
            width="100%",
        ),
        on_submit=ResetPasswordState.set_new_password,
        reset_on_submit=False,
        width="100%",
    )


def reset_password() -> rx.Component:
    return auth_page(
        "Choose a new password",
        "Every device signed in to your account will be signed out.",
        reset_form(),
        rx.text("Link expired? ", text_link("Request a new one", FORGOT_PASSWORD), size="2"),
    )


forgot_route = Route(
    path=FORGOT_PASSWORD,
    title=page_title("Forgot password"),
    component=forgot_password,
    on_load=ForgotPasswordState.load,
)
reset_route = Route(
    path=RESET_PASSWORD,
    title=page_title("Reset password"),
    component=reset_password,
    on_load=ResetPasswordState.load,
)
