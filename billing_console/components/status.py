"""Status badges in billing colours: green is fine, amber needs attention soon, red needs it now."""

from __future__ import annotations

import reflex as rx

# status value -> (label, Radix colour)
SUBSCRIPTION_STATUSES: dict[str, tuple[str, str]] = {
    "active": ("Active", "green"),
    "trialing": ("Trial", "blue"),
    "pending_cancel": ("Ends at period end", "amber"),
    "pending_backorder": ("Backordered", "orange"),
    "provisioning": ("Setting up", "blue"),
    "past_due": ("Past due", "red"),
    "paused": ("Paused", "gray"),
    "canceled": ("Canceled", "gray"),
}
# Groups of statuses the subscription list filters by (backend.models.statuses.SUBSCRIPTION_STATUS_GROUPS).
SUBSCRIPTION_STATUS_GROUP_LABELS: dict[str, str] = {"running": "Running (active, trial, ending or past due)"}


def subscription_status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        *[
            (value, rx.badge(label, color_scheme=color, variant="soft", radius="full"))
            for value, (label, color) in SUBSCRIPTION_STATUSES.items()
        ],
        rx.badge(status, color_scheme="gray", variant="soft", radius="full"),
    )


# a server's state (ServerView.state) -> (label, Radix colour); unknown ones show the service's own words
SERVER_STATES: dict[str, tuple[str, str]] = {
    "pending": ("Setting up", "blue"),
    "provisioning": ("Setting up", "blue"),
    "running": ("Running", "green"),
    "off": ("Stopped", "gray"),
    "starting": ("Starting", "blue"),
    "stopping": ("Stopping", "amber"),
    "rebooting": ("Rebooting", "blue"),
    "failed": ("Failed", "red"),
    "backordered": ("Backordered", "orange"),
    "suspended": ("Stopped: payment overdue", "red"),
    "deleted": ("Deleted", "gray"),
}


def server_state_badge(state: rx.Var[str], label: rx.Var[str]) -> rx.Component:
    return rx.match(
        state,
        *[
            (
                value,
                rx.badge(words, color_scheme=color, variant="soft", radius="full", class_name="server-state"),
            )
            for value, (words, color) in SERVER_STATES.items()
        ],
        rx.badge(label, color_scheme="gray", variant="soft", radius="full", class_name="server-state"),
    )
