"""Paging a list that is paged on the server: the state holds one page and fetches another."""

from __future__ import annotations

import reflex as rx


def pager(
    page: rx.Var[int], page_count: rx.Var[int], turn_to: rx.EventHandler, element_id: str
) -> rx.Component:
    """Previous / "Page n of m" / Next, each button asking the state for that page."""
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16),
            "Previous",
            variant="soft",
            size="2",
            disabled=page <= 1,
            on_click=turn_to(page - 1),  # type: ignore[operator]
        ),
        rx.text("Page ", page, " of ", page_count, size="2", color="var(--gray-11)"),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=16),
            variant="soft",
            size="2",
            disabled=page >= page_count,
            on_click=turn_to(page + 1),  # type: ignore[operator]
        ),
        align="center",
        justify="end",
        spacing="3",
        width="100%",
        id=element_id,
    )
