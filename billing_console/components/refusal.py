"""A page that cannot be shown (404, 403): what happened, in the user's words, and the way on."""

from __future__ import annotations

import reflex as rx


def link_button(
    label: str,
    href: str | rx.Var[str],
    element_id: str,
    *,
    icon: str = "",
    document: bool = False,
    width: str = "auto",
) -> rx.Component:
    """A button-styled link; `document` loads the target as a new page (pages the web app serves)."""
    return rx.link(
        rx.button(rx.icon(icon, size=16) if icon else rx.fragment(), label, size="3", width="100%"),
        href=href,
        reload_document=document,
        underline="none",
        id=element_id,
        width=width,
        display="inline-block",
    )


def refusal_panel(
    icon: str,
    label: str,
    title: str | rx.Var[str],
    text: str | rx.Var[str],
    action: rx.Component,
    element_id: str,
) -> rx.Component:
    """Centred in the page frame: an icon, the status in words, a heading, one sentence and the action."""
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=26),
                width="56px",
                height="56px",
                border_radius="9999px",
                background="var(--accent-a3)",
                color="var(--accent-11)",
            ),
            rx.text(label, size="2", weight="medium", color="var(--accent-11)"),
            rx.heading(title, as_="h2", size="7", text_align="center"),
            rx.text(text, color="var(--gray-11)", text_align="center", max_width="460px"),
            rx.box(action, padding_top="8px"),
            align="center",
            spacing="3",
        ),
        padding_y=["40px", "72px"],
        width="100%",
        id=element_id,
    )
