"""The admin customer page's mail section: every delivery to the customer, newest first, a page
at a time, with moments in the tenant's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.kit.principals import SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.mail.schemas import DeliveryView
from backend.mail.service import customer_deliveries

DELIVERIES_SHOWN = 10
KIND_LABELS = {
    "invoice_issued": "Invoice issued",
    "credit_note": "Credit note",
    "payment_reminder": "Payment reminder",
    "renewal_reminder": "Renewal reminder",
    "subscription_created": "Subscription created",
    "cancellation_scheduled": "Cancellation scheduled",
    "subscription_canceled": "Subscription canceled",
    "confirm_email": "Confirm email",
    "account_exists": "Account exists",
    "password_reset": "Password reset",
    "member_invitation": "Member invitation",
    "payment_link": "Payment link",
    "auto_payment_failed": "Automatic payment failed",
}


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    id: int
    recipient: str  # the address
    kind: str  # label: "Invoice issued"
    subject: str
    status: str  # queued, sending, sent, failed
    attempts: int
    last_error: str
    message_id: str
    queued: str  # tenant time
    sent: str  # tenant time, or ""


def customer_mail(
    user: SignedInUser, customer_id: int, before_delivery: int | None = None
) -> tuple[list[DeliveryLine], bool]:
    """A page of the customer's deliveries (older than `before_delivery`) and whether older follow."""
    with unit_of_work() as session:
        page = customer_deliveries(
            session,
            user_scope(user),
            actor(None, user),
            customer_id,
            limit=DELIVERIES_SHOWN,
            starting_after=before_delivery,
        )
        tenant = TenantDirectory(session).by_id(user.tenant_id)
        zone = ZoneInfo(tenant.time_zone if tenant else "UTC")
    return [_line(delivery, zone) for delivery in page.items], page.has_more


def _line(delivery: DeliveryView, zone: ZoneInfo) -> DeliveryLine:
    return DeliveryLine(
        id=delivery.id,
        recipient=delivery.to,
        kind=KIND_LABELS.get(delivery.kind, delivery.kind),
        subject=delivery.subject,
        status=delivery.status,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        message_id=delivery.message_id,
        queued=delivery.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        sent=delivery.sent_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if delivery.sent_at else "",
    )
