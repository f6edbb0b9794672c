"""`/confirm-email`: the 6-digit code from the sign-up email activates the account."""

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
from billing_console.routes import CONFIRM_EMAIL, LOGIN, Route
from billing_console.state.signup import ConfirmEmailState


def confirm_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            feedback(ConfirmEmailState.error, ConfirmEmailState.notice, prefix="confirm"),
            form_field(
                "Email",
                "confirm-email",
                text_input(
                    "email",
                    "confirm-email",
                    kind="email",
                    value=ConfirmEmailState.email,
                    on_change=ConfirmEmailState.set_email,
                    auto_complete="email",
                ),
            ),
            form_field(
                "Confirmation code",
                "confirm-code",
                text_input(
                    "code",
                    "confirm-code",
                    placeholder="123456",
                    input_mode="numeric",
                    auto_complete="one-time-code",
                    max_length=12,
                ),
            ),
            submit_button("Confirm", "confirm-submit", ConfirmEmailState.submitting),
            rx.button(
                "Send a new code",
                type="button",
                variant="ghost",
                size="2",
                on_click=ConfirmEmailState.resend,
                disabled=ConfirmEmailState.submitting,
                id="confirm-resend",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=ConfirmEmailState.confirm,
        reset_on_submit=False,
        width="100%",
    )


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
