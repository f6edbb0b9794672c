"""The renewal reminder coordinator: a mail N days before a subscription renews, once per period.

N is the tenant's setting `renewal_reminder_days` (default 7). A subscription whose period is not
longer than N days (a daily or weekly plan) gets no reminder: it would be reminded every period.
The dedupe key names the subscription and the period's end, so each period is reminded once,
however often the coordinator runs, and a new period is reminded again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from backend.kit.coordination import Coordinator, IdRange, unit_keys
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.mail import MailKind, already_queued
from backend.models import Subscription
from backend.subscriptions.mails import local_day, queue_subscription_mail
from backend.subscriptions.repository import SubscriptionRepository

DEFAULT_REMINDER_DAYS = 7


def reminder_days(session: Session, scope: TenantScope) -> int:
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    days = (tenant.settings if tenant else {}).get("renewal_reminder_days", DEFAULT_REMINDER_DAYS)
    return days if isinstance(days, int) and days > 0 else DEFAULT_REMINDER_DAYS


def reminder_key(subscription: Subscription) -> str:
    assert subscription.current_period_end is not None
    return f"renewal-reminder:{subscription.id}:{subscription.current_period_end.isoformat()}"


def _due(
    session: Session, scope: TenantScope, now: datetime, first_id: int = 0, last_id: int | None = None
) -> list[Subscription]:
    """Subscriptions renewing within N days, with a period longer than N days, not reminded yet."""
    days = timedelta(days=reminder_days(session, scope))
    candidates = [
        s
        for s in SubscriptionRepository(session, scope).renewing_between(
            now, now + days, first_id=first_id, last_id=last_id
        )
        if s.current_period_start is not None
        and s.current_period_end is not None
        and s.current_period_end - s.current_period_start > days
    ]
    done = already_queued(session, scope, [reminder_key(s) for s in candidates])
    return [s for s in candidates if reminder_key(s) not in done]


def find_renewal_reminder_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return unit_keys(s.id for s in _due(session, scope, now) if s.id is not None)


def run_renewal_reminder_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Queue the reminders of one id range; a second run finds them queued and queues nothing."""
    ids = IdRange.parse(key)
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    time_zone = tenant.time_zone if tenant else "UTC"
    queued = 0
    for subscription in _due(session, scope, now, ids.first, ids.last):
        assert subscription.current_period_end is not None
        renewal = {"renewal_date": local_day(subscription.current_period_end, time_zone)}
        delivery = queue_subscription_mail(
            session, scope, subscription, MailKind.RENEWAL_REMINDER, reminder_key(subscription), renewal
        )
        queued += delivery is not None
    return queued


RENEWAL_REMINDERS = Coordinator(
    name="renewal_reminders",
    queue="mail",
    description="Remind customers N days before their subscription renews, once per period",
    find_units=find_renewal_reminder_units,
    run_unit=run_renewal_reminder_unit,
    interval_seconds=3600,
)
