"""The isolation table of the admin's customer and subscription pages: the customer list and file
with its standing, customer notes, every subscription filtered, and the immediate cancellation's
preview; and the repository methods behind them.

Like service_probes.py and repository_probes.py: `call(session, me, a)` acts in `me`'s scope with
A's ids, `NotFoundError` (services) or nothing (repositories) by default. B has one customer (its
own C-10001, a different account) with one subscription (SUB-000001), no note, and A's first
customer has one note.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from backend.customers import notes
from backend.customers.repository import CustomerNoteRepository
from backend.models import CustomerNote, Subscription
from backend.reporting import admin_subscriptions, customers
from backend.reporting.admin_schemas import CustomerStanding
from backend.reporting.repository import CustomerDirectory, SubscriptionDirectory, SubscriptionFilter
from backend.subscriptions import previews
from tests.isolation.probes import Probe, equals
from tests.isolation.repository_probes import R
from tests.isolation.service_probes import S
from tests.isolation.world import NOW, Side


def _note_of(session: Session, a: Side) -> int:
    found = session.scalars(select(CustomerNote.id).where(CustomerNote.tenant_id == a.tenant_id)).first()
    assert found is not None, "the world gives A's first customer a note"
    return found


def _number(session: Session, subscription_id: int) -> str:
    subscription = session.get(Subscription, subscription_id)
    assert subscription is not None
    return subscription.number


def _customer_ids_of_b(result: Any, b: Side, session: Session) -> None:
    """A list or page of B's own customer accounts only: its one customer."""
    items = result.customers if hasattr(result, "customers") else result.items
    assert [item.id for item in items] == [b.customer_id], f"tenant B got {items!r}"


def _subscriptions_of_b(result: Any, b: Side, session: Session) -> None:
    """A list or page of B's own subscriptions only."""
    if hasattr(result, "subscriptions"):
        owners = {row.customer_id for row in result.subscriptions}
    else:
        owners = {view.customer_account_id for view in result.items}
    assert owners == {b.customer_id}, f"tenant B got subscriptions of {owners!r}"


ADMIN_PROBES: list[Probe] = [
    S(notes.add_note, lambda s, me, a: notes.add_note(s, me.scope, me.actor, a.customer_id, "Hello")),
    S(notes.list_notes, lambda s, me, a: notes.list_notes(s, me.scope, me.actor, a.customer_id)),
    S(notes.notes_csv, lambda s, me, a: notes.notes_csv(s, me.scope, me.actor, a.customer_id)),
    S(
        customers.customer_list,
        lambda s, me, a: customers.customer_list(s, me.scope, me.actor),
        _customer_ids_of_b,
    ),
    S(
        customers.customers_after,
        lambda s, me, a: customers.customers_after(s, me.scope, me.actor),
        _customer_ids_of_b,
    ),
    S(
        customers.customer_file,
        lambda s, me, a: customers.customer_file(s, me.scope, me.actor, a.customer_id),
    ),
    S(
        customers.customer_standing,
        lambda s, me, a: customers.customer_standing(s, me.scope, a.customer_id),
        equals(lambda b: CustomerStanding("good", 0, 0, [])),
    ),
    S(
        admin_subscriptions.subscription_list,
        lambda s, me, a: admin_subscriptions.subscription_list(s, me.scope, me.actor, SubscriptionFilter()),
        _subscriptions_of_b,
    ),
    S(
        admin_subscriptions.subscriptions_after,
        lambda s, me, a: admin_subscriptions.subscriptions_after(s, me.scope, me.actor, SubscriptionFilter()),
        _subscriptions_of_b,
    ),
    # B has a SUB-000001 of its own: A's fourth subscription is a number B does not have.
    S(
        admin_subscriptions.subscription_file,
        lambda s, me, a: admin_subscriptions.subscription_file(
            s, me.scope, me.actor, _number(s, a.canceling_sub)
        ),
    ),
    S(
        previews.preview_cancel_immediately,
        lambda s, me, a: previews.preview_cancel_immediately(s, me.scope, me.actor, a.active_sub, NOW),
    ),
]
ADMIN_REPOSITORY_PROBES: list[Probe] = [
    R(
        CustomerNoteRepository.page_with_authors,
        lambda s, me, a: {"customer_account_id": a.customer_id, "limit": 10},
    ),
    R(CustomerNoteRepository.with_author, lambda s, me, a: (_note_of(s, a),)),
    R(CustomerNoteRepository.all_with_authors, lambda s, me, a: (a.customer_id,)),
    # A's customers are alice@ and bob@ (B's is carol@): searching for A's finds nothing in B.
    R(CustomerDirectory.count_matching, lambda s, me, a: ("alice",)),
    R(CustomerDirectory.rows, lambda s, me, a: {"search": "alice", "limit": 10}),
    R(CustomerDirectory.members, lambda s, me, a: (a.customer_id,)),
    R(CustomerDirectory.invoices, lambda s, me, a: {"customer_account_id": a.customer_id, "limit": 10}),
    R(CustomerDirectory.invoice_count, lambda s, me, a: (a.customer_id,)),
    R(CustomerDirectory.paid_by_currency, lambda s, me, a: (a.customer_id,)),
    R(SubscriptionDirectory.count_matching, lambda s, me, a: (SubscriptionFilter(plan_id=a.plan_id),)),
    R(
        SubscriptionDirectory.rows,
        lambda s, me, a: {"wanted": SubscriptionFilter(plan_id=a.plan_id), "limit": 10},
    ),
    R(SubscriptionDirectory.with_customer, lambda s, me, a: (_number(s, a.canceling_sub),)),
    R(SubscriptionDirectory.charges, lambda s, me, a: (a.active_sub,)),
    R(SubscriptionDirectory.user_emails, lambda s, me, a: ({a.user_id},)),
]
