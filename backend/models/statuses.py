"""The status groups, each defined once: which subscriptions run, which may still change, which
invoices wait for their money. Services, repositories and reports all ask these."""

from __future__ import annotations

from backend.models.enums import InvoiceStatus, SubscriptionStatus

# Subscriptions that run: billed each period and counted as live. A pending cancellation runs (and
# is billed) until it takes effect; a suspended past-due one still runs up its periods (its service
# is stopped, not ended).
RUNNING_SUBSCRIPTION_STATUSES: tuple[SubscriptionStatus, ...] = (
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PENDING_CANCEL,
    SubscriptionStatus.PAST_DUE,
)
# Running and not ending: these may be canceled or change plan (a pending cancellation is resumed first).
CHANGEABLE_SUBSCRIPTION_STATUSES: tuple[SubscriptionStatus, ...] = (
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
)
# Ordered, but their service (a server) has not started yet: nothing billed, canceled at once.
NOT_STARTED_SUBSCRIPTION_STATUSES: tuple[SubscriptionStatus, ...] = (
    SubscriptionStatus.PROVISIONING,
    SubscriptionStatus.PENDING_BACKORDER,
)
# Issued invoices still waiting for their money.
UNPAID_INVOICE_STATUSES: tuple[InvoiceStatus, ...] = (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE)

# Groups the admin's lists filter by, under a name of their own (the overview's figures link to
# them: "?status=unpaid", "?status=running"); any other status value filters that status alone.
INVOICE_STATUS_GROUPS: dict[str, tuple[InvoiceStatus, ...]] = {"unpaid": UNPAID_INVOICE_STATUSES}
SUBSCRIPTION_STATUS_GROUPS: dict[str, tuple[SubscriptionStatus, ...]] = {
    "running": RUNNING_SUBSCRIPTION_STATUSES
}
