"""The product mark shown in the sidebar and on the sign-in page."""

from __future__ import annotations

import reflex as rx


def brand(size: str = "4") -> rx.Component:
    """Logo tile and product name."""
    return rx.hstack(
        rx.center(
            rx.icon("receipt-text", size=18, color="var(--accent-contrast)"),
            width="32px",
            height="32px",
            border_radius="var(--radius-3)",
            background="var(--accent-9)",
            flex_shrink="0",
        ),
        rx.text("Billing Console", weight="bold", size=size, trim="both"),
        align="center",
        spacing="2",
    )
