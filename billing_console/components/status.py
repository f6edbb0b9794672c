"""Status badges in billing colours: green is fine, amber needs attention soon, red needs it now."""

from __future__ import annotations

import reflex as rx

# status value -> (label, Radix colour)
SUBSCRIPTION_STATUSES: dict[str, tuple[str, str]] = {
    "active": ("Active", "green"),
    "trialing": ("Trial", "blue"),
    "pending_cancel": ("Ends at period end", "amber"),
    "pending_backorder": ("Backordered", "orange"),
    "past_due": ("Past due", "red"),
    "paused": ("Paused", "gray"),
    "canceled": ("Canceled", "gray"),
}


def subscription_status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        *[
            (value, rx.badge(label, color_scheme=color, variant="soft", radius="full"))
            for value, (label, color) in SUBSCRIPTION_STATUSES.items()
        ],
        rx.badge(status, color_scheme="gray", variant="soft", radius="full"),
    )
