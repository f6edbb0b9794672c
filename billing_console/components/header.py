"""The bar above every signed-in page: page title, light/dark switch, the user and signing out."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventType

from billing_console.routes import ACCOUNT


def color_mode_toggle() -> rx.Component:
    """Switches between light and dark; the choice is kept by the browser."""
    return rx.tooltip(
        rx.icon_button(
            rx.color_mode_cond(light=rx.icon("moon", size=18), dark=rx.icon("sun", size=18)),
            on_click=rx.toggle_color_mode,
            variant="ghost",
            color_scheme="gray",
            size="2",
            id="color-mode-toggle",
            aria_label="Switch between light and dark mode",
        ),
        content="Light / dark",
    )


def role_badge(role: rx.Var[str]) -> rx.Component:
    return rx.badge(
        rx.cond(role == "admin", "Admin", "Customer"),
        color_scheme=rx.cond(role == "admin", "violet", "gray"),
        variant="soft",
        radius="full",
    )


def current_user(
    display_name: rx.Var[str], email: rx.Var[str], role: rx.Var[str], initials: rx.Var[str]
) -> rx.Component:
    """Avatar, name, email and role of the signed-in user."""
    return rx.hstack(
        rx.avatar(fallback=initials, size="2", radius="full", variant="soft"),
        rx.vstack(
            rx.hstack(
                rx.text(display_name, size="2", weight="medium", trim="both"),
                role_badge(role),
                align="center",
                spacing="2",
            ),
            rx.text(email, size="1", color="var(--gray-11)", trim="both"),
            spacing="1",
            display=["none", "flex"],
        ),
        align="center",
        spacing="3",
        id="current-user",
    )


def account_button() -> rx.Component:
    return rx.tooltip(
        rx.link(
            rx.icon_button(
                rx.icon("user-cog", size=18),
                variant="ghost",
                color_scheme="gray",
                size="2",
                aria_label="Account settings",
            ),
            href=ACCOUNT,
            id="account-link",
        ),
        content="Account settings",
    )


def sign_out_button(on_sign_out: EventType[()]) -> rx.Component:
    return rx.button(
        rx.icon("log-out", size=16),
        rx.text("Sign out", display=["none", "none", "inline"]),
        on_click=on_sign_out,
        variant="soft",
        color_scheme="gray",
        size="2",
        id="sign-out",
        aria_label="Sign out",
    )


def header(title: str, menu: rx.Component, user: rx.Component, on_sign_out: EventType[()]) -> rx.Component:
    return rx.hstack(
        rx.hstack(menu, rx.heading(title, size="4", weight="medium"), align="center", spacing="3"),
        rx.hstack(
            color_mode_toggle(),
            rx.separator(orientation="vertical", size="1"),
            user,
            account_button(),
            sign_out_button(on_sign_out),
            align="center",
            spacing="4",
        ),
        as_="header",
        justify="between",
        align="center",
        width="100%",
        height="64px",
        padding_x=["16px", "24px"],
        position="sticky",
        top="0",
        z_index="2",
        border_bottom="1px solid var(--gray-a5)",
        background="var(--color-background)",
    )
