"""Lifecycle transitions: each impossible one gets a clear error and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backend.models import (
    BillingTiming,
    CustomerType,
    OpenPosition,
    PromotionBenefit,
    PromotionEligibility,
    Subscription,
    SubscriptionStatus,
)
from backend.subscriptions.errors import SubscriptionError
from tests.billing.world import World, utc


def rows(world: World) -> tuple[int, int]:
    session, tenant = world.session, world.scope.tenant_id
    return (
        int(
            session.scalar(
                select(func.count()).select_from(Subscription).where(Subscription.tenant_id == tenant)
            )
        ),
        int(
            session.scalar(
                select(func.count()).select_from(OpenPosition).where(OpenPosition.tenant_id == tenant)
            )
        ),
    )


def test_cancel_before_the_minimum_commitment_is_refused(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    subscription = world.order(world.customer(), world.plan("committed", "10.00", minimum_commitment_days=90))
    world.at(utc(2027, 2, 1, 9))
    before = rows(world)
    with pytest.raises(SubscriptionError, match="minimum term until 2027-04-01"):
        world.lifecycle().cancel(subscription.id, world.now)
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.cancel_effective_at is None
    world.at(utc(2027, 4, 1, 9))
    world.lifecycle().cancel(subscription.id, world.now)
    assert subscription.status == SubscriptionStatus.PENDING_CANCEL
    assert rows(world)[0] == before[0]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("resume", "Only a subscription that is being canceled can be resumed"),
        ("same_plan", "already on"),
        ("withdraw_late", "withdrawal period ended"),
    ],
)
def test_impossible_transitions_are_refused_with_a_reason(world: World, action: str, message: str) -> None:
    world.at(utc(2027, 1, 1, 9))
    plan = world.plan("web", "10.00")
    subscription = world.order(world.customer(), plan)
    lifecycle = world.lifecycle()
    world.at(utc(2027, 1, 20, 9))
    before = (rows(world), subscription.status, subscription.plan_id)
    with pytest.raises(SubscriptionError, match=message):
        if action == "resume":
            lifecycle.resume(subscription.id, world.now)
        elif action == "same_plan":
            lifecycle.change_plan(subscription.id, plan.id, world.now)
        else:
            lifecycle.withdraw(subscription.id, world.now)
    assert (rows(world), subscription.status, subscription.plan_id) == before


def test_withdrawal_is_for_consumers_only(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    subscription = world.order(
        world.customer(customer_type=CustomerType.BUSINESS), world.plan("web", "10.00")
    )
    with pytest.raises(SubscriptionError, match="consumers only"):
        world.lifecycle().withdraw(subscription.id, world.now)


def test_an_inactive_plan_or_an_unknown_option_cannot_be_ordered(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    customer = world.customer()
    retired = world.plan("retired", "10.00", active=False)
    server = world.plan("server", "10.00", allowed_options={"location": ["fsn1", "hel1"]})
    before = rows(world)
    with pytest.raises(SubscriptionError, match="no longer available"):
        world.order(customer, retired)
    with pytest.raises(SubscriptionError, match="choose one of: fsn1, hel1"):
        world.order(customer, server, options={"location": "mars"})
    with pytest.raises(SubscriptionError, match="no option 'colour'"):
        world.order(customer, server, options={"colour": "red"})
    assert rows(world) == before
    ordered = world.order(customer, server, options={"location": "hel1"})
    assert ordered.options == {"location": "hel1"}


def test_promotion_limits_and_eligibility_are_checked_at_order(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    plan = world.plan("web", "10.00")
    world.promotion("ONCE", benefit=PromotionBenefit.PERCENT_OFF, percent_off=Decimal(10), max_redemptions=1)
    world.promotion("NEWBIE", benefit=PromotionBenefit.PERCENT_OFF, percent_off=Decimal(10),
                    eligibility=PromotionEligibility.NEW_CUSTOMERS, max_per_customer=None)  # fmt: skip
    world.promotion("OLD", benefit=PromotionBenefit.PERCENT_OFF, percent_off=Decimal(10),
                    valid_until=utc(2026, 12, 31))  # fmt: skip
    first, second = world.customer(), world.customer()
    world.order(first, plan, promotion_code="once")
    with pytest.raises(SubscriptionError, match="used up"):
        world.order(second, plan, promotion_code="ONCE")
    with pytest.raises(SubscriptionError, match="new customers only"):
        world.order(first, plan, promotion_code="NEWBIE")
    with pytest.raises(SubscriptionError, match="expired"):
        world.order(second, plan, promotion_code="OLD")
    with pytest.raises(SubscriptionError, match="not valid"):
        world.order(second, plan, promotion_code="NOPE")
    world.order(second, plan, promotion_code="NEWBIE")


def test_addons_are_charged_with_their_plan_and_prorated_in_arrear(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    plan = world.plan("server", "20.00", billing_timing=BillingTiming.ARREAR)
    backups = world.addon("backups", "4.00", [plan])
    subscription = world.order(world.customer(), plan, addons={backups.id: 2})
    world.run_until(utc(2027, 2, 1, 12))
    amounts = sorted(p.amount for p in world.positions(subscription))
    assert amounts == [Decimal("8.00"), Decimal("20.00")]


def test_admin_cancel_now_credits_the_unused_part_of_an_advance_period(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    subscription = world.order(world.customer(), world.plan("web", "31.00"))
    world.at(utc(2027, 1, 11, 9))
    world.lifecycle().cancel_immediately(subscription.id, world.now)
    assert subscription.status == SubscriptionStatus.CANCELED and subscription.canceled_at == world.now
    assert [p.amount for p in world.positions(subscription)] == [Decimal("31.00"), Decimal("-21.00")]
    world.run_until(utc(2027, 3, 1))
    assert len(world.positions(subscription)) == 2


def test_trial_canceled_costs_nothing(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    subscription = world.order(world.customer(), world.plan("web", "10.00", trial_days=14))
    world.at(utc(2027, 1, 5, 9))
    world.lifecycle().cancel(subscription.id, world.now)
    world.run_until(utc(2027, 3, 1))
    assert subscription.status == SubscriptionStatus.CANCELED and world.positions(subscription) == []


def test_past_due_keeps_billing_and_reinstating_ends_the_suspension(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    subscription = world.order(world.customer(), world.plan("web", "10.00"))
    lifecycle = world.lifecycle()
    world.at(utc(2027, 1, 20, 9))
    lifecycle.mark_past_due(subscription.id, world.now, suspend=True)
    assert subscription.status == SubscriptionStatus.PAST_DUE and subscription.suspended_at == world.now
    world.run_until(utc(2027, 2, 2))
    assert len(world.positions(subscription)) == 2
    lifecycle.reinstate(subscription.id, world.now)
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.suspended_at is None
    with pytest.raises(SubscriptionError):
        lifecycle.reinstate(subscription.id, world.now)


def test_a_customer_without_billing_profile_cannot_order(world: World) -> None:
    from backend.models import CustomerAccount

    world.at(utc(2027, 1, 1, 9))
    account = CustomerAccount(tenant_id=world.scope.tenant_id, number="C-X", name="No Profile")
    world.session.add(account)
    world.session.flush()
    with pytest.raises(SubscriptionError, match="billing profile"):
        world.order(account, world.plan("web", "10.00"))
