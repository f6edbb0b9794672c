"""`/login`: email and password, with the ways to sign up and to reset a forgotten password."""

from __future__ import annotations

import reflex as rx

from billing_console.components.auth_card import auth_page, text_link
from billing_console.layout import page_title
from billing_console.routes import LOGIN, REGISTER, Route
from billing_console.state.login import LoginState
from billing_console.views.auth_forms import login_form


def login() -> rx.Component:
    return auth_page(
        "Sign in",
        "to see your subscriptions, invoices and servers.",
        login_form(),
        rx.text("New here? ", text_link("Create an account", REGISTER, "login-register-link"), size="2"),
    )


route = Route(path=LOGIN, title=page_title("Sign in"), component=login, on_load=LoginState.load)
