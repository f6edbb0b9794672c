"""Badges of a customer's standing, an invoice's and a mail delivery's status, in words and billing
colours."""

from __future__ import annotations

import reflex as rx

# value -> (label, Radix colour)
STANDINGS: dict[str, tuple[str, str]] = {
    "good": ("In good standing", "green"),
    "open": ("Invoice open", "amber"),
    "overdue": ("Overdue", "red"),
}
INVOICE_STATUSES: dict[str, tuple[str, str]] = {
    "draft": ("Draft", "gray"),
    "issued": ("Open", "amber"),
    "paid": ("Paid", "green"),
    "overdue": ("Overdue", "red"),
    "void": ("Void", "gray"),
    "uncollectible": ("Uncollectible", "red"),
}

MAIL_STATUSES: dict[str, tuple[str, str]] = {
    "queued": ("Queued", "amber"),
    "sending": ("Sending", "blue"),
    "sent": ("Sent", "green"),
    "failed": ("Failed", "red"),
}


def _badge(value: rx.Var[str], labels: dict[str, tuple[str, str]]) -> rx.Component:
    return rx.match(
        value,
        *[
            (key, rx.badge(label, color_scheme=color, variant="soft", radius="full", white_space="nowrap"))
            for key, (label, color) in labels.items()
        ],
        rx.badge(value, color_scheme="gray", variant="soft", radius="full"),
    )


def standing_badge(standing: rx.Var[str]) -> rx.Component:
    return _badge(standing, STANDINGS)


def invoice_status_badge(status: rx.Var[str]) -> rx.Component:
    return _badge(status, INVOICE_STATUSES)


def mail_status_badge(status: rx.Var[str]) -> rx.Component:
    return _badge(status, MAIL_STATUSES)
