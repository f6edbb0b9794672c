"""The isolation table of what opens customer accounts and what reads billing as a whole: the
customer dashboard, the admin figures, simulation ticks and the scenario report.

Like service_probes.py: `call(session, me, a)` acts in `me`'s scope, `NotFoundError` by default.
B has one customer (C-10001) with one live yearly subscription, charged once and invoiced on
INV-2027-00001, paid at T0 (more than 30 days before NOW); nothing of B is due at NOW.
"""

from __future__ import annotations

from contextlib import nullcontext
from types import SimpleNamespace
from typing import Any

from sqlmodel import Session

from backend.catalog.repository import PlanRepository
from backend.customers import service as customers
from backend.customers.repository import CustomerAccountRepository
from backend.demo import scenario_report
from backend.kit.repository import CrossTenantWrite
from backend.models import CustomerProfile, Subscription, User
from backend.reporting import dashboard
from backend.reporting import overview as admin_overview
from backend.reporting import subscriptions as customer_subscriptions
from backend.reporting.schemas import SubscriptionList
from backend.scheduling import simulation
from backend.subscriptions.repository import SubscriptionRepository
from tests.isolation.probes import Probe, Raises, equals, nothing
from tests.isolation.service_probes import S
from tests.isolation.world import NOW, T0, Side


def _opened_in_b(result: Any, b: Side, session: Session) -> None:
    """B's second customer: C-10002 in B, whatever A numbered."""
    assert (result.tenant_id, result.number) == (b.tenant_id, "C-10002")


def _dora() -> CustomerProfile:
    return CustomerProfile(name="Dora", country="AT", email="dora@example.com", billing_day=1)


def figures(session: Session, me: Side) -> tuple[Any, ...]:
    shown = admin_overview.admin_overview(session, me.scope, me.actor)
    return (
        shown.customers,
        shown.active_subscriptions,
        shown.unpaid_invoices,
        shown.overdue_invoices,
        shown.open_amounts,
        shown.paid_last_30_days,
    )


def report(session: Session, me: Side) -> tuple[list[str], int, int]:
    """The scenario report of the acting side's whole billing, every row named by its id: the
    documents' numbers, the number of charges and of subscriptions."""
    keys = scenario_report.ScenarioKeys(
        plans={str(p.id): p.id or 0 for p in PlanRepository(session, me.scope).list(limit=1000)},
        customers={
            str(c.id): c.id or 0 for c in CustomerAccountRepository(session, me.scope).list(limit=1000)
        },
        subscriptions={
            str(s.id): s.id or 0 for s in SubscriptionRepository(session, me.scope).list(limit=1000)
        },
    )
    # collect_report reads these four fields of the scenario
    scenario: Any = SimpleNamespace(
        tenant=SimpleNamespace(time_zone="Europe/Berlin"),
        started=T0,
        until=NOW,
        customers=list(keys.customers),
    )
    made = scenario_report.collect_report(session, me.scope, scenario, keys, [], 0)
    return [document.number for document in made.documents], len(made.charges), len(made.subscriptions)


OVERVIEW_PROBES: list[Probe] = [
    S(
        customers.open_customer_account,
        lambda s, me, a: customers.open_customer_account(
            s, me.scope, name="Dora", email="dora@example.com", country="AT"
        ),
        _opened_in_b,
    ),
    S(
        customers.open_account_for_user,
        lambda s, me, a: customers.open_account_for_user(s, me.scope, s.get(User, a.user_id), _dora()),
        Raises(CrossTenantWrite),
        filtered=False,  # (A's user is handed in: check_owned refuses it before anything is written)
    ),
    S(
        customers.accounts_of_user,
        lambda s, me, a: customers.accounts_of_user(s, me.scope, a.user_id),
        nothing,
    ),
    S(dashboard.customer_overview, lambda s, me, a: dashboard.customer_overview(s, me.scope, a.customer_id)),
    S(
        customer_subscriptions.customer_subscriptions,
        lambda s, me, a: customer_subscriptions.customer_subscriptions(s, me.scope, a.customer_id),
        equals(lambda b: SubscriptionList([], 1, 1, 0)),
    ),
    S(
        customer_subscriptions.subscription_detail,
        lambda s, me, a: customer_subscriptions.subscription_detail(
            s, me.scope, a.customer_id, s.get(Subscription, a.active_sub).number
        ),
    ),
    S(
        admin_overview.admin_overview,
        lambda s, me, a: figures(s, me),
        equals(lambda b: (1, 1, 0, 0, [], [])),
    ),
    S(simulation.tick, lambda s, me, a: simulation.tick(s, me.scope, NOW), nothing),
    # Each unit in a "transaction" of its own: here the probe's session, never committed.
    S(
        simulation.tick_in_units,
        lambda s, me, a: simulation.tick_in_units(lambda: nullcontext(s), me.scope, NOW),
        nothing,
    ),
    S(
        scenario_report.collect_report,
        lambda s, me, a: report(s, me),
        equals(lambda b: (["INV-2027-00001"], 1, 1)),
    ),
]
