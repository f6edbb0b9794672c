"""`/login`: email and password."""

from __future__ import annotations

import reflex as rx

from billing_console.components.brand import brand
from billing_console.components.feedback import problem_callout
from billing_console.components.header import color_mode_toggle
from billing_console.layout import page_title
from billing_console.routes import LOGIN, Route
from billing_console.state.login import LoginState


def _field(label: str, control_id: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-2)", font_weight="500"),
        control,
        spacing="1",
        width="100%",
    )


def login_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(LoginState.error != "", problem_callout(LoginState.error, element_id="login-error")),
            _field(
                "Email",
                "login-email",
                rx.input(
                    name="email",
                    id="login-email",
                    type="email",
                    placeholder="you@example.com",
                    auto_complete="username",
                    required=True,
                    size="3",
                    width="100%",
                ),
            ),
            _field(
                "Password",
                "login-password",
                rx.input(
                    name="password",
                    id="login-password",
                    type="password",
                    auto_complete="current-password",
                    required=True,
                    size="3",
                    width="100%",
                ),
            ),
            rx.button(
                "Sign in",
                type="submit",
                id="login-submit",
                loading=LoginState.submitting,
                size="3",
                width="100%",
                margin_top="8px",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=LoginState.sign_in,
        reset_on_submit=False,
        width="100%",
    )


def login() -> rx.Component:
    return rx.box(
        rx.box(color_mode_toggle(), position="absolute", top="16px", right="16px"),
        rx.center(
            rx.vstack(
                brand(size="5"),
                rx.card(
                    rx.vstack(
                        rx.vstack(
                            rx.heading("Sign in", size="6"),
                            rx.text(
                                "to see your subscriptions, invoices and servers.", color="var(--gray-11)"
                            ),
                            spacing="1",
                        ),
                        login_form(),
                        spacing="5",
                        width="100%",
                    ),
                    size="4",
                    width="100%",
                ),
                align="center",
                spacing="6",
                width="100%",
                max_width="420px",
            ),
            min_height="100vh",
            padding="16px",
        ),
        position="relative",
        background="radial-gradient(circle at 50% 0%, var(--accent-a3), transparent 60%)",
    )


route = Route(path=LOGIN, title=page_title("Sign in"), component=login, on_load=LoginState.load)
