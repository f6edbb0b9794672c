"""The public plans page: what the tenant of the visited host sells, at the price it charges."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.catalog.plans import list_plans
from backend.catalog.pricing import describe_interval, period_charge
from backend.catalog.schemas import PlanView
from backend.catalog.service_types import list_service_types
from backend.db import unit_of_work
from backend.kit.principals import RequestContext
from backend.kit.tenants import TenantDirectory
from backend.settings import get_settings
from backend.tenancy.service import scope_for_host

OTHER_PLANS = "More services"  # plans that provision nothing (pure billing)


@dataclass(frozen=True, slots=True)
class PlanOffer:
    """One plan as a visitor reads it: the net price per period the engine charges, and its terms."""

    key: str
    name: str
    description: str
    price: str  # one full period, net, e.g. "5.39 EUR"
    interval: str  # "month", "3 months", "year"
    highlights: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # trial, minimum term, notice, in words


@dataclass(frozen=True, slots=True)
class PlanGroup:
    name: str
    plans: list[PlanOffer]


@dataclass(frozen=True, slots=True)
class PlanCatalog:
    tenant_name: str
    groups: list[PlanGroup]  # empty when nothing can be ordered
    order_email: str = (
        ""  # where a customer orders until the order wizard exists (the tenant's billing email)
    )


def plan_catalog(request: RequestContext) -> PlanCatalog:
    """The active plans of active service types, grouped by service type in catalog order."""
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, get_settings())
        tenant = TenantDirectory(session).by_id(scope.tenant_id)
        names = {t.id: t.name for t in list_service_types(session, scope, active_only=True)}
        grouped: dict[str, list[PlanOffer]] = {}
        for plan in list_plans(session, scope, active_only=True):
            group = names.get(plan.service_type_id or 0, OTHER_PLANS)
            grouped.setdefault(group, []).append(plan_offer(plan))
    order = [*names.values(), OTHER_PLANS]
    return PlanCatalog(
        tenant_name=tenant.name if tenant else "",
        order_email=tenant.issuer_email if tenant else "",
        groups=[PlanGroup(name, grouped[name]) for name in order if name in grouped],
    )


def plan_offer(plan: PlanView) -> PlanOffer:
    return PlanOffer(
        key=plan.key,
        name=plan.name,
        description=plan.description,
        price=period_charge(plan.price, plan.currency).format(),
        interval=describe_interval(plan.interval_unit, plan.interval_count),
        highlights=list(plan.highlights),
        terms=plan_terms(plan),
    )


def plan_terms(plan: PlanView) -> list[str]:
    """The commitments of a plan in the customer's words (SPEC §4: trial, minimum term, notice)."""
    terms = []
    if plan.trial_days:
        terms.append(f"{_days(plan.trial_days)} free trial")
    if plan.minimum_commitment_days:
        terms.append(f"Minimum term {_days(plan.minimum_commitment_days)}")
    if plan.notice_days:
        terms.append(f"Notice period {_days(plan.notice_days)}")
    when = "after the minimum term" if plan.minimum_commitment_days else "any time"
    ending = ", effective at the end of a billing period" if plan.cancel_at_period_end else ""
    terms.append(f"Cancel {when}{ending}")
    return terms


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"
