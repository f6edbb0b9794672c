"""The public plans page: what the tenant of the visited host sells, at the price it charges.

Visitors and business customers read net prices plus VAT; a signed-in consumer (private customer)
reads what they will pay, VAT included at the rate their invoices get (`invoicing.price_tax`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend import clock
from backend.catalog.plans import list_plans
from backend.catalog.pricing import describe_interval
from backend.catalog.schemas import PlanView
from backend.catalog.service_types import list_service_types
from backend.db import unit_of_work
from backend.gateway.units import actor
from backend.invoicing.price_tax import NET_PRICES, PriceTax, price_tax
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.models import TaxCategory
from backend.money import Money
from backend.settings import get_settings
from backend.tenancy.service import scope_for_host

OTHER_PLANS = "More services"  # plans that provision nothing (pure billing)
NET_NOTE = "Prices are net, plus VAT where it applies."


@dataclass(frozen=True, slots=True)
class PlanOffer:
    """One plan as a visitor reads it: the net price per period the engine charges, and its terms."""

    key: str
    name: str
    description: str
    price: str  # one full period as the reader pays it: net, or gross for a consumer, e.g. "5.39 EUR"
    interval: str  # "month", "3 months", "year"
    price_note: str = "plus VAT"  # or "incl. 19 % VAT" for a consumer
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
    tax_note: str = NET_NOTE


def plan_catalog(request: RequestContext, user: SignedInUser | None = None) -> PlanCatalog:
    """The active plans of active service types, grouped by service type in catalog order, priced
    for `user` when a customer is signed in (gross for consumers), else net."""
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, get_settings())
        tenant = TenantDirectory(session).by_id(scope.tenant_id)
        taxes = NET_PRICES
        if user is not None and user.customer_account_id is not None and user.tenant_id == scope.tenant_id:
            taxes = price_tax(session, scope, actor(request, user), user.customer_account_id, clock.now())
        names = {t.id: t.name for t in list_service_types(session, scope, active_only=True)}
        grouped: dict[str, list[PlanOffer]] = {}
        for plan in list_plans(session, scope, active_only=True):
            group = names.get(plan.service_type_id or 0, OTHER_PLANS)
            grouped.setdefault(group, []).append(plan_offer(plan, taxes))
    order = [*names.values(), OTHER_PLANS]
    return PlanCatalog(
        tenant_name=tenant.name if tenant else "",
        groups=[PlanGroup(name, grouped[name]) for name in order if name in grouped],
        tax_note=f"Prices include the VAT of {taxes.country}." if taxes.gross else NET_NOTE,
    )


def plan_offer(plan: PlanView, taxes: PriceTax = NET_PRICES) -> PlanOffer:
    category = TaxCategory(plan.tax_category)
    return PlanOffer(
        key=plan.key,
        name=plan.name,
        description=plan.description,
        price=Money.of(taxes.price(plan.price, category, plan.currency), plan.currency).format(),
        interval=describe_interval(plan.interval_unit, plan.interval_count),
        price_note=f"incl. {taxes.rate(category).normalize():f} % VAT" if taxes.gross else "plus VAT",
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
