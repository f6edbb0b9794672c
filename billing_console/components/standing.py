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
# Groups of statuses the invoice list filters by (backend.models.statuses.INVOICE_STATUS_GROUPS).
INVOICE_STATUS_GROUP_LABELS: dict[str, str] = {"unpaid": "Unpaid (open or overdue)"}

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


PAYMENT_STATUSES: dict[str, tuple[str, str]] = {
    "pending": ("Pending", "blue"),
    "succeeded": ("Succeeded", "green"),
    "partially_refunded": ("Partly refunded", "amber"),
    "refunded": ("Refunded", "gray"),
    "failed": ("Failed", "red"),
    "canceled": ("Canceled", "gray"),
}
DISPUTE_STATUSES: dict[str, tuple[str, str]] = {
    "warning_needs_response": ("Inquiry: needs response", "red"),
    "warning_under_review": ("Inquiry under review", "amber"),
    "warning_closed": ("Inquiry closed", "gray"),
    "needs_response": ("Needs response", "red"),
    "under_review": ("Under review", "amber"),
    "won": ("Won", "green"),
    "lost": ("Lost", "red"),
}


def payment_status_badge(status: rx.Var[str]) -> rx.Component:
    """A payment's or refund's status (refunds are pending, succeeded or failed)."""
    return _badge(status, PAYMENT_STATUSES)


def dispute_status_badge(status: rx.Var[str]) -> rx.Component:
    return _badge(status, DISPUTE_STATUSES)
