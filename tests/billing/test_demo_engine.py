"""The billing engine continues the demo data where the seed left it, without charging twice."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlmodel import Session

from backend import clock
from backend.models import Invoice, InvoiceStatus, OpenPosition, Subscription
from backend.services import simulation
from backend.services.tenants import scope_for_slug


def test_the_engine_continues_the_demo_without_charging_a_period_twice(demo_session: Session) -> None:
    scope = scope_for_slug(demo_session, "demo")
    before = set(
        demo_session.scalars(select(OpenPosition.id).where(OpenPosition.tenant_id == scope.tenant_id))
    )
    now = clock.now()
    simulation.tick(demo_session, scope, now)
    positions = list(
        demo_session.scalars(select(OpenPosition).where(OpenPosition.tenant_id == scope.tenant_id))
    )
    new = [p for p in positions if p.id not in before]
    numbers = {s.id: s.number for s in demo_session.scalars(select(Subscription))}
    # The business customer's running month (support retainer, server) and the yearly renewal.
    charged = sorted(numbers[p.subscription_id] for p in new if ":plan:" in p.source_ref)
    assert charged == ["SUB-000003", "SUB-000004", "SUB-000005"]
    void = set(demo_session.scalars(select(Invoice.id).where(Invoice.status == InvoiceStatus.VOID)))
    per_period = Counter(
        (p.subscription_id, p.period_start, p.description)
        for p in positions
        if p.amount > 0 and p.invoice_id not in void  # a voided month was invoiced again, corrected
    )
    assert max(per_period.values()) == 1
    count = len(positions)
    simulation.tick(demo_session, scope, now)
    assert (
        len(
            list(
                demo_session.scalars(select(OpenPosition.id).where(OpenPosition.tenant_id == scope.tenant_id))
            )
        )
        == count
    )
