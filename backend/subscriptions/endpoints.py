"""Subscriptions' REST routes: list and read, order (and its preview), cancel, resume, change plan,
add and remove addons, withdraw (each change with its preview).

Routes authenticate the token (401) and leave "may this caller do it?" to the lifecycle and the
reads, which ask the policy (customers act on their own customer account only; reading and
previewing need the token's "read" scope, everything that changes something "write"). A
subscription is addressed by its number. Every POST takes an `Idempotency-Key` (the middleware),
and commits before it answers.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request

from backend import clock
from backend.api.params import Limit, Page, StartingAfter
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.kit.errors import ValidationFailed
from backend.subscriptions import previews, reads
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.previews import CancelNowPreview
from backend.subscriptions.provisioning_hook import order_servers
from backend.subscriptions.schemas import (
    MAX_ID,
    AddAddonInput,
    AddonChangePreview,
    AddonChangeView,
    OrderInput,
    OrderPreview,
    PlanChangeInput,
    PlanChangePreview,
    PlanChangeView,
    SubscriptionView,
    WithdrawalView,
)
from backend.subscriptions.service import Lifecycle

router = APIRouter(prefix="/api/v1", tags=["v1"])

Number = Annotated[
    str,
    Path(
        pattern=r"^SUB-[0-9]{6,12}$",
        max_length=16,
        description="The subscription's number",
        examples=["SUB-000123"],
    ),
]

_ORDER_EXAMPLES: dict[str, Any] = {
    "customer": {
        "summary": "A customer orders for their own account",
        "value": {
            "plan_id": 12,
            "options": {"location": "fsn1"},
            "addons": [{"addon_id": 3, "quantity": 2}],
            "promotion_code": "SPRING10",
        },
    },
    "admin": {
        "summary": "An admin orders on a customer's behalf",
        "value": {"plan_id": 12, "customer_account_id": 42},
    },
}
OrderBody = Annotated[OrderInput, Body(openapi_examples=_ORDER_EXAMPLES)]
AddonId = Annotated[int, Path(ge=1, le=MAX_ID, description="The addon's id (catalog)", examples=[3])]
AddAddonBody = Annotated[
    AddAddonInput,
    Body(openapi_examples={"two": {"summary": "Two of addon 3", "value": {"addon_id": 3, "quantity": 2}}}),
]
PlanChangeBody = Annotated[
    PlanChangeInput,
    Body(openapi_examples={"upgrade": {"summary": "Move to plan 14", "value": {"plan_id": 14}}}),
]


@router.get("/subscriptions", summary="List subscriptions")
def list_subscriptions(
    request: Request, principal: TokenPrincipal, limit: Limit = 50, starting_after: StartingAfter = None
) -> Page[SubscriptionView]:
    """The subscriptions of the caller's customer account (an admin's token: the tenant's), oldest
    first by id; `starting_after` is the `id` of the last one of the previous page."""
    with unit_of_work() as session:
        found = reads.list_subscriptions(
            session, token_scope(principal), token_actor(request, principal),
            limit=limit, starting_after=starting_after,
        )  # fmt: skip
    return Page.of(found)


@router.post("/subscriptions/preview", summary="Preview an order")
def preview_order(body: OrderBody, request: Request, principal: TokenPrincipal) -> OrderPreview:
    """What the order would cost this customer, computed by the engine that charges it: the first
    (possibly prorated) period with the promotion's discount and tax, then each full period.
    Nothing is ordered; a refused order answers the error ordering would."""
    actor = token_actor(request, principal)
    with unit_of_work() as session:
        return Lifecycle(session, token_scope(principal), actor).preview_order(
            _order_request(body, actor), clock.now()
        )


@router.post("/subscriptions", status_code=201, summary="Order a subscription")
def order(body: OrderBody, request: Request, principal: TokenPrincipal) -> SubscriptionView:
    """Order a plan; the first period is charged at once when billed in advance. A plan that creates
    a server is placed `provisioning` and billed from the moment its server runs; when the provider
    has no capacity the order is refused (409, naming alternatives) unless `accept_backorder` is set.
    Send an `Idempotency-Key`: a retry with the same key answers the first order again, ordering once."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    order_request = _order_request(body, actor)
    servers = order_servers()
    target = availability = None
    if servers is not None:  # a plan that creates a server: the provider is asked before the order
        with unit_of_work() as session:
            target = servers.target(session, scope, order_request.plan_id, dict(order_request.options))
        availability = servers.probe(target) if target is not None else None
    with unit_of_work() as session:
        now = clock.now()
        lifecycle = Lifecycle(session, scope, actor)
        subscription = lifecycle.order(order_request, now, provision=target is not None)
        if servers is not None and target is not None:
            servers.record(
                session,
                scope,
                actor,
                subscription,
                target,
                availability,
                accept_backorder=body.accept_backorder,
                now=now,
            )
        return reads.subscription_views(session, scope, [subscription])[0]


@router.get("/subscriptions/{number}", summary="Get a subscription")
def get_subscription(number: Number, request: Request, principal: TokenPrincipal) -> SubscriptionView:
    """One subscription: status, plan, options, addons, current period, next billing, trial and
    cancellation dates."""
    with unit_of_work() as session:
        return reads.subscription_by_number(
            session, token_scope(principal), number, token_actor(request, principal)
        )


@router.post("/subscriptions/{number}/cancel", summary="Cancel a subscription")
def cancel(number: Number, request: Request, principal: TokenPrincipal) -> SubscriptionView:
    """Cancel at the end of the notice period (at a period end when the plan says so); refused
    during the minimum commitment, naming the date it ends."""
    return _transition(number, request, principal, Lifecycle.cancel)


@router.post("/subscriptions/{number}/resume", summary="Resume a subscription")
def resume(number: Number, request: Request, principal: TokenPrincipal) -> SubscriptionView:
    """Take back a cancellation that has not taken effect yet."""
    return _transition(number, request, principal, Lifecycle.resume)


@router.post("/subscriptions/{number}/plan-change/preview", summary="Preview a plan change")
def preview_plan_change(
    number: Number, body: PlanChangeBody, request: Request, principal: TokenPrincipal
) -> PlanChangeView:
    """The credit for the unused part of the period and the new plan's charge, were the plan
    changed now. Nothing changes."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        subscription_id = reads.subscription_id_for_number(session, scope, number, actor)
        lifecycle = Lifecycle(session, scope, actor)
        preview = lifecycle.preview_plan_change(subscription_id, body.plan_id, clock.now())
        return _plan_change_view(number, preview)


@router.post("/subscriptions/{number}/plan-change", summary="Change the plan")
def change_plan(
    number: Number, body: PlanChangeBody, request: Request, principal: TokenPrincipal
) -> PlanChangeView:
    """Switch plans now: the old price up to now, the new one after; the unused part of a period
    paid in advance is credited."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        subscription_id = reads.subscription_id_for_number(session, scope, number, actor)
        change = Lifecycle(session, scope, actor).change_plan(subscription_id, body.plan_id, clock.now())
        return _plan_change_view(number, change)


@router.post(
    "/admin/subscriptions/{number}/cancel-immediately/preview", summary="Preview an immediate cancellation"
)
def preview_cancel_immediately(
    number: Number, request: Request, principal: TokenPrincipal
) -> CancelNowPreview:
    """Admins: what ending the subscription now would book, net: the credit for the paid time
    after now (billed in advance), a final charge for the time used (billed in arrears). Nothing
    changes."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        subscription_id = reads.subscription_id_for_number(session, scope, number, actor)
        return previews.preview_cancel_immediately(session, scope, actor, subscription_id, clock.now())


@router.post("/admin/subscriptions/{number}/cancel-immediately", summary="Cancel a subscription now")
def cancel_immediately(number: Number, request: Request, principal: TokenPrincipal) -> SubscriptionView:
    """Admins: end the subscription now, crediting the unused paid time as the preview shows."""
    return _transition(number, request, principal, Lifecycle.cancel_immediately)


@router.post("/subscriptions/{number}/addons/preview", summary="Preview adding an addon")
def preview_add_addon(
    number: Number, body: AddAddonBody, request: Request, principal: TokenPrincipal
) -> AddonChangeView:
    """What adding the addon now charges (billed in advance: the rest of the current period,
    prorated) and the new price of a full period. Nothing changes."""
    return _addon_change(
        number, request, principal,
        lambda lifecycle, sid, now: lifecycle.preview_add_addon(sid, body.addon_id, body.quantity, now),
    )  # fmt: skip


@router.post("/subscriptions/{number}/addons", status_code=201, summary="Add an addon")
def add_addon(
    number: Number, body: AddAddonBody, request: Request, principal: TokenPrincipal
) -> AddonChangeView:
    """Attach an addon the plan allows, from now on; billed in advance the rest of the current
    period is charged at once. Send an `Idempotency-Key`: a retry answers the first result again."""
    return _addon_change(
        number, request, principal,
        lambda lifecycle, sid, now: lifecycle.add_addon(sid, body.addon_id, body.quantity, now),
    )  # fmt: skip


@router.post("/subscriptions/{number}/addons/{addon_id}/remove/preview", summary="Preview removing an addon")
def preview_remove_addon(
    number: Number, addon_id: AddonId, request: Request, principal: TokenPrincipal
) -> AddonChangeView:
    """What removing the addon now credits (billed in advance: its unused time) or charges (billed
    in arrears: its used part), and the new price of a full period. Nothing changes."""
    return _addon_change(
        number,
        request,
        principal,
        lambda lifecycle, sid, now: lifecycle.preview_remove_addon(sid, addon_id, now),
    )


@router.post("/subscriptions/{number}/addons/{addon_id}/remove", summary="Remove an addon")
def remove_addon(
    number: Number, addon_id: AddonId, request: Request, principal: TokenPrincipal
) -> AddonChangeView:
    """Detach the addon now: its unused time is credited (in advance) or its used part charged
    (in arrears)."""
    return _addon_change(
        number, request, principal, lambda lifecycle, sid, now: lifecycle.remove_addon(sid, addon_id, now)
    )


@router.post("/subscriptions/{number}/withdraw/preview", summary="Preview a withdrawal")
def preview_withdrawal(number: Number, request: Request, principal: TokenPrincipal) -> WithdrawalView:
    """Whether the statutory withdrawal (EU consumers, 14 days from the order) is still possible,
    until when, and what it would credit; a refusal says why in `refusal`. Nothing changes."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        subscription_id = reads.subscription_id_for_number(session, scope, number, actor)
        found = previews.preview_withdrawal(session, scope, actor, subscription_id, clock.now())
        return WithdrawalView(
            subscription_number=number,
            possible=found.possible,
            refusal=found.refusal,
            deadline=found.deadline,
            currency=found.currency,
            lines=found.lines,
            total=found.total,
            credit_note_amount=found.credit_note_amount,
        )


@router.post("/subscriptions/{number}/withdraw", summary="Withdraw from a subscription")
def withdraw(number: Number, request: Request, principal: TokenPrincipal) -> SubscriptionView:
    """End the subscription now under the statutory right of withdrawal: its unused time is
    credited (a credit note for what was invoiced). Refused for businesses, outside the EU and
    after the 14 days, naming the date."""
    return _transition(number, request, principal, Lifecycle.withdraw)


def _addon_change(number: str, request: Request, principal: Any, step: Any) -> AddonChangeView:
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        subscription_id = reads.subscription_id_for_number(session, scope, number, actor)
        change: AddonChangePreview = step(Lifecycle(session, scope, actor), subscription_id, clock.now())
        return AddonChangeView(
            subscription_number=number,
            addon_id=change.addon_id,
            addon_name=change.addon_name,
            quantity=change.quantity,
            removing=change.removing,
            currency=change.currency,
            effective_at=change.effective_at,
            lines=change.lines,
            total=change.total,
            charged_at_period_end=change.charged_at_period_end,
            recurring_before=change.recurring_before,
            recurring_after=change.recurring_after,
        )


def _transition(number: str, request: Request, principal: Any, step: Any) -> SubscriptionView:
    """Run the lifecycle `step` (cancel, resume, cancel now) on the subscription numbered `number`."""
    actor, scope = token_actor(request, principal), token_scope(principal)
    with unit_of_work() as session:
        subscription_id = reads.subscription_id_for_number(session, scope, number, actor)
        subscription = step(Lifecycle(session, scope, actor), subscription_id, clock.now())
        return reads.subscription_views(session, scope, [subscription])[0]


def _order_request(body: OrderInput, actor: Actor) -> OrderRequest:
    """The order for the account the body names, else the caller's own."""
    account = body.customer_account_id or actor.customer_account_id
    if account is None:
        raise ValidationFailed("Customer account: name the account to order for (customer_account_id).")
    return OrderRequest(
        customer_account_id=account,
        plan_id=body.plan_id,
        options=dict(body.options),
        addons={choice.addon_id: choice.quantity for choice in body.addons},
        promotion_code=body.promotion_code,
    )


def _plan_change_view(number: str, preview: PlanChangePreview) -> PlanChangeView:
    return PlanChangeView(
        subscription_number=number,
        from_plan=preview.from_plan,
        to_plan=preview.to_plan,
        currency=preview.currency,
        lines=preview.lines,
        total=preview.total,
        next_period_price=preview.next_period_price,
    )
