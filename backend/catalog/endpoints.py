"""The catalog's REST routes: the plans customers can order, and plan maintenance for admins.

Any token of the tenant with the "read" scope reads the orderable plans, at the price customers
are charged (margins included, never the base price or margins behind it); creating, changing and
deactivating plans is for admins with the "admin" scope (the catalog services ask the policy). A
rule the input breaks is a 422 whose `detail` names the field; a plan of another tenant is a 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from backend.api.params import Id, Limit, Page, StartingAfter
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.catalog import plans
from backend.catalog.pricing import period_charge
from backend.catalog.schemas import PlanInput, PlanOffer, PlanUpdate, PlanView
from backend.db import unit_of_work
from backend.kit.errors import NotFoundError
from backend.kit.pagination import Page as PageOfItems
from backend.kit.policy import Action, authorize

router = APIRouter(prefix="/api/v1", tags=["v1"])

_PLAN_EXAMPLE: dict[str, Any] = {
    "key": "cloud-cx22",
    "name": "Cloud CX22",
    "description": "2 vCPU, 4 GB RAM, 40 GB disk",
    "base_price": "4.50",
    "margin_percent": "20",
    "interval_unit": "month",
    "billing_anchor_day": 1,
    "trial_days": 14,
    "highlights": ["2 vCPU", "4 GB RAM"],
}
NewPlan = Annotated[
    PlanInput, Body(openapi_examples={"monthly": {"summary": "A monthly plan", "value": _PLAN_EXAMPLE}})
]
PlanChanges = Annotated[
    PlanUpdate,
    Body(
        openapi_examples={
            "price": {"summary": "A new price (from the next period)", "value": {"base_price": "4.90"}}
        }
    ),
]


@router.get("/plans", summary="List the plans that can be ordered")
def list_plans(
    request: Request, principal: TokenPrincipal, limit: Limit = 50, starting_after: StartingAfter = None
) -> Page[PlanOffer]:
    """The tenant's active plans (of active service types), by id, at the price customers pay."""
    offers = _offers(request, principal)
    after = [offer for offer in offers if starting_after is None or offer.id > starting_after]
    return Page.of(PageOfItems(after[:limit], len(after) > limit))


@router.get("/plans/{plan_id}", summary="Get a plan that can be ordered")
def get_plan(plan_id: Id, request: Request, principal: TokenPrincipal) -> PlanOffer:
    """One orderable plan; a plan that cannot be ordered (inactive) is not found."""
    for offer in _offers(request, principal):
        if offer.id == plan_id:
            return offer
    raise NotFoundError("Plan not found.")


@router.post("/admin/plans", status_code=201, summary="Create a plan")
def create_plan(body: NewPlan, request: Request, principal: TokenPrincipal) -> PlanView:
    """A new plan, every rule checked first (key, name, prices, interval, anchor day, trial)."""
    scope = token_scope(principal)
    with unit_of_work() as session:
        plan = plans.create_plan(session, scope, body, token_actor(request, principal))
        assert plan.id is not None
        return plans.plan_details(session, scope, plan.id)


@router.patch("/admin/plans/{plan_id}", summary="Change a plan")
def update_plan(plan_id: Id, body: PlanChanges, request: Request, principal: TokenPrincipal) -> PlanView:
    """Change the fields sent. A new price applies from each subscription's next period; currency,
    interval, anchor day and timing are fixed once the plan has subscriptions."""
    scope = token_scope(principal)
    with unit_of_work() as session:
        plans.update_plan(session, scope, plan_id, body, token_actor(request, principal))
        return plans.plan_details(session, scope, plan_id)


@router.post("/admin/plans/{plan_id}/deactivate", summary="Deactivate a plan")
def deactivate_plan(plan_id: Id, request: Request, principal: TokenPrincipal) -> PlanView:
    """The plan can no longer be ordered; its subscriptions keep running (a plan in use is never
    deleted)."""
    scope = token_scope(principal)
    with unit_of_work() as session:
        plans.deactivate_plan(session, scope, plan_id, token_actor(request, principal))
        return plans.plan_details(session, scope, plan_id)


def _offers(request: Request, principal: Any) -> list[PlanOffer]:
    """The orderable plans by id, once the policy let the caller read the catalog."""
    scope = token_scope(principal)
    authorize(token_actor(request, principal), scope, Action.READ_CATALOG)
    with unit_of_work() as session:
        views = plans.list_plans(session, scope, active_only=True)
    return sorted((_offer(view) for view in views), key=lambda offer: offer.id)


def _offer(view: PlanView) -> PlanOffer:
    fields = view.model_dump(include=set(PlanOffer.model_fields))
    return PlanOffer(**(fields | {"price": period_charge(view.price, view.currency).amount}))
