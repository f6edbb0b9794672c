"""Mail deliveries (backend/mail) and the subscription mails and renewal reminders
(backend/subscriptions/mails.py, reminders.py): tenant B's scope on tenant A's deliveries,
customers and subscriptions. A's world queued mails as it went; those of its last order and
cancellation (T3) are still queued at NOW; B's mail was sent (nothing of B is due)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from backend.integrations.mail import FileOutbox, MailBatch
from backend.integrations.storage import DocumentStore
from backend.kit.tenants import TenantDirectory
from backend.mail import MailKind, MailRequest, sending, tasks
from backend.mail import repository as mail_repository
from backend.mail import service as mail
from backend.models import MailDelivery, MailStatus, Subscription
from backend.subscriptions import mails as subscription_mails
from backend.subscriptions import reminders
from backend.subscriptions.repository import SubscriptionRepository
from tests.isolation.probes import Probe, equals, nothing
from tests.isolation.repository_probes import R
from tests.isolation.service_probes import S, unit
from tests.isolation.world import NOW, Side

Deliveries = mail_repository.MailDeliveryRepository


def queued_of(session: Session, side: Side) -> int:
    """The oldest delivery of `side` still queued at NOW (read without the repository under test)."""
    statement = (
        select(MailDelivery.id)
        .where(MailDelivery.tenant_id == side.tenant_id, MailDelivery.status == MailStatus.QUEUED)
        .order_by(MailDelivery.id)
    )
    found = session.scalars(statement).first()
    assert found is not None, "the world leaves mails queued"
    return int(found)


def message_id_of(session: Session, side: Side) -> str:
    """The Message-ID of one of `side`'s deliveries (read without the repository under test)."""
    found = session.scalars(
        select(MailDelivery.message_id).where(MailDelivery.tenant_id == side.tenant_id)
    ).first()
    assert found is not None
    return str(found)


def invitation(session: Session, me: Side, a: Side) -> MailDelivery:
    context = {
        "account_name": "Alice",
        "account_number": "C-00001",
        "role": "viewer",
        "link": "/invitations/x",
    }
    return mail.account_mail(
        session,
        me.scope,
        MailBatch(),
        MailKind.MEMBER_INVITATION,
        "nina@example.test",
        context,
        customer_id=a.customer_id,
    )


def created_key(a: Side) -> str:
    return f"subscription-created:{a.active_sub}"


def delivery_ids_of_b(result: Any, b: Side, session: Session) -> None:
    """Ids (or "delivery:ID" unit keys) of B's own deliveries only."""
    ids = [int(str(item).removeprefix("delivery:")) for item in result]
    owners = {session.get(MailDelivery, i).tenant_id for i in ids}  # type: ignore[union-attr]
    assert owners <= {b.tenant_id}, f"tenant B got deliveries of another tenant: {ids}"


def transport() -> sending.Transport:
    folder = Path(mkdtemp(prefix="iso-mail-"))
    return sending.Transport(FileOutbox(folder / "outbox", "iso@example.test"), DocumentStore(folder), [60])


def renewal_request(me: Side, a: Side) -> MailRequest:
    return MailRequest(
        kind=MailKind.RENEWAL_REMINDER,
        to="alice@example.test",
        customer_id=a.customer_id,
        context={
            "customer_name": "Alice",
            "link": "/subscriptions",
            "subscription_number": "SUB-000001",
            "plan_name": "Basic",
            "renewal_date": "2027-04-04",
        },
        dedupe_key=f"probe-{me.tenant_id}",
    )


# A's active subscription's period (after its plan change) runs from Feb 20 to Mar 4: 11 days before
# NOW, with reminders 10 days ahead, its renewal is due to be reminded (and no reminder was queued).
REMINDER_AT = NOW - timedelta(days=11)


def reminding_10_days(session: Session, me: Side) -> None:
    """The acting tenant reminds 10 days ahead (a setting of its own tenant row)."""
    tenant = TenantDirectory(session).by_id(me.tenant_id)
    assert tenant is not None
    tenant.settings = {**tenant.settings, "renewal_reminder_days": 10}
    session.add(tenant)
    session.flush()


def subscription_of(session: Session, a: Side) -> Subscription:
    found = session.get(Subscription, a.active_sub)
    assert found is not None
    return found


def find_reminders(session: Session, me: Side, a: Side) -> list[str]:
    reminding_10_days(session, me)
    return reminders.find_renewal_reminder_units(session, me.scope, REMINDER_AT)


def run_reminders(session: Session, me: Side, a: Side) -> int:
    reminding_10_days(session, me)
    return reminders.run_renewal_reminder_unit(session, me.scope, unit(a.active_sub), REMINDER_AT)


MAIL_REPOSITORY_PROBES: list[Probe] = [
    R(Deliveries.by_dedupe_key, lambda s, me, a: (created_key(a),)),
    R(Deliveries.by_message_id, lambda s, me, a: (message_id_of(s, a),)),
    R(Deliveries.existing_dedupe_keys, lambda s, me, a: ([created_key(a)],)),
    R(Deliveries.of_customer, lambda s, me, a: {"customer_account_id": a.customer_id, "limit": 50}),
    R(Deliveries.due_ids, lambda s, me, a: {"now": NOW, "limit": 500}, delivery_ids_of_b),
    R(Deliveries.claim, lambda s, me, a: (queued_of(s, a), NOW)),
    R(Deliveries.has_customer, lambda s, me, a: (a.customer_id,)),
    R(Deliveries.customer_country, lambda s, me, a: (a.other_customer_id,)),
    R(SubscriptionRepository.renewing_between, lambda s, me, a: (NOW - timedelta(days=30), NOW)),
]

MAIL_OPERATION_PROBES: list[Probe] = [
    # Bob (A) lives in Austria: A mails him in German; B knows no such customer and falls back to English.
    S(
        mail.mail_language,
        lambda s, me, a: mail.mail_language(s, me.scope, None, a.other_customer_id),
        equals(lambda b: "en"),
    ),
    S(mail.queue_mail, lambda s, me, a: mail.queue_mail(s, me.scope, renewal_request(me, a))),
    S(mail.account_mail, invitation),
    S(mail.already_queued, lambda s, me, a: mail.already_queued(s, me.scope, [created_key(a)]), nothing),
    S(
        mail.customer_deliveries,
        lambda s, me, a: mail.customer_deliveries(s, me.scope, me.actor, a.customer_id),
        nothing,
    ),
    S(sending.due_deliveries, lambda s, me, a: sending.due_deliveries(s, me.scope, NOW), delivery_ids_of_b),
    S(
        sending.send_delivery,
        lambda s, me, a: sending.send_delivery(s, me.scope, queued_of(s, a), NOW, transport()),
        nothing,
    ),
    S(
        tasks.find_delivery_units,
        lambda s, me, a: tasks.find_delivery_units(s, me.scope, NOW),
        delivery_ids_of_b,
    ),
    S(
        tasks.run_delivery_unit,
        lambda s, me, a: tasks.run_delivery_unit(s, me.scope, f"delivery:{queued_of(s, a)}", NOW),
        nothing,
    ),
    # Handed A's subscription row, B finds no billing profile of its customer: nothing is queued.
    S(
        subscription_mails.queue_subscription_mail,
        lambda s, me, a: subscription_mails.queue_subscription_mail(
            s,
            me.scope,
            subscription_of(s, a),
            MailKind.RENEWAL_REMINDER,
            f"probe-{me.tenant_id}",
            {"renewal_date": "2027-04-04"},
        ),
        nothing,
    ),
    S(reminders.find_renewal_reminder_units, find_reminders, nothing),
    S(reminders.run_renewal_reminder_unit, run_reminders, nothing),
]

MAIL_EXEMPT: dict[str, str] = {
    "mail.service.mail_brand": (
        "reads the scope's own tenant row (name, console address, brand colour, logo); takes no id"
    ),
    "subscriptions.reminders.reminder_days": "reads the scope's own tenant row (its setting); takes no id",
    "subscriptions.mails.created": (
        "builds the dates and calls queue_subscription_mail (probed) with the subscription its caller"
        " (Lifecycle.order, probed) placed in the same scope"
    ),
    "subscriptions.mails.cancellation_scheduled": (
        "builds the dates and calls queue_subscription_mail (probed) with the subscription its caller"
        " (Lifecycle.cancel, probed) locked in the same scope"
    ),
    "subscriptions.mails.canceled": (
        "builds the dates and calls queue_subscription_mail (probed) with the subscription its caller"
        " (Lifecycle.expire, cancel_immediately, withdraw: probed) locked in the same scope"
    ),
}
