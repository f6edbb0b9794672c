"""Previews a customer sees before they commit: when a cancellation would take effect, what the
next charge of a subscription will be, and whether (until when, at what credit) they may withdraw;
and the admin's before canceling a subscription now.

They run the engine's own code on the real subscription inside a savepoint that is always rolled
back (as `PlanChanges.preview_plan_change` does), so a preview says what the step will do and
changes nothing: no status, no charge, no audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.audit.service import Actor
from backend.billing.charging import Charger, bill_subscription, terms_of
from backend.billing.positions import charges_of_subscription
from backend.billing.source_ref import SourceRef
from backend.catalog.terms import terms_by_plan
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import SubscriptionStatus
from backend.money import Money
from backend.periods import add_days
from backend.subscriptions.credits import Credit, UnusedTime
from backend.subscriptions.errors import SubscriptionError
from backend.subscriptions.repository import SubscriptionRepository
from backend.subscriptions.schemas import PlanChangeLine, WithdrawalPreview
from backend.subscriptions.service import WITHDRAWAL_DAYS, Lifecycle


@dataclass(frozen=True, slots=True)
class CancelPreview:
    subscription_id: int
    effective_at: datetime  # when the subscription ends
    reason: str  # why then, in the customer's words
    in_trial: bool  # canceled during the trial: nothing is charged


@dataclass(frozen=True, slots=True)
class NextCharge:
    at: datetime
    currency: str
    amount: Decimal  # net, the sum of the rounded lines the billing run will add at `at`


@dataclass(frozen=True, slots=True)
class CancelNowPreview:
    """What canceling a subscription now books (net): a final charge for time used (billed in
    arrears), and a credit for the paid time after now (billed in advance)."""

    subscription_id: int
    subscription_number: str
    ends_at: datetime
    currency: str
    lines: list[PlanChangeLine]  # charges positive, credits negative
    credited: Decimal  # the credits' sum, as a positive amount
    charged: Decimal  # the final charges' sum
    total: Decimal  # charged minus credited: negative when the customer gets money back


class _CreditsNoted(Lifecycle):
    """The lifecycle, noting the credits it books (a preview reads them before rolling back)."""

    def __init__(self, session: Session, scope: TenantScope, actor: Actor) -> None:
        super().__init__(session, scope, actor)
        self.noted: list[Credit] = []

    def _apply(self, charges: list[Any], credits: list[Credit], now: datetime) -> None:
        self.noted.extend(credits)
        super()._apply(charges, credits, now)


def preview_cancel_immediately(
    session: Session, scope: TenantScope, actor: Actor, subscription_id: int, now: datetime
) -> CancelNowPreview:
    """What `Lifecycle.cancel_immediately` would book now: the engine's own step, rolled back. The
    final charges are the positions it adds, the credits those it books (credit notes included
    for charges already invoiced)."""
    authorize(actor, scope, Action.PREVIEW_CANCEL_IMMEDIATELY)
    subscription = SubscriptionRepository(session, scope).get(subscription_id)
    if subscription is None:
        raise NotFoundError("Subscription not found.")
    number, currency = subscription.number, terms_of(subscription).currency
    known = {position.id for position in charges_of_subscription(session, scope, subscription_id)}
    lifecycle = _CreditsNoted(session, scope, actor)
    savepoint = session.begin_nested()
    try:
        lifecycle.cancel_immediately(subscription_id, now)
        charged = [
            PlanChangeLine(p.description, p.period_start, p.period_end, p.amount)  # type: ignore[arg-type]
            for p in charges_of_subscription(session, scope, subscription_id)
            if p.id not in known and not SourceRef.parse(p.source_ref).is_credit
        ]
        credits = [
            PlanChangeLine(
                c.charge.description, c.charge.covered.start, c.charge.covered.end, c.charge.amount
            )
            for c in lifecycle.noted
        ]
    finally:
        savepoint.rollback()
        session.expire_all()

    def total(lines: list[PlanChangeLine]) -> Decimal:
        return (
            sum((Money.of(line.amount, currency) for line in lines), Money.zero(currency))
            .round_to_minor()
            .amount
        )

    charged_total, credited_total = total(charged), -total(credits)
    return CancelNowPreview(
        subscription_id=subscription_id,
        subscription_number=number,
        ends_at=now,
        currency=currency,
        lines=[*charged, *credits],
        credited=credited_total,
        charged=charged_total,
        total=charged_total - credited_total,
    )


def preview_cancel(
    session: Session, scope: TenantScope, actor: Actor, subscription_id: int, now: datetime
) -> CancelPreview:
    """What canceling now would do: `Lifecycle.cancel` itself, rolled back. A cancellation the
    engine refuses raises its named error (e.g. `CommitmentNotOver` with the date)."""
    # As the lifecycle asks: may the actor look at a subscription of their own at all, then at this one.
    authorize(actor, scope, Action.PREVIEW_CANCEL, owner_account_id=actor.customer_account_id)
    subscription = SubscriptionRepository(session, scope).get(subscription_id)
    if subscription is None:
        raise NotFoundError("Subscription not found.")
    authorize(actor, scope, Action.PREVIEW_CANCEL, owner_account_id=subscription.customer_account_id)
    terms = terms_of(subscription)
    in_trial = subscription.status == SubscriptionStatus.TRIALING
    savepoint = session.begin_nested()
    try:
        # Allowed to look (a read token suffices): the cancel runs for the same user, then is undone.
        canceled = Lifecycle(session, scope, replace(actor, token_scopes=None)).cancel(subscription_id, now)
        assert canceled.cancel_effective_at is not None
        effective = canceled.cancel_effective_at
    finally:
        savepoint.rollback()
        session.expire_all()
    if in_trial:
        reason = "Your trial ends then; canceling during the trial costs nothing."
    elif terms.notice_days and terms.cancel_at_period_end:
        reason = (
            f"Your plan has a notice period of {terms.notice_days} days; "
            "it ends with the billing period in which the notice runs out."
        )
    elif terms.notice_days:
        reason = f"Your plan has a notice period of {terms.notice_days} days."
    else:
        reason = "Your plan ends with the billing period you have paid for."
    return CancelPreview(subscription_id, effective, reason, in_trial)


def preview_next_charge(session: Session, scope: TenantScope, subscription_id: int) -> NextCharge | None:
    """The charge the billing run will add when the subscription is next due (the trial's end, the
    next period, or the final part before a cancellation); None when nothing more is due."""
    subscription = SubscriptionRepository(session, scope).get(subscription_id)
    if subscription is None:
        raise NotFoundError("Subscription not found.")
    due = subscription.next_billing_at
    if due is None:
        return None
    charger = Charger(session, scope)
    addons = charger.attached_addons([subscription_id])
    plan = terms_by_plan(session, scope, {subscription.plan_id}).get(subscription.plan_id)
    currency = terms_of(subscription).currency
    savepoint = session.begin_nested()
    try:
        charges = bill_subscription(subscription, charger.time_zone, addons, plan, due)
    finally:
        savepoint.rollback()
        session.expire(subscription)
    if not charges:
        return None
    total = sum((Money.of(c.amount, c.currency) for c in charges), Money.zero(currency))
    return NextCharge(due, currency, total.amount)


def preview_withdrawal(
    session: Session, scope: TenantScope, actor: Actor, subscription_id: int, now: datetime
) -> WithdrawalPreview:
    """Whether withdrawing now is possible and what it books: `Lifecycle.withdraw` itself, rolled
    back. A refusal is not raised but returned with its reason (not a consumer, not in the EU, the
    period over with its date), so a page can tell whether to offer the step at all."""
    authorize(actor, scope, Action.PREVIEW_WITHDRAWAL, owner_account_id=actor.customer_account_id)
    subscription = SubscriptionRepository(session, scope).get(subscription_id)
    if subscription is None:
        raise NotFoundError("Subscription not found.")
    authorize(actor, scope, Action.PREVIEW_WITHDRAWAL, owner_account_id=subscription.customer_account_id)
    currency = terms_of(subscription).currency
    charger = Charger(session, scope)
    deadline = (
        add_days(subscription.started_at, WITHDRAWAL_DAYS, charger.time_zone)
        if subscription.started_at
        else None
    )
    lines: list[PlanChangeLine] = []
    credit_notes = Money.of(0, currency).round_to_minor().amount
    savepoint = session.begin_nested()
    try:
        # The credits the withdrawal books for invoiced charges (credit notes) are read first; what
        # it adds as open positions (a due period, the final part used, credits of unbilled
        # charges) is the difference after it. A refusal costs no billing run.
        invoiced = (
            [
                credit.charge
                for credit in UnusedTime(session, scope).credits_after(subscription, now)
                if credit.original.invoice_id is not None
            ]
            if terms_of(subscription).in_advance and subscription.status != SubscriptionStatus.CANCELED
            else []
        )
        known = {position.id for position in charges_of_subscription(session, scope, subscription_id)}
        try:
            # Allowed to look (a read token suffices): the withdrawal runs for the same user, then is undone.
            Lifecycle(session, scope, replace(actor, token_scopes=None)).withdraw(subscription_id, now)
        except SubscriptionError as refused:
            return WithdrawalPreview(
                subscription_id,
                False,
                str(refused),
                deadline,
                currency,
                [],
                Money.of(0, currency).round_to_minor().amount,
                Money.of(0, currency).round_to_minor().amount,
            )
        for position in charges_of_subscription(session, scope, subscription_id):
            if position.id not in known:
                assert position.period_start is not None and position.period_end is not None
                lines.append(
                    PlanChangeLine(
                        position.description,
                        position.period_start,
                        position.period_end,
                        Money.of(position.amount, currency).round_to_minor().amount,
                    )
                )
        for charge in invoiced:
            lines.append(
                PlanChangeLine(charge.description, charge.covered.start, charge.covered.end, charge.amount)
            )
            credit_notes -= charge.amount
    finally:
        savepoint.rollback()
        session.expire_all()
    total = sum((line.amount for line in lines), Money.of(0, currency).round_to_minor().amount)
    return WithdrawalPreview(subscription_id, True, "", deadline, currency, lines, total, credit_notes)
