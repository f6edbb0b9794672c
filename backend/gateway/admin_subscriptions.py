"""The admin's subscription pages: every subscription, filtered, and one subscription with its
history and the actions an admin takes on the customer's behalf.

Cancel at period end, resume and the plan change are the customer pages' own gateway functions
(`backend.gateway.subscriptions`): the services let admins act on any subscription of their
tenant. Canceling immediately is the admin's alone, previewed by the engine (the credit for the
unused time) before it is confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from backend import clock
from backend.catalog.plans import list_plans
from backend.db import unit_of_work
from backend.gateway.subscriptions import CHANGEABLE, ChargeLine, PlanChoice
from backend.gateway.units import actor, user_scope
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.money import Money
from backend.reporting import admin_subscriptions as reads
from backend.reporting.admin_schemas import AdminSubscriptionFile, AdminSubscriptionPage
from backend.reporting.subscriptions import moment
from backend.subscriptions import previews
from backend.subscriptions.service import Lifecycle


@dataclass(frozen=True, slots=True)
class PlanFilterChoice:
    id: str  # as the select sends it
    name: str


@dataclass(frozen=True, slots=True)
class AdminSubscriptionList:
    page: AdminSubscriptionPage
    plans: list[PlanFilterChoice]  # every plan of the catalog, for the filter


@dataclass(frozen=True, slots=True)
class AdminSubscriptionView:
    file: AdminSubscriptionFile
    next_charge_amount: str
    next_charge_at: str
    plan_choices: list[PlanChoice] = field(default_factory=list)
    can_cancel: bool = False
    can_resume: bool = False
    can_change_plan: bool = False
    can_cancel_now: bool = False


@dataclass(frozen=True, slots=True)
class CancelNowOutlook:
    ends_at: str  # tenant time
    lines: list[ChargeLine]
    credited: str  # positive, with currency; "0.00 EUR" when nothing is credited
    charged: str
    total: str  # what the customer gets back (credit) or owes, without sign
    refund: bool  # the customer gets money back


def subscription_list(
    user: SignedInUser, status: str = "", plan_id: int | None = None, customer: str = "", page: int = 1
) -> AdminSubscriptionList:
    with unit_of_work() as session:
        scope = user_scope(user)
        wanted = reads.checked_filter(status, plan_id, customer)
        found = reads.subscription_list(session, scope, actor(None, user), wanted, page=page)
        plans = [PlanFilterChoice(str(plan.id), plan.name) for plan in list_plans(session, scope)]
    return AdminSubscriptionList(found, plans)


def subscription_page(user: SignedInUser, number: str) -> AdminSubscriptionView:
    """The subscription `number` of the tenant (`NotFoundError` otherwise), with its next charge and
    the plans it can change to."""
    with unit_of_work() as session:
        scope = user_scope(user)
        found = reads.subscription_file(session, scope, actor(None, user), number)
        detail = found.detail
        upcoming = previews.preview_next_charge(session, scope, detail.id)
        choices = [
            PlanChoice(plan.id, plan.name, plan.price_display)
            for plan in list_plans(session, scope, active_only=True)
            if plan.currency == detail.currency and plan.id != detail.plan_id
        ]
    zone = ZoneInfo(detail.time_zone)
    changeable = detail.status in CHANGEABLE
    return AdminSubscriptionView(
        file=found,
        next_charge_amount=Money.of(upcoming.amount, upcoming.currency).format() if upcoming else "",
        next_charge_at=moment(upcoming.at, zone) if upcoming else "",
        plan_choices=choices,
        can_cancel=changeable,
        can_resume=detail.status == "pending_cancel",
        can_change_plan=changeable and bool(choices),
        can_cancel_now=detail.status != "canceled",
    )


def preview_cancel_immediately(
    request: RequestContext, user: SignedInUser, subscription_id: int
) -> CancelNowOutlook:
    """What ending the subscription now books: the credit for paid time after now (and a final
    charge for time used when billed in arrears), as `cancel_immediately` will book it."""
    with unit_of_work() as session:
        scope = user_scope(user)
        preview = previews.preview_cancel_immediately(
            session, scope, actor(request, user), subscription_id, clock.now()
        )
        tenant = TenantDirectory(session).by_id(user.tenant_id)
        zone = ZoneInfo(tenant.time_zone if tenant else "UTC")

    def money(amount: object) -> str:
        return Money.of(amount, preview.currency).format()  # type: ignore[arg-type]

    return CancelNowOutlook(
        ends_at=moment(preview.ends_at, zone),
        lines=[
            ChargeLine(
                line.description,
                f"{moment(line.period_start, zone)} – {moment(line.period_end, zone)}",
                money(line.amount),
            )
            for line in preview.lines
        ],
        credited=money(preview.credited),
        charged=money(preview.charged),
        total=money(abs(preview.total)),
        refund=preview.total < 0,
    )


def cancel_immediately(request: RequestContext, user: SignedInUser, subscription_id: int) -> None:
    with unit_of_work() as session:
        Lifecycle(session, user_scope(user), actor(request, user)).cancel_immediately(
            subscription_id, clock.now()
        )
