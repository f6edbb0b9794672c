"""A customer's own subscriptions: the list, one subscription, and its actions with their previews.

Every preview is the engine's own computation (`Lifecycle.preview_plan_change`, the cancel and the
next charge of `subscriptions.previews`), so what the dialog says is what the action does. Each
action re-reads the subscription by id in the service, which acts only on the signed-in user's
own customer account; the engine writes the audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend import clock
from backend.catalog.plans import list_plans
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, allows
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.models.statuses import CHANGEABLE_SUBSCRIPTION_STATUSES
from backend.money import Money
from backend.reporting import subscriptions as reads
from backend.reporting.schemas import SubscriptionDetail, SubscriptionList
from backend.subscriptions import previews
from backend.subscriptions.schemas import PlanChangePreview
from backend.subscriptions.service import Lifecycle

CHANGEABLE = {status.value for status in CHANGEABLE_SUBSCRIPTION_STATUSES}


@dataclass(frozen=True, slots=True)
class PlanChoice:
    id: int
    name: str
    price: str  # e.g. "19.90 EUR / month", net


@dataclass(frozen=True, slots=True)
class SubscriptionPage:
    detail: SubscriptionDetail
    next_charge_amount: str  # net, e.g. "19.90 EUR"; empty when nothing more is due
    next_charge_at: str  # tenant time
    plan_choices: list[PlanChoice] = field(default_factory=list)  # same currency, not the current plan
    can_cancel: bool = False
    can_resume: bool = False
    can_change_plan: bool = False


@dataclass(frozen=True, slots=True)
class CancelOutlook:
    effective_at: str  # tenant time
    reason: str
    in_trial: bool


@dataclass(frozen=True, slots=True)
class ChargeLine:
    description: str
    period: str
    amount: str  # negative for a credit


@dataclass(frozen=True, slots=True)
class PlanChangeOutlook:
    from_plan: str
    to_plan: str
    lines: list[ChargeLine]
    total: str  # net due now; with `credited`, the amount credited (shown without a sign)
    credited: bool
    next_period_price: str


def _customer(user: SignedInUser) -> int:
    if user.customer_account_id is None:
        raise NotFoundError("This user has no customer account.")
    return user.customer_account_id


def may_order(user: SignedInUser) -> bool:
    """Whether the policy lets the user order for their account (a viewer member may not)."""
    if user.customer_account_id is None:
        return False
    who = actor(None, user)
    return allows(who, user_scope(user), Action.ORDER_SUBSCRIPTION, owner_account_id=user.customer_account_id)


def subscription_list(user: SignedInUser, page: int = 1) -> SubscriptionList:
    """One page of the user's customer account's subscriptions, newest first."""
    customer = _customer(user)
    with unit_of_work() as session:
        return reads.customer_subscriptions(session, user_scope(user), customer, page=page)


def subscription_page(user: SignedInUser, number: str) -> SubscriptionPage:
    """The subscription `number` of the user's customer account (`NotFoundError` for any other),
    with its next charge as the billing run will add it and the plans it can change to."""
    customer = _customer(user)
    with unit_of_work() as session:
        scope = user_scope(user)
        detail = reads.subscription_detail(session, scope, customer, number)
        upcoming = previews.preview_next_charge(session, scope, detail.id)
        zone = ZoneInfo(detail.time_zone)
        choices = [
            PlanChoice(plan.id, plan.name, plan.price_display)
            for plan in list_plans(session, scope, active_only=True)
            if plan.currency == detail.currency and plan.id != detail.plan_id
        ]
    changeable = detail.status in CHANGEABLE
    # What the page offers is what the policy allows this member (a viewer: nothing to change).
    who, scope = actor(None, user), user_scope(user)

    def may(action: Action) -> bool:
        return allows(who, scope, action, owner_account_id=customer)

    return SubscriptionPage(
        detail=detail,
        next_charge_amount=Money.of(upcoming.amount, upcoming.currency).format() if upcoming else "",
        next_charge_at=reads.moment(upcoming.at, zone) if upcoming else "",
        plan_choices=choices,
        can_cancel=changeable and may(Action.CANCEL_SUBSCRIPTION),
        can_resume=detail.status == "pending_cancel" and may(Action.RESUME_SUBSCRIPTION),
        can_change_plan=changeable and bool(choices) and may(Action.CHANGE_PLAN),
    )


def preview_cancel(request: RequestContext, user: SignedInUser, subscription_id: int) -> CancelOutlook:
    """When canceling now would take effect and why; the engine's refusal (e.g. a minimum term that
    has not ended, with its date) is raised as its named error."""
    with unit_of_work() as session:
        scope = user_scope(user)
        preview = previews.preview_cancel(session, scope, actor(request, user), subscription_id, clock.now())
        return CancelOutlook(
            effective_at=reads.moment(preview.effective_at, _zone(session, user)),
            reason=preview.reason,
            in_trial=preview.in_trial,
        )


def cancel(request: RequestContext, user: SignedInUser, subscription_id: int) -> None:
    with unit_of_work() as session:
        Lifecycle(session, user_scope(user), actor(request, user)).cancel(subscription_id, clock.now())


def resume(request: RequestContext, user: SignedInUser, subscription_id: int) -> None:
    with unit_of_work() as session:
        Lifecycle(session, user_scope(user), actor(request, user)).resume(subscription_id, clock.now())


def preview_plan_change(
    request: RequestContext, user: SignedInUser, subscription_id: int, plan_id: int
) -> PlanChangeOutlook:
    """The credit for the unused time and the new charge, as `change_plan` will book them now."""
    with unit_of_work() as session:
        lifecycle = Lifecycle(session, user_scope(user), actor(request, user))
        preview = lifecycle.preview_plan_change(subscription_id, plan_id, clock.now())
        return _outlook(preview, _zone(session, user))


def change_plan(
    request: RequestContext, user: SignedInUser, subscription_id: int, plan_id: int
) -> PlanChangeOutlook:
    with unit_of_work() as session:
        lifecycle = Lifecycle(session, user_scope(user), actor(request, user))
        return _outlook(lifecycle.change_plan(subscription_id, plan_id, clock.now()), _zone(session, user))


def _outlook(preview: PlanChangePreview, zone: ZoneInfo) -> PlanChangeOutlook:
    def money(amount: object) -> str:
        return Money.of(amount, preview.currency).format()  # type: ignore[arg-type]

    return PlanChangeOutlook(
        from_plan=preview.from_plan,
        to_plan=preview.to_plan,
        lines=[
            ChargeLine(
                line.description, _period(line.period_start, line.period_end, zone), money(line.amount)
            )
            for line in preview.lines
        ],
        total=money(abs(preview.total)),
        credited=preview.total < 0,
        next_period_price=money(preview.next_period_price),
    )


def _period(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"{reads.moment(start, zone)} – {reads.moment(end, zone)}"


def _zone(session: Session, user: SignedInUser) -> ZoneInfo:
    tenant = TenantDirectory(session).by_id(user.tenant_id)
    return ZoneInfo(tenant.time_zone if tenant else "UTC")
