"""A customer's subscription page, continued: its addons (add with a quantity, remove) and the
statutory withdrawal, each previewed before it is confirmed.

Every preview is the engine's own step rolled back (`Lifecycle.preview_add_addon`,
`preview_remove_addon`, `subscriptions.previews.preview_withdrawal`), so the dialog says what the
action books. The actions re-read the subscription by id in the service, which acts only for its
owner, and write the audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend import clock
from backend.catalog.plans import list_addons_for_plan
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.models.statuses import CHANGEABLE_SUBSCRIPTION_STATUSES, RUNNING_SUBSCRIPTION_STATUSES
from backend.money import Money
from backend.reporting import subscriptions as reads
from backend.reporting.schemas import SubscriptionDetail
from backend.subscriptions import previews
from backend.subscriptions.schemas import AddonChangePreview, PlanChangeLine
from backend.subscriptions.service import Lifecycle

CHANGEABLE = {status.value for status in CHANGEABLE_SUBSCRIPTION_STATUSES}
RUNNING = {status.value for status in RUNNING_SUBSCRIPTION_STATUSES}


@dataclass(frozen=True, slots=True)
class AddonOffer:
    id: int
    name: str
    price: str  # per unit, e.g. "2.00 EUR / month", net
    description: str


@dataclass(frozen=True, slots=True)
class MoneyLine:
    description: str
    period: str
    amount: str  # negative for a credit


@dataclass(frozen=True, slots=True)
class AddonsPanel:
    """What the page offers: addons the plan allows that are not attached, and whether the addons
    can change and the customer may withdraw (with the last day to)."""

    offers: list[AddonOffer] = field(default_factory=list)
    can_add: bool = False
    can_remove: bool = False
    can_withdraw: bool = False
    withdraw_until: str = ""  # tenant time


@dataclass(frozen=True, slots=True)
class AddonOutlook:
    addon: str
    quantity: int
    removing: bool
    lines: list[MoneyLine]
    now_amount: str  # charged (or with `credited`, credited) now, without a sign
    credited: bool
    nothing_now: bool  # no line: nothing is charged or credited at the change
    at_period_end: bool  # billed in arrears: the addon's time comes with the period's charge
    recurring_before: str
    recurring_after: str
    effective_at: str  # tenant time


@dataclass(frozen=True, slots=True)
class WithdrawalOutlook:
    possible: bool
    refusal: str
    deadline: str  # tenant time; empty when there is none
    lines: list[MoneyLine]
    total: str  # without a sign; with `credited`, the amount credited
    credited: bool
    credit_note_amount: str  # empty when nothing goes through a credit note


def addons_panel(request: RequestContext, user: SignedInUser, detail: SubscriptionDetail) -> AddonsPanel:
    """The addon offers and the withdrawal for the subscription the page shows (read by
    `subscription_page` for the user's own account)."""
    with unit_of_work() as session:
        scope = user_scope(user)
        attached = {line.addon_id for line in detail.addons}
        offers = [
            AddonOffer(addon.id, addon.name, addon.price_display, addon.description)
            for addon in list_addons_for_plan(session, scope, detail.plan_id)
            if addon.id not in attached and addon.currency == detail.currency
        ]
        withdrawal = previews.preview_withdrawal(session, scope, actor(request, user), detail.id, clock.now())
        zone = _zone(session, user)
    return AddonsPanel(
        offers=offers,
        can_add=detail.status in CHANGEABLE and bool(offers),
        can_remove=detail.status in RUNNING and bool(detail.addons),
        can_withdraw=withdrawal.possible,
        withdraw_until=reads.moment(withdrawal.deadline, zone) if withdrawal.deadline else "",
    )


def preview_add_addon(
    request: RequestContext, user: SignedInUser, subscription_id: int, addon_id: int, quantity: int
) -> AddonOutlook:
    with unit_of_work() as session:
        lifecycle = Lifecycle(session, user_scope(user), actor(request, user))
        change = lifecycle.preview_add_addon(subscription_id, addon_id, quantity, clock.now())
        return _outlook(change, _zone(session, user))


def add_addon(
    request: RequestContext, user: SignedInUser, subscription_id: int, addon_id: int, quantity: int
) -> AddonOutlook:
    with unit_of_work() as session:
        lifecycle = Lifecycle(session, user_scope(user), actor(request, user))
        change = lifecycle.add_addon(subscription_id, addon_id, quantity, clock.now())
        return _outlook(change, _zone(session, user))


def preview_remove_addon(
    request: RequestContext, user: SignedInUser, subscription_id: int, addon_id: int
) -> AddonOutlook:
    with unit_of_work() as session:
        lifecycle = Lifecycle(session, user_scope(user), actor(request, user))
        change = lifecycle.preview_remove_addon(subscription_id, addon_id, clock.now())
        return _outlook(change, _zone(session, user))


def remove_addon(
    request: RequestContext, user: SignedInUser, subscription_id: int, addon_id: int
) -> AddonOutlook:
    with unit_of_work() as session:
        lifecycle = Lifecycle(session, user_scope(user), actor(request, user))
        change = lifecycle.remove_addon(subscription_id, addon_id, clock.now())
        return _outlook(change, _zone(session, user))


def preview_withdrawal(
    request: RequestContext, user: SignedInUser, subscription_id: int
) -> WithdrawalOutlook:
    """Whether the customer may withdraw, until when, and what it credits (or charges) now."""
    with unit_of_work() as session:
        scope = user_scope(user)
        found = previews.preview_withdrawal(
            session, scope, actor(request, user), subscription_id, clock.now()
        )
        zone = _zone(session, user)
    total = Money.of(abs(found.total), found.currency).format()
    return WithdrawalOutlook(
        possible=found.possible,
        refusal=found.refusal,
        deadline=reads.moment(found.deadline, zone) if found.deadline else "",
        lines=[_line(line, found.currency, zone) for line in found.lines],
        total=total,
        credited=found.total < 0,
        credit_note_amount=Money.of(found.credit_note_amount, found.currency).format()
        if found.credit_note_amount
        else "",
    )


def withdraw(request: RequestContext, user: SignedInUser, subscription_id: int) -> None:
    with unit_of_work() as session:
        Lifecycle(session, user_scope(user), actor(request, user)).withdraw(subscription_id, clock.now())


def _outlook(change: AddonChangePreview, zone: ZoneInfo) -> AddonOutlook:
    def money(amount: object) -> str:
        return Money.of(amount, change.currency).format()  # type: ignore[arg-type]

    return AddonOutlook(
        addon=change.addon_name,
        quantity=change.quantity,
        removing=change.removing,
        lines=[_line(line, change.currency, zone) for line in change.lines],
        now_amount=money(abs(change.total)),
        credited=change.total < 0,
        nothing_now=not change.lines,
        at_period_end=change.charged_at_period_end,
        recurring_before=money(change.recurring_before),
        recurring_after=money(change.recurring_after),
        effective_at=reads.moment(change.effective_at, zone),
    )


def _line(line: PlanChangeLine, currency: str, zone: ZoneInfo) -> MoneyLine:
    return MoneyLine(
        line.description,
        f"{_at(line.period_start, zone)} – {_at(line.period_end, zone)}",
        Money.of(line.amount, currency).format(),
    )


def _at(at: datetime, zone: ZoneInfo) -> str:
    return reads.moment(at, zone)


def _zone(session: Session, user: SignedInUser) -> ZoneInfo:
    tenant = TenantDirectory(session).by_id(user.tenant_id)
    return ZoneInfo(tenant.time_zone if tenant else "UTC")
