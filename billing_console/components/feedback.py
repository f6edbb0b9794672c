"""Loading placeholders, empty states and error messages."""

from __future__ import annotations

import reflex as rx


def skeleton_cards(count: int, height: str = "124px") -> rx.Component:
    """Placeholders in the shape of a grid of figure cards (up to three per row)."""
    return rx.grid(
        *[rx.skeleton(rx.box(height=height, width="100%"), loading=True) for _ in range(count)],
        columns=rx.breakpoints(initial="1", sm="2", lg="3"),
        spacing="4",
        width="100%",
    )


def skeleton_rows(count: int) -> rx.Component:
    """Placeholders in the shape of a table."""
    return rx.vstack(
        *[rx.skeleton(rx.box(height="36px", width="100%"), loading=True) for _ in range(count)],
        spacing="2",
        width="100%",
    )


def page_spinner(label: str = "Loading…") -> rx.Component:
    return rx.center(
        rx.hstack(rx.spinner(size="3"), rx.text(label, color="var(--gray-11)"), align="center", spacing="3"),
        width="100%",
        height="60vh",
    )


def empty_state(icon: str, title: str, text: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=22, color="var(--gray-11)"),
                width="44px",
                height="44px",
                border_radius="9999px",
                background="var(--gray-a3)",
            ),
            rx.text(title, weight="medium"),
            rx.text(text, size="2", color="var(--gray-11)", text_align="center"),
            align="center",
            spacing="2",
        ),
        padding_y="40px",
        width="100%",
    )


def problem_callout(message: rx.Var[str] | str, element_id: str | None = None) -> rx.Component:
    """Something the user did was refused, e.g. a sign-in with a wrong password."""
    return rx.callout(
        message,
        icon="triangle-alert",
        color_scheme="red",
        role="alert",
        width="100%",
        id=element_id,
    )


def notice_callout(message: rx.Var[str] | str, element_id: str | None = None) -> rx.Component:
    """Why a page has nothing to show; not an error of the user."""
    return rx.callout(message, icon="info", color_scheme="gray", width="100%", id=element_id)
