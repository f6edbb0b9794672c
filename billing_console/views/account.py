"""The account settings' sections: the password form and the personal access tokens."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import empty_state, problem_callout, skeleton_rows
from billing_console.components.forms import form_field, new_password_fields, text_input
from billing_console.state.account import AccountState, TokenRow
from billing_console.state.session import SessionState


def password_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(
                AccountState.password_error != "",
                problem_callout(AccountState.password_error, element_id="password-error"),
            ),
            form_field(
                "Current password",
                "current-password",
                text_input(
                    "current_password", "current-password", kind="password", auto_complete="current-password"
                ),
            ),
            new_password_fields("new_password", "new-password", "New password"),
            rx.button(
                "Change password",
                type="submit",
                id="change-password-submit",
                loading=AccountState.changing_password,
            ),
            spacing="4",
            width="100%",
            max_width="420px",
        ),
        on_submit=AccountState.change_password,
        reset_on_submit=True,
        width="100%",
    )


def _scope_checkbox(scope: str, label: str, default: bool = False) -> rx.Component:
    return rx.checkbox(label, name=f"scope_{scope}", default_checked=default, id=f"token-scope-{scope}")


def new_token_callout() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("key-round")),
        rx.vstack(
            rx.text("Copy your new token now. It will not be shown again.", weight="medium", size="2"),
            rx.hstack(
                rx.code(AccountState.new_token, id="new-token", size="2", overflow_wrap="anywhere"),
                rx.icon_button(
                    rx.icon("copy", size=16),
                    on_click=rx.set_clipboard(AccountState.new_token),
                    variant="soft",
                    size="1",
                    aria_label="Copy token",
                ),
                rx.button("Done", on_click=AccountState.dismiss_new_token, variant="ghost", size="1"),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            spacing="2",
        ),
        color_scheme="green",
        width="100%",
    )


def create_token_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(
                AccountState.token_error != "",
                problem_callout(AccountState.token_error, element_id="token-error"),
            ),
            rx.cond(AccountState.new_token != "", new_token_callout()),
            rx.hstack(
                rx.box(
                    form_field(
                        "Token name",
                        "token-name",
                        text_input("name", "token-name", placeholder="e.g. Monitoring", max_length=100),
                    ),
                    flex="1",
                    min_width="200px",
                ),
                rx.hstack(
                    _scope_checkbox("read", "Read", default=True),
                    _scope_checkbox("write", "Write"),
                    rx.cond(SessionState.is_admin, _scope_checkbox("admin", "Admin")),
                    spacing="4",
                    padding_bottom="10px",
                ),
                rx.button(
                    "Create token", type="submit", id="create-token-submit", loading=AccountState.creating
                ),
                align="end",
                spacing="4",
                wrap="wrap",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=AccountState.create_token,
        reset_on_submit=True,
        width="100%",
    )


def token_row(token: rx.Var[TokenRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(token.name, size="2", weight="medium")),
        rx.table.cell(rx.code(token.prefix, size="1")),
        rx.table.cell(rx.text(token.scopes, size="2")),
        rx.table.cell(rx.text(token.created, size="2", white_space="nowrap")),
        rx.table.cell(rx.text(token.last_used, size="2", white_space="nowrap")),
        rx.table.cell(
            rx.cond(
                token.revoked,
                rx.badge("Revoked", color_scheme="gray", variant="soft"),
                rx.button(
                    "Revoke",
                    on_click=AccountState.revoke_token(token.id),
                    color_scheme="red",
                    variant="soft",
                    size="1",
                ),
            )
        ),
        align="center",
    )


def tokens_table() -> rx.Component:
    return rx.cond(
        AccountState.loading,
        skeleton_rows(3),
        rx.cond(
            AccountState.has_tokens,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(title, white_space="nowrap")
                            for title in ("Name", "Token", "Scopes", "Created", "Last used", "")
                        ]
                    )
                ),
                rx.table.body(rx.foreach(AccountState.tokens, token_row)),
                variant="surface",
                size="2",
                width="100%",
                id="tokens-table",
            ),
            empty_state("key-round", "No tokens yet", "Create one to call the REST API under /api/v1."),
        ),
    )
