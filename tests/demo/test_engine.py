"""The billing engine continues the demo where the seed left it, without charging twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from backend import clock
from backend.kit.repository import TenantScope
from backend.models import Invoice, InvoiceStatus, OpenPosition, Subscription, SubscriptionStatus
from backend.scheduling import simulation
from backend.tenancy.service import scope_for_slug

D = Decimal


def _positions(session: Session, scope: TenantScope) -> list[OpenPosition]:
    statement = select(OpenPosition).where(OpenPosition.tenant_id == scope.tenant_id)
    return list(session.scalars(statement.order_by(OpenPosition.id)))


def test_a_tick_at_the_demos_now_finds_nothing_to_do(
    demo_session: Session, demo_clock: clock.FrozenClock
) -> None:
    """The seed ran the coordinators up to its "now": the scheduler starting then has nothing due."""
    scope = scope_for_slug(demo_session, "demo")
    before = len(_positions(demo_session, scope))
    assert sum(simulation.tick(demo_session, scope, demo_clock.now()).values()) == 0
    assert len(_positions(demo_session, scope)) == before


def test_the_engine_bills_the_month_after_the_demo_once(
    demo_session: Session, demo_clock: clock.FrozenClock
) -> None:
    scope = scope_for_slug(demo_session, "demo")
    mine = Invoice.tenant_id == scope.tenant_id
    invoices_before = set(demo_session.scalars(select(Invoice.id).where(mine)))
    # Daily runs at 06:00 in Berlin (05:00 UTC in winter), like the seed's, up to 12 December.
    demo_clock.set(datetime(2026, 11, 13, 5, 0, tzinfo=UTC))
    simulation.advance(
        lambda now: simulation.tick(demo_session, scope, now),
        demo_clock,
        datetime(2026, 12, 12, 5, 0, tzinfo=UTC),
        step=timedelta(days=1),
    )
    new = [
        invoice
        for invoice in demo_session.scalars(select(Invoice).where(mine).order_by(Invoice.number))
        if invoice.id not in invoices_before
    ]
    # Erika, 1 December: server and backups 1 Nov - 1 Dec (5.39 + 2.00), Pro 3 Nov - 3 Dec (19.90),
    # and the test server's stub after its trial (ordered 9 Nov 16:20, trial to 23 Nov 16:20, then
    # to the anchor 1 Dec 16:20: 8 of 30 days, 5.39 x 8/30 = 1.4373 -> 1.44). Net 28.73; tax
    # 1.0241 -> 1.02, 0.38, 3.781 -> 3.78, 0.2736 -> 0.27 = 5.45; gross 34.18.
    # Nordwind, 1 December: server 5.39, retainer 5 Nov - 5 Dec 49.00 and the yearly hosting's
    # second year from 5 Nov 99.00 = 153.39 at 0 % (reverse charge).
    assert [(i.number, i.net, i.tax, i.gross) for i in new] == [
        ("INV-2026-00023", D("28.73"), D("5.45"), D("34.18")),
        ("INV-2026-00024", D("153.39"), D(0), D("153.39")),
    ]
    # The retainer's notice ended with its period on 5 December: canceled, nothing charged after.
    retainer = demo_session.scalars(
        select(Subscription).where(
            Subscription.tenant_id == scope.tenant_id, Subscription.number == "SUB-000003"
        )
    ).one()
    assert retainer.status == SubscriptionStatus.CANCELED
    assert retainer.canceled_at == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    # Erika's November invoice was due on 15 November and is still unpaid.
    november = demo_session.scalars(select(Invoice).where(mine, Invoice.number == "INV-2026-00021")).one()
    assert november.status == InvoiceStatus.OVERDUE

    charges = Counter(
        (p.subscription_id, p.description, p.period_start)
        for p in _positions(demo_session, scope)
        if p.amount > 0
    )
    assert max(charges.values()) == 1
