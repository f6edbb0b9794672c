"""`/account`: change the password; create and revoke personal access tokens for the REST API."""

from __future__ import annotations

import reflex as rx

from billing_console.components.cards import section_card
from billing_console.layout import template
from billing_console.routes import ACCOUNT
from billing_console.state.account import AccountState
from billing_console.views.account import create_token_form, password_form, tokens_table


@template(route=ACCOUNT, title="Account settings", on_load=AccountState.load)
def account() -> rx.Component:
    return rx.vstack(
        section_card(
            "Password",
            "Changing it signs you out on every device, this one included.",
            password_form(),
            "password-section",
        ),
        section_card(
            "Personal access tokens",
            "Tokens let scripts call the REST API as you (header Authorization: Bearer <token>). "
            "Each is shown once; revoke any you no longer use.",
            rx.vstack(create_token_form(), tokens_table(), spacing="4", width="100%"),
            "tokens-section",
        ),
        spacing="5",
        width="100%",
    )


route = account
