"""The frame of the signed-out pages (sign in, sign up, confirm, reset, refusals) and their links."""

from __future__ import annotations

import reflex as rx

from billing_console.components.brand import brand
from billing_console.components.header import color_mode_toggle


def text_link(label: str, href: str, control_id: str | None = None) -> rx.Component:
    return rx.link(label, href=href, size="2", id=control_id)


def auth_page(
    title: str, subtitle: str, body: rx.Component, footer: rx.Component | None = None
) -> rx.Component:
    """A centred card with the product mark, like the sign-in page."""
    return rx.box(
        rx.box(color_mode_toggle(), position="absolute", top="16px", right="16px"),
        rx.center(
            rx.vstack(
                brand(size="5"),
                rx.card(
                    rx.vstack(
                        rx.vstack(
                            rx.heading(title, size="6"),
                            rx.text(subtitle, color="var(--gray-11)"),
                            spacing="1",
                        ),
                        body,
                        spacing="5",
                        width="100%",
                    ),
                    size="4",
                    width="100%",
                ),
                footer if footer is not None else rx.fragment(),
                align="center",
                spacing="5",
                width="100%",
                max_width="420px",
            ),
            min_height="100vh",
            padding="16px",
        ),
        position="relative",
        background="radial-gradient(circle at 50% 0%, var(--accent-a3), transparent 60%)",
    )
