"""The catalog's REST routes: the plans customers can order, and catalog maintenance for admins.

Any token of the tenant with the "read" scope reads the orderable plans, at the price customers
are charged (margins included, never the base price or margins behind it); listing, creating,
changing, deactivating and reactivating service types, plans, addons and promotions, and reading a
promotion's redemptions, is for admins with the "admin" scope (the catalog services ask the
policy). Input that breaks rules is a 422 with one `errors` entry per wrong field; an object of
another tenant is a 404. Admin lists are in id order with cursor pagination (`starting_after`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, Protocol, TypeVar

from fastapi import APIRouter, Body, Query, Request

from backend.api.params import Id, Limit, Page, StartingAfter
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.catalog import addons, plans, promotion_codes, redemptions, service_types
from backend.catalog.pricing import period_charge
from backend.catalog.schemas import (
    AddonInput,
    AddonUpdate,
    AddonView,
    CatalogQuery,
    PlanInput,
    PlanOffer,
    PlanUpdate,
    PlanView,
    PromotionInput,
    PromotionUpdate,
    PromotionView,
    RedemptionView,
    ServiceTypeInput,
    ServiceTypeUpdate,
    ServiceTypeView,
)
from backend.db import unit_of_work
from backend.kit.errors import NotFoundError
from backend.kit.pagination import Page as PageOfItems
from backend.kit.policy import Action, authorize

router = APIRouter(prefix="/api/v1", tags=["v1"])

Search = Annotated[str, Query(max_length=200, description="Text found in the key, code or name (any case)")]
Status = Annotated[Literal["active", "inactive"] | None, Query(description="Only active or inactive rows")]

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


@router.post("/admin/plans/{plan_id}/reactivate", summary="Reactivate a plan")
def reactivate_plan(plan_id: Id, request: Request, principal: TokenPrincipal) -> PlanView:
    """The plan can be ordered again (its service type must be active)."""
    scope = token_scope(principal)
    with unit_of_work() as session:
        plans.reactivate_plan(session, scope, plan_id, token_actor(request, principal))
        return plans.plan_details(session, scope, plan_id)


@router.get("/admin/plans", summary="List every plan (admin)")
def list_all_plans(
    request: Request,
    principal: TokenPrincipal,
    q: Search = "",
    status: Status = None,
    service_type_id: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="Plans of this service type")
    ] = None,
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[PlanView]:
    """Active and inactive plans with their base price, margins and subscription count, by id."""
    query = CatalogQuery(search=q, status=status or "", service_type_id=service_type_id)
    return _admin_page(request, principal, plans.find_plans, query, limit, starting_after)


@router.get("/admin/plans/{plan_id}", summary="Get a plan (admin)")
def get_any_plan(plan_id: Id, request: Request, principal: TokenPrincipal) -> PlanView:
    """One plan, active or not."""
    scope = token_scope(principal)
    authorize(token_actor(request, principal), scope, Action.MANAGE_CATALOG)
    with unit_of_work() as session:
        return plans.plan_details(session, scope, plan_id)


# --- service types ----------------------------------------------------------------------------------
NewServiceType = Annotated[
    ServiceTypeInput,
    Body(
        openapi_examples={
            "cloud": {
                "summary": "Cloud servers",
                "value": {"key": "cloud", "name": "Cloud servers", "provider": "hetzner"},
            }
        }
    ),
]
ServiceTypeChanges = Annotated[
    ServiceTypeUpdate,
    Body(openapi_examples={"rename": {"summary": "A new name", "value": {"name": "Cloud VPS"}}}),
]


@router.get("/admin/service-types", summary="List service types (admin)")
def list_service_types(
    request: Request,
    principal: TokenPrincipal,
    q: Search = "",
    status: Status = None,
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[ServiceTypeView]:
    """Active and inactive service types, by id; `q` is found in the key or name."""
    query = CatalogQuery(search=q, status=status or "")
    return _admin_page(request, principal, service_types.find_service_types, query, limit, starting_after)


@router.get("/admin/service-types/{service_type_id}", summary="Get a service type (admin)")
def get_service_type(service_type_id: Id, request: Request, principal: TokenPrincipal) -> ServiceTypeView:
    scope = token_scope(principal)
    authorize(token_actor(request, principal), scope, Action.MANAGE_CATALOG)
    with unit_of_work() as session:
        return service_types.service_type_view(
            service_types.get_service_type(session, scope, service_type_id)
        )


@router.post("/admin/service-types", status_code=201, summary="Create a service type")
def create_service_type(body: NewServiceType, request: Request, principal: TokenPrincipal) -> ServiceTypeView:
    """A new service type; its key is unique in the tenant. Send an `Idempotency-Key`."""
    with unit_of_work() as session:
        created = service_types.create_service_type(
            session, token_scope(principal), body, token_actor(request, principal)
        )
        return service_types.service_type_view(created)


@router.patch("/admin/service-types/{service_type_id}", summary="Change a service type")
def update_service_type(
    service_type_id: Id, body: ServiceTypeChanges, request: Request, principal: TokenPrincipal
) -> ServiceTypeView:
    with unit_of_work() as session:
        changed = service_types.update_service_type(
            session, token_scope(principal), service_type_id, body, token_actor(request, principal)
        )
        return service_types.service_type_view(changed)


@router.post("/admin/service-types/{service_type_id}/deactivate", summary="Deactivate a service type")
def deactivate_service_type(
    service_type_id: Id, request: Request, principal: TokenPrincipal
) -> ServiceTypeView:
    """Its plans can no longer be ordered; running subscriptions are not touched."""
    with unit_of_work() as session:
        changed = service_types.deactivate_service_type(
            session, token_scope(principal), service_type_id, token_actor(request, principal)
        )
        return service_types.service_type_view(changed)


@router.post("/admin/service-types/{service_type_id}/reactivate", summary="Reactivate a service type")
def reactivate_service_type(
    service_type_id: Id, request: Request, principal: TokenPrincipal
) -> ServiceTypeView:
    with unit_of_work() as session:
        changed = service_types.reactivate_service_type(
            session, token_scope(principal), service_type_id, token_actor(request, principal)
        )
        return service_types.service_type_view(changed)


# --- addons -------------------------------------------------------------------------------------------
NewAddon = Annotated[
    AddonInput,
    Body(
        openapi_examples={
            "backup": {
                "summary": "Monthly backups",
                "value": {
                    "key": "backup",
                    "name": "Daily backups",
                    "price": "1.20",
                    "interval_unit": "month",
                },
            }
        }
    ),
]
AddonChanges = Annotated[
    AddonUpdate,
    Body(openapi_examples={"price": {"summary": "A new price", "value": {"price": "1.50"}}}),
]


@router.get("/admin/addons", summary="List addons (admin)")
def list_addons(
    request: Request,
    principal: TokenPrincipal,
    q: Search = "",
    status: Status = None,
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[AddonView]:
    """Active and inactive addons, by id; `q` is found in the key, name or description."""
    query = CatalogQuery(search=q, status=status or "")
    return _admin_page(request, principal, addons.find_addons, query, limit, starting_after)


@router.get("/admin/addons/{addon_id}", summary="Get an addon (admin)")
def get_addon(addon_id: Id, request: Request, principal: TokenPrincipal) -> AddonView:
    scope = token_scope(principal)
    authorize(token_actor(request, principal), scope, Action.MANAGE_CATALOG)
    with unit_of_work() as session:
        return addons.addon_view(addons.get_addon(session, scope, addon_id))


@router.post("/admin/addons", status_code=201, summary="Create an addon")
def create_addon(body: NewAddon, request: Request, principal: TokenPrincipal) -> AddonView:
    """A new addon; plans offer it once allowed. Send an `Idempotency-Key`."""
    with unit_of_work() as session:
        created = addons.create_addon(session, token_scope(principal), body, token_actor(request, principal))
        return addons.addon_view(created)


@router.patch("/admin/addons/{addon_id}", summary="Change an addon")
def update_addon(addon_id: Id, body: AddonChanges, request: Request, principal: TokenPrincipal) -> AddonView:
    with unit_of_work() as session:
        changed = addons.update_addon(
            session, token_scope(principal), addon_id, body, token_actor(request, principal)
        )
        return addons.addon_view(changed)


@router.post("/admin/addons/{addon_id}/deactivate", summary="Deactivate an addon")
def deactivate_addon(addon_id: Id, request: Request, principal: TokenPrincipal) -> AddonView:
    """New orders can no longer add it; subscriptions that have it keep it."""
    with unit_of_work() as session:
        changed = addons.deactivate_addon(
            session, token_scope(principal), addon_id, token_actor(request, principal)
        )
        return addons.addon_view(changed)


@router.post("/admin/addons/{addon_id}/reactivate", summary="Reactivate an addon")
def reactivate_addon(addon_id: Id, request: Request, principal: TokenPrincipal) -> AddonView:
    with unit_of_work() as session:
        changed = addons.reactivate_addon(
            session, token_scope(principal), addon_id, token_actor(request, principal)
        )
        return addons.addon_view(changed)


# --- promotions ---------------------------------------------------------------------------------------
NewPromotion = Annotated[
    PromotionInput,
    Body(
        openapi_examples={
            "percent": {
                "summary": "10 % off, once per customer",
                "value": {
                    "code": "WELCOME10",
                    "benefit": "percent_off",
                    "percent_off": "10",
                    "max_per_customer": 1,
                },
            }
        }
    ),
]
PromotionChanges = Annotated[
    PromotionUpdate,
    Body(
        openapi_examples={
            "end": {"summary": "End the promotion", "value": {"valid_until": "2027-01-31T23:00:00Z"}}
        }
    ),
]
PromotionState = Annotated[
    Literal["active", "scheduled", "expired", "inactive"] | None,
    Query(description="active, scheduled (not valid yet), expired or inactive (deactivated)"),
]


@router.get("/admin/promotions", summary="List promotions (admin)")
def list_promotions(
    request: Request,
    principal: TokenPrincipal,
    q: Search = "",
    status: Status = None,
    state: PromotionState = None,
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[PromotionView]:
    """Every promotion, by id; `q` is found in the code or description."""
    query = CatalogQuery(search=q, status=status or "", state=state or "")
    return _admin_page(request, principal, promotion_codes.find_promotions, query, limit, starting_after)


@router.get("/admin/promotions/{promotion_id}", summary="Get a promotion (admin)")
def get_promotion(promotion_id: Id, request: Request, principal: TokenPrincipal) -> PromotionView:
    scope = token_scope(principal)
    authorize(token_actor(request, principal), scope, Action.MANAGE_CATALOG)
    with unit_of_work() as session:
        return promotion_codes.promotion_view(promotion_codes.get_promotion(session, scope, promotion_id))


@router.post("/admin/promotions", status_code=201, summary="Create a promotion")
def create_promotion(body: NewPromotion, request: Request, principal: TokenPrincipal) -> PromotionView:
    """A new promotion code (stored in upper case, unique in the tenant). Send an `Idempotency-Key`."""
    with unit_of_work() as session:
        created = promotion_codes.create_promotion(
            session, token_scope(principal), body, token_actor(request, principal)
        )
        return promotion_codes.promotion_view(created)


@router.patch("/admin/promotions/{promotion_id}", summary="Change a promotion")
def update_promotion(
    promotion_id: Id, body: PromotionChanges, request: Request, principal: TokenPrincipal
) -> PromotionView:
    """Redemptions already made keep their benefit."""
    with unit_of_work() as session:
        changed = promotion_codes.update_promotion(
            session, token_scope(principal), promotion_id, body, token_actor(request, principal)
        )
        return promotion_codes.promotion_view(changed)


@router.post("/admin/promotions/{promotion_id}/deactivate", summary="Deactivate a promotion")
def deactivate_promotion(promotion_id: Id, request: Request, principal: TokenPrincipal) -> PromotionView:
    """The code can no longer be redeemed; benefits already granted stay."""
    with unit_of_work() as session:
        changed = promotion_codes.deactivate_promotion(
            session, token_scope(principal), promotion_id, token_actor(request, principal)
        )
        return promotion_codes.promotion_view(changed)


@router.post("/admin/promotions/{promotion_id}/reactivate", summary="Reactivate a promotion")
def reactivate_promotion(promotion_id: Id, request: Request, principal: TokenPrincipal) -> PromotionView:
    with unit_of_work() as session:
        changed = promotion_codes.reactivate_promotion(
            session, token_scope(principal), promotion_id, token_actor(request, principal)
        )
        return promotion_codes.promotion_view(changed)


@router.get("/admin/promotions/{promotion_id}/redemptions", summary="List a promotion's redemptions")
def list_redemptions(
    promotion_id: Id,
    request: Request,
    principal: TokenPrincipal,
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[RedemptionView]:
    """Who ordered with the code, newest first: customer, subscription, the first invoice that took
    the discount, and the net discount taken so far."""
    with unit_of_work() as session:
        page = redemptions.promotion_redemptions(
            session,
            token_scope(principal),
            promotion_id,
            token_actor(request, principal),
            limit=limit,
            starting_after=starting_after,
        )
    return Page.of(page)


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


V = TypeVar("V", bound=_Identified)


def _admin_page(
    request: Request,
    principal: Any,
    find: Callable[..., Sequence[V]],
    query: CatalogQuery,
    limit: int,
    starting_after: int | None,
) -> Page[V]:
    """One page of an admin list, in id order after the cursor (the service asks the policy)."""
    with unit_of_work() as session:
        rows = find(session, token_scope(principal), token_actor(request, principal), query)
    ordered = sorted(
        (row for row in rows if starting_after is None or row.id > starting_after), key=lambda r: r.id
    )
    return Page.of(PageOfItems(list(ordered[:limit]), len(ordered) > limit))


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
