"""Cards: headline figures, open balances and titled sections."""

from __future__ import annotations

import reflex as rx

from backend.reporting.schemas import OpenBalance
from billing_console.routes import INVOICES


def stat_card(
    label: str,
    value: rx.Component | rx.Var | str,
    icon: str,
    hint: rx.Component | str = "",
    tone: str | rx.Var[str] = "indigo",
    element_id: str | None = None,
    href: str | None = None,
) -> rx.Component:
    """A labelled figure with an icon; `tone` colours the icon tile. With `href` the whole card
    leads to the list behind the figure (every figure leads somewhere)."""
    card = rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(label, size="2", weight="medium", color="var(--gray-11)"),
                rx.center(
                    rx.icon(icon, size=18),
                    width="32px",
                    height="32px",
                    border_radius="var(--radius-3)",
                    background=f"var(--{tone}-a3)",
                    color=f"var(--{tone}-11)",
                ),
                justify="between",
                align="center",
                width="100%",
            ),
            rx.box(value, font_size="var(--font-size-6)", font_weight="bold", line_height="1.2"),
            _hint(hint, leads_somewhere=href is not None),
            spacing="2",
            width="100%",
        ),
        size="2",
        width="100%",
        height="100%" if href else None,  # a linked card fills its grid cell like the others
        id=element_id,
    )
    if href is None:
        return card
    return rx.link(
        card,
        href=href,
        underline="none",
        color="inherit",
        display="block",
        class_name="figure-link",
        style={
            "&:hover .rt-Card": {"box_shadow": "0 0 0 1px var(--accent-8)"},
            "border_radius": "var(--radius-4)",
        },
    )


def _hint(hint: rx.Component | str, *, leads_somewhere: bool) -> rx.Component:
    text = rx.box(hint, font_size="var(--font-size-1)", color="var(--gray-11)")
    if not leads_somewhere:
        return text
    # a figure that leads to its list says so
    arrow = rx.icon("arrow-right", size=14, color="var(--gray-10)", aria_hidden="true", flex_shrink="0")
    return rx.hstack(text, arrow, justify="between", align="center", width="100%")


def _plural(count: rx.Var[int], one: str, many: str) -> rx.Component:
    return rx.text.span(count, " ", rx.cond(count == 1, one, many))


def balance_card(balance: rx.Var[OpenBalance]) -> rx.Component:
    """What is due in one currency: amount, unpaid invoices, and how many of them are overdue."""
    return stat_card(
        label=f"Open balance · {balance.currency}",
        value=balance.amount,
        icon="wallet",
        tone=rx.cond(balance.overdue_invoices > 0, "red", "amber"),
        # the counts lead to the invoices they count
        hint=rx.link(
            rx.hstack(
                _plural(balance.unpaid_invoices, "unpaid invoice", "unpaid invoices"),
                rx.text.span("·"),
                rx.text.span(
                    _plural(balance.overdue_invoices, "overdue", "overdue"),
                    color=rx.cond(balance.overdue_invoices > 0, "var(--red-11)", "inherit"),
                    weight=rx.cond(balance.overdue_invoices > 0, "medium", "regular"),
                ),
                rx.icon("arrow-right", size=12),
                align="center",
                spacing="1",
            ),
            href=INVOICES,
            color="inherit",
            class_name="open-balance-link",
        ),
    )


def nothing_due_card() -> rx.Component:
    return stat_card(
        label="Open balance",
        value="Nothing due",
        icon="circle-check",
        tone="green",
        hint="All invoices are paid.",
    )


def section_card(title: str, description: str, body: rx.Component, element_id: str) -> rx.Component:
    """A titled card with one sentence about it, around one settings form or list."""
    return rx.card(
        rx.vstack(
            rx.vstack(
                rx.heading(title, size="4"),
                rx.text(description, size="2", color="var(--gray-11)"),
                spacing="1",
            ),
            body,
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
        id=element_id,
    )
