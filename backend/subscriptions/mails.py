"""The mails of a subscription's life: created, cancellation scheduled, canceled, renewal reminder.

Queued in the transaction of the step that causes them (backend.mail sends them after commit), to
the billing profile's address, in the customer's language; each has a dedupe key, so a step run
twice (a retried job, a double click that got through) mails once.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.customers.service import billing_profile
from backend.kit.repository import TenantScope
from backend.mail import MailDelivery, MailKind, MailRequest, queue_mail
from backend.models import Subscription


def local_day(at: datetime, time_zone: str) -> str:
    """The calendar day of `at` where the tenant is, as an ISO date."""
    return at.astimezone(ZoneInfo(time_zone)).date().isoformat()


def queue_subscription_mail(
    session: Session,
    scope: TenantScope,
    subscription: Subscription,
    kind: MailKind,
    dedupe_key: str,
    dates: dict[str, str],
) -> MailDelivery | None:
    """Queue `kind` about `subscription` to its billing address; None without a billing profile
    (nobody to write to) or when this dedupe key was queued before."""
    profile = billing_profile(session, scope, subscription.customer_account_id)
    if profile is None or not profile.email:
        return None
    context = {
        "customer_name": profile.company_name or profile.name,
        "link": f"/subscriptions/{subscription.number}",
        "subscription_number": subscription.number,
        "plan_name": str(subscription.plan_snapshot.get("name", "")),
        **dates,
    }
    request = MailRequest(
        kind=kind,
        to=profile.email,
        customer_id=subscription.customer_account_id,
        context=context,
        dedupe_key=dedupe_key,
    )
    return queue_mail(session, scope, request)


def created(session: Session, scope: TenantScope, subscription: Subscription, time_zone: str) -> None:
    assert subscription.started_at is not None
    start = local_day(subscription.started_at, time_zone)
    key = f"subscription-created:{subscription.id}"
    queue_subscription_mail(
        session, scope, subscription, MailKind.SUBSCRIPTION_CREATED, key, {"start_date": start}
    )


def cancellation_scheduled(
    session: Session, scope: TenantScope, subscription: Subscription, time_zone: str
) -> None:
    """One mail per cancellation: canceled, resumed and canceled again is two."""
    assert subscription.cancel_effective_at is not None and subscription.cancel_requested_at is not None
    key = f"cancellation-scheduled:{subscription.id}:{subscription.cancel_requested_at.isoformat()}"
    effective = local_day(subscription.cancel_effective_at, time_zone)
    queue_subscription_mail(
        session, scope, subscription, MailKind.CANCELLATION_SCHEDULED, key, {"effective_date": effective}
    )


def canceled(session: Session, scope: TenantScope, subscription: Subscription, time_zone: str) -> None:
    assert subscription.canceled_at is not None
    key = f"subscription-canceled:{subscription.id}"
    ended = local_day(subscription.canceled_at, time_zone)
    queue_subscription_mail(
        session, scope, subscription, MailKind.SUBSCRIPTION_CANCELED, key, {"effective_date": ended}
    )
