"""The order preview a customer waits for in the wizard, and the state `/subscriptions` sends.

Set-up (not timed): a throwaway PostgreSQL database with the demo tenant seeded a year back, as
`make run` shows it, plus 200 subscriptions ordered for the demo's private customer through the
engine.

Timed: `rows` previews (default 1,000), each in its own unit of work as the console's gateway runs
it: every demo customer (private and business) in turn, every active plan in turn with its
allowed addons, every other preview with a promotion code for everyone. The notes give the latency
percentiles in milliseconds (goal: p99 <= 50 ms).

Then the state of `/subscriptions` for the customer with 200 subscriptions: the JSON of the fields
`SubscriptionsState` holds after `load` (one page of the list, its page numbers), in bytes (goal:
<= 100 KB), and for comparison the JSON the whole unpaged list would take.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import select

from backend import clock
from backend.catalog.plans import addon_ids_allowed_with
from backend.catalog.promotion_codes import create_promotion
from backend.catalog.schemas import PromotionInput
from backend.db import dispose_engines, make_engine, unit_of_work
from backend.demo.service import CUSTOMER_LOGIN, DEMO_SLUG, seed_demo
from backend.gateway import subscriptions as subscriptions_gateway
from backend.identity.auth import signed_in_user
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import CustomerAccount, Plan, PromotionBenefit, User
from backend.reporting import subscriptions as reads
from backend.settings import get_settings, load_settings
from backend.subscriptions.ordering import Ordering, OrderRequest
from bench import Measurement, register
from bench.pg import throwaway_database

AS_OF = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)  # the browser tests' demo day
SUBSCRIPTIONS_OF_ONE_CUSTOMER = 200
STATE_GOAL_BYTES = 100 * 1024
BENCH_CODE = "BENCH5"  # 5 % off for everyone: the welcome code is for new customers only


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of the values at or below."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def _orders(session, scope: TenantScope) -> list[OrderRequest]:
    """Every demo customer with every active plan and its allowed addons, with and without a code."""
    customers = session.exec(
        select(CustomerAccount.id).where(CustomerAccount.tenant_id == scope.tenant_id)
    ).all()
    plans = session.exec(select(Plan).where(Plan.tenant_id == scope.tenant_id, Plan.active)).all()
    requests = []
    for plan in plans:
        addons = {addon_id: 1 for addon_id in addon_ids_allowed_with(session, scope, plan.id)}
        options = {name: values[0] for name, values in (plan.allowed_options or {}).items() if values}
        for customer in customers:
            for code in ("", BENCH_CODE):
                requests.append(OrderRequest(customer, plan.id, options, addons, code))
    return requests


def _order_many(session, scope: TenantScope, customer_id: int, count: int) -> None:
    plan = session.exec(select(Plan).where(Plan.tenant_id == scope.tenant_id, Plan.active)).first()
    ordering = Ordering(session, scope, Actor.admin(scope.tenant_id))
    for _ in range(count):
        ordering.order(OrderRequest(customer_id, plan.id), clock.now())


@register("order_preview", default_rows=1_000)
def order_preview(rows: int) -> Measurement:
    """Order previews as the wizard asks for them (p50/p99 ms) and the /subscriptions state size."""
    with throwaway_database() as url:
        previous = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = url  # the gateway opens its units of work on the settings' database
        get_settings.cache_clear()
        dispose_engines()
        engine = make_engine(url)
        try:
            with clock.frozen(AS_OF):
                with unit_of_work(engine) as session:
                    seed_demo(session, load_settings())
                with unit_of_work(engine) as session:
                    tenant = TenantDirectory(session).by_slug(DEMO_SLUG)
                    scope = TenantScope(tenant.id)
                    requests = _orders(session, scope)
                    erika = session.exec(select(User).where(User.email == CUSTOMER_LOGIN[0])).one()
                    user = signed_in_user(session, scope, erika)
                    create_promotion(
                        session,
                        scope,
                        PromotionInput(
                            code=BENCH_CODE, benefit=PromotionBenefit.PERCENT_OFF, percent_off=Decimal(5)
                        ),
                        Actor.admin(scope.tenant_id),
                    )
                    _order_many(session, scope, user.customer_account_id, SUBSCRIPTIONS_OF_ONE_CUSTOMER)
                latencies: list[float] = []
                started = time.perf_counter()
                for index in range(rows):
                    request = requests[index % len(requests)]
                    began = time.perf_counter()
                    with unit_of_work(engine) as session:
                        Ordering(session, scope, Actor.admin(scope.tenant_id)).preview_order(request, AS_OF)
                    latencies.append((time.perf_counter() - began) * 1000)
                seconds = time.perf_counter() - started
                listed = subscriptions_gateway.subscription_list(user, 1)
                with unit_of_work(engine) as session:
                    everything = reads.customer_subscriptions(
                        session, scope, user.customer_account_id, page=1, per_page=10_000
                    )
        finally:
            engine.dispose()
            dispose_engines()
            if previous is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = previous
            get_settings.cache_clear()
    state_bytes = _state_bytes(listed)
    if listed.total < SUBSCRIPTIONS_OF_ONE_CUSTOMER:
        raise RuntimeError(
            f"expected at least {SUBSCRIPTIONS_OF_ONE_CUSTOMER} subscriptions, got {listed.total}"
        )
    return Measurement(
        rows=rows,
        seconds=seconds,
        notes={
            "p50_ms": statistics.median(latencies),
            "p99_ms": _percentile(latencies, 0.99),
            "max_ms": max(latencies),
            "orders": len(requests),
            "subscriptions": listed.total,
            "state_bytes": state_bytes,
            "state_vs_goal": state_bytes / STATE_GOAL_BYTES,
            "unpaged_bytes": _state_bytes(everything),
        },
    )


def _state_bytes(listed) -> int:
    """The JSON of what `SubscriptionsState.load` stores (its fields, as Reflex sends them)."""
    state = {
        "loading": False,
        "notice": "",
        "subscriptions": [asdict(summary) for summary in listed.subscriptions],
        "page": listed.page,
        "page_count": listed.page_count,
        "total": listed.total,
        "has_subscriptions": listed.total > 0,
        "previous_page": "",
        "next_page": "?page=2" if listed.page_count > 1 else "",
    }
    return len(json.dumps(state, separators=(",", ":")).encode())
