"""The signed-out forms: sign in, create an account, confirm the email, forgot and reset password."""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import text_link
from billing_console.components.feedback import notice_callout
from billing_console.components.forms import auth_form, form_field, new_password_fields, text_input
from billing_console.routes import CONFIRM_EMAIL, FORGOT_PASSWORD
from billing_console.state.login import LoginState
from billing_console.state.password_reset import ForgotPasswordState, ResetPasswordState
from billing_console.state.signup import ConfirmEmailState, RegisterState


def login_form() -> rx.Component:
    return auth_form(
        "login",
        [
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
        ],
        "Sign in",
        on_submit=LoginState.sign_in,
        error=LoginState.error,
        notice=LoginState.notice,
        submitting=LoginState.submitting,
    )


def register_form() -> rx.Component:
    return auth_form(
        "register",
        [
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
        ],
        "Create account",
        on_submit=RegisterState.register,
        error=RegisterState.error,
        notice=RegisterState.notice,
        submitting=RegisterState.submitting,
    )


def confirm_form() -> rx.Component:
    return auth_form(
        "confirm",
        [
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
        ],
        "Confirm",
        on_submit=ConfirmEmailState.confirm,
        error=ConfirmEmailState.error,
        notice=ConfirmEmailState.notice,
        submitting=ConfirmEmailState.submitting,
        actions=[
            rx.button(
                "Send a new code",
                type="button",
                variant="ghost",
                size="2",
                on_click=ConfirmEmailState.resend,
                disabled=ConfirmEmailState.submitting,
                id="confirm-resend",
            ),
        ],
    )


def request_form() -> rx.Component:
    """Asks for the account's address; once sent, says so instead of showing the form again."""
    return rx.cond(
        ForgotPasswordState.sent_to != "",
        notice_callout(
            "If an account exists for "
            + ForgotPasswordState.sent_to
            + ", we sent it a link to choose a new password. It works once, within one hour.",
            element_id="forgot-sent",
        ),
        auth_form(
            "forgot",
            [
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
            ],
            "Send reset link",
            on_submit=ForgotPasswordState.request_link,
            error=ForgotPasswordState.error,
            notice=ForgotPasswordState.notice,
            submitting=ForgotPasswordState.submitting,
        ),
    )


def reset_form() -> rx.Component:
    """Asks for the reset code only when the page was not opened from the link that carries it."""
    return auth_form(
        "reset",
        [
            rx.cond(
                ResetPasswordState.has_token,
                rx.fragment(),
                form_field(
                    "Reset code", "reset-token", text_input("token", "reset-token", auto_complete="off")
                ),
            ),
            new_password_fields("password", "reset-password", "New password"),
        ],
        "Set new password",
        on_submit=ResetPasswordState.set_new_password,
        error=ResetPasswordState.error,
        notice=ResetPasswordState.notice,
        submitting=ResetPasswordState.submitting,
    )
