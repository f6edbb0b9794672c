"""Adding and removing addons on a running subscription: to the cent, billed in advance and in
arrears, the preview equal to what the billing run and the invoice charge, refusals that change
nothing, and a billing job run twice that charges once.

Expected figures are worked out by hand (tenant time zone Europe/Berlin, orders at 10:00 local =
09:00 UTC in winter; proration by the second; 19 % German VAT rounded half-up per line).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backend.billing import tasks as billing_tasks
from backend.invoicing import service as invoicing
from backend.models import (
    AuditLogEntry,
    BillingTiming,
    CreditNote,
    IntervalUnit,
    OpenPosition,
    Subscription,
    SubscriptionAddon,
)
from backend.scheduling import simulation
from backend.subscriptions import previews
from backend.subscriptions.errors import SubscriptionError
from tests.billing.world import World, utc

D = Decimal
BILLING = {billing_tasks.SUBSCRIPTION_BILLING.name}


def rows(world: World) -> tuple[int, ...]:
    tenant = world.scope.tenant_id
    return tuple(
        int(world.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant)))
        for model in (Subscription, OpenPosition, SubscriptionAddon, AuditLogEntry, CreditNote)
    )


def billing_run(world: World) -> None:
    """The billing job as the scheduler runs it, twice: the second run must add nothing."""
    simulation.tick(world.session, world.scope, world.now, only=BILLING)
    before = rows(world)
    simulation.tick(world.session, world.scope, world.now, only=BILLING)
    assert rows(world) == before


def charges(world: World, subscription: Subscription) -> list[tuple[str, D]]:
    return [(p.description, p.amount) for p in world.positions(subscription)]


def bill(world: World, subscription: Subscription) -> tuple[D, D, D]:
    [invoice] = invoicing.bill_now(
        world.session,
        world.scope,
        world.now,
        customer_account_id=subscription.customer_account_id,
        actor=world.admin,
    )
    return invoice.net, invoice.tax, invoice.gross


def test_adding_an_addon_in_advance_charges_the_rest_of_the_period_now_and_the_full_price_after(
    world: World,
) -> None:
    world.at(utc(2027, 1, 1, 9))
    plan = world.plan("web", "10.00")
    backup = world.addon("backup", "3.10", [plan])
    subscription = world.order(world.customer(), plan)
    assert bill(world, subscription) == (D("10.00"), D("1.90"), D("11.90"))
    world.at(utc(2027, 1, 11, 9))
    before = rows(world)

    preview = world.lifecycle().preview_add_addon(subscription.id, backup.id, 2, world.now)

    assert rows(world) == before  # a preview changes nothing
    # Jan 11 09:00 to Feb 1 09:00 UTC is 21 of the period's 31 days: 2 x 3.10 x 21/31 = 4.20.
    assert [(line.description, line.amount) for line in preview.lines] == [("Backup (prorated)", D("4.20"))]
    assert (preview.lines[0].period_start, preview.lines[0].period_end) == (world.now, utc(2027, 2, 1, 9))
    assert preview.total == D("4.20") and not preview.charged_at_period_end
    # A full month: 10.00 before; 10.00 + 2 x 3.10 = 16.20 after.
    assert (preview.recurring_before, preview.recurring_after) == (D("10.00"), D("16.20"))

    added = world.lifecycle().add_addon(subscription.id, backup.id, 2, world.now)

    assert added == preview
    billing_run(world)  # nothing is due: the addon's part of January is charged once, by the change
    # 4.20 net, tax 0.798 -> 0.80.
    assert bill(world, subscription) == (D("4.20"), D("0.80"), D("5.00"))
    audit = world.session.scalars(
        select(AuditLogEntry).where(
            AuditLogEntry.tenant_id == world.scope.tenant_id, AuditLogEntry.action == "subscription.add_addon"
        )
    ).one()
    assert audit.object_id == subscription.number and audit.after["charged_now"] == "4.20"

    world.at(utc(2027, 2, 1, 9))
    billing_run(world)
    assert charges(world, subscription)[-2:] == [("Web", D("10.00")), ("Backup", D("6.20"))]
    assert bill(world, subscription) == (D("16.20"), D("3.08"), D("19.28"))  # 1.90 + 1.178 -> 1.18


def test_removing_an_addon_paid_in_advance_credits_its_unused_time_on_the_invoice(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    plan = world.plan("web", "10.00")
    backup = world.addon("backup", "3.10", [plan])
    subscription = world.order(world.customer(), plan, addons={backup.id: 2})
    assert bill(world, subscription) == (D("16.20"), D("3.08"), D("19.28"))
    world.at(utc(2027, 1, 21, 9))
    before = rows(world)

    preview = world.lifecycle().preview_remove_addon(subscription.id, backup.id, world.now)

    assert rows(world) == before
    # Jan 21 to Feb 1 is 11 of the 31 days the invoiced 6.20 covered: 6.20 x 11/31 = 2.20 back.
    assert [(line.description, line.amount) for line in preview.lines] == [
        ("Credit for unused time: Backup", D("-2.20"))
    ]
    assert (preview.total, preview.recurring_before, preview.recurring_after) == (
        D("-2.20"),
        D("16.20"),
        D("10.00"),
    )

    removed = world.lifecycle().remove_addon(subscription.id, backup.id, world.now)

    assert removed == preview
    audit = world.session.scalars(
        select(AuditLogEntry).where(
            AuditLogEntry.tenant_id == world.scope.tenant_id,
            AuditLogEntry.action == "subscription.remove_addon",
        )
    ).one()
    assert audit.before == {"addon": "Backup", "quantity": 2} and audit.after["charged_now"] == "-2.20"
    # The charge was invoiced: the credit is a credit note of 2.20 net, tax 0.418 -> 0.42.
    [note] = world.session.scalars(
        select(CreditNote).where(CreditNote.tenant_id == world.scope.tenant_id)
    ).all()
    assert (note.net, note.tax, note.gross) == (D("2.20"), D("0.42"), D("2.62"))
    world.at(utc(2027, 2, 1, 9))
    billing_run(world)
    assert charges(world, subscription)[-1] == ("Web", D("10.00"))  # no addon from February on
    assert bill(world, subscription) == (D("10.00"), D("1.90"), D("11.90"))


def test_an_addon_added_and_removed_before_invoicing_nets_out_on_one_invoice(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    plan = world.plan("web", "10.00")
    backup = world.addon("backup", "3.10", [plan])
    subscription = world.order(world.customer(), plan)
    world.at(utc(2027, 1, 11, 9))
    added = world.lifecycle().add_addon(subscription.id, backup.id, 2, world.now)
    world.at(utc(2027, 1, 21, 9))
    removed = world.lifecycle().remove_addon(subscription.id, backup.id, world.now)
    # Charged 4.20 for Jan 11 - Feb 1 (21 days); 11 of those 21 days unused: 4.20 x 11/21 = 2.20 back.
    assert (added.total, removed.total) == (D("4.20"), D("-2.20"))
    # 10.00 + 4.20 - 2.20 = 12.00 net; tax per line 1.90 + 0.80 - 0.42 = 2.28.
    assert bill(world, subscription) == (D("12.00"), D("2.28"), D("14.28"))


def test_billed_in_arrears_an_added_addon_is_charged_with_the_period_for_the_time_it_was_attached(
    world: World,
) -> None:
    world.at(utc(2027, 1, 1, 9))
    plan = world.plan("metered", "10.00", billing_timing=BillingTiming.ARREAR)
    backup = world.addon("backup", "3.10", [plan])
    subscription = world.order(world.customer(), plan)
    world.at(utc(2027, 1, 11, 9))

    preview = world.lifecycle().preview_add_addon(subscription.id, backup.id, 1, world.now)
    added = world.lifecycle().add_addon(subscription.id, backup.id, 1, world.now)

    assert added == preview
    assert (preview.lines, preview.total, preview.charged_at_period_end) == ([], D(0), True)
    assert preview.recurring_after == D("13.10")
    # The period's charge at its end: 10.00 and the addon for 21 of 31 days, 3.10 x 21/31 = 2.10.
    upcoming = previews.preview_next_charge(world.session, world.scope, subscription.id)
    assert upcoming is not None and (upcoming.at, upcoming.amount) == (utc(2027, 2, 1, 9), D("12.10"))
    world.at(utc(2027, 2, 1, 9))
    billing_run(world)
    assert charges(world, subscription) == [("Metered", D("10.00")), ("Backup (prorated)", D("2.10"))]
    # Tax 1.90 + 0.399 -> 0.40 = 2.30.
    assert bill(world, subscription) == (D("12.10"), D("2.30"), D("14.40"))


def test_billed_in_arrears_a_removed_addon_is_charged_for_its_used_part_once(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    plan = world.plan("metered", "10.00", billing_timing=BillingTiming.ARREAR)
    backup = world.addon("backup", "3.10", [plan])
    subscription = world.order(world.customer(), plan, addons={backup.id: 1})
    world.at(utc(2027, 1, 21, 9))

    preview = world.lifecycle().preview_remove_addon(subscription.id, backup.id, world.now)
    removed = world.lifecycle().remove_addon(subscription.id, backup.id, world.now)

    # Used Jan 1 - Jan 21, 20 of 31 days: 3.10 x 20/31 = 2.00, charged now.
    assert removed == preview
    assert [(line.description, line.amount) for line in preview.lines] == [("Backup (prorated)", D("2.00"))]
    assert (preview.total, preview.recurring_before, preview.recurring_after) == (
        D("2.00"),
        D("13.10"),
        D("10.00"),
    )
    world.at(utc(2027, 2, 1, 9))
    billing_run(world)  # the period's charge finds the addon's part already charged
    assert charges(world, subscription) == [("Backup (prorated)", D("2.00")), ("Metered", D("10.00"))]
    assert bill(world, subscription) == (D("12.00"), D("2.28"), D("14.28"))  # 0.38 + 1.90


def test_an_addon_priced_per_month_on_a_quarterly_plan_is_prorated_on_the_plan_period(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    plan = world.plan("quarter", "30.00", interval_unit=IntervalUnit.MONTH, interval_count=3)
    ip = world.addon("ip", "2.00", [plan])  # per month: 6.00 per quarter
    subscription = world.order(world.customer(), plan)
    world.at(utc(2027, 2, 15, 9))

    preview = world.lifecycle().preview_add_addon(subscription.id, ip.id, 1, world.now)

    # The quarter runs Jan 1 10:00 to Apr 1 10:00 Berlin; summer time starts Mar 28, so it is
    # 09:00 UTC to 08:00 UTC: 90 days - 1 h = 2159 h. From Feb 15 09:00 UTC: 45 days - 1 h = 1079 h.
    # 6.00 x 1079/2159 = 2.9986... -> 3.00.
    assert [line.amount for line in preview.lines] == [D("3.00")]
    assert (preview.recurring_before, preview.recurring_after) == (D("30.00"), D("36.00"))
    world.lifecycle().add_addon(subscription.id, ip.id, 1, world.now)
    world.at(utc(2027, 4, 1, 8))
    billing_run(world)
    assert charges(world, subscription)[-2:] == [("Quarter", D("30.00")), ("Ip", D("6.00"))]


def test_during_a_trial_an_added_addon_costs_nothing_until_the_trial_ends(world: World) -> None:
    world.at(utc(2027, 1, 1, 9))
    plan = world.plan("trial", "10.00", trial_days=14)
    backup = world.addon("backup", "3.10", [plan])
    subscription = world.order(world.customer(), plan)
    world.at(utc(2027, 1, 5, 9))
    added = world.lifecycle().add_addon(subscription.id, backup.id, 1, world.now)
    assert (added.lines, added.total, added.recurring_after) == ([], D(0), D("13.10"))
    world.at(utc(2027, 1, 15, 9))
    billing_run(world)
    assert charges(world, subscription) == [("Trial", D("10.00")), ("Backup", D("3.10"))]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("not_allowed", "The addon Ssd is not available with Web"),
        ("already", "Backup is already part of this subscription"),
        ("not_attached", "Ssd is not part of this subscription"),
        ("quantity", "Choose between 1 and 10000 of Ip"),
        ("canceling", "being canceled; resume it before adding an addon"),
        ("canceled", "The addons of a canceled subscription cannot be changed"),
        ("inactive", "The addon Ip is not available with Web"),
    ],
)
def test_a_refused_addon_change_names_why_and_changes_nothing(world: World, step: str, message: str) -> None:
    world.at(utc(2027, 1, 1, 9))
    plan = world.plan("web", "10.00")
    backup = world.addon("backup", "3.10", [plan])
    ip = world.addon("ip", "1.00", [plan])
    ssd = world.addon("ssd", "5.00", [])
    subscription = world.order(world.customer(), plan, addons={backup.id: 1})
    lifecycle = world.lifecycle()
    world.at(utc(2027, 1, 10, 9))
    if step == "canceling":
        lifecycle.cancel(subscription.id, world.now)
    if step == "canceled":
        lifecycle.cancel_immediately(subscription.id, world.now)
    if step == "inactive":
        ip.active = False
    before = (rows(world), subscription.status)
    with pytest.raises(SubscriptionError, match=message):
        if step == "already":
            lifecycle.add_addon(subscription.id, backup.id, 1, world.now)
        elif step == "not_attached":
            lifecycle.remove_addon(subscription.id, ssd.id, world.now)
        elif step == "quantity":
            lifecycle.add_addon(subscription.id, ip.id, 10_001, world.now)
        elif step in ("canceling", "canceled", "inactive"):
            lifecycle.add_addon(subscription.id, ip.id, 1, world.now)
        else:
            lifecycle.add_addon(subscription.id, ssd.id, 1, world.now)
    assert (rows(world), subscription.status) == before
    with pytest.raises(SubscriptionError, match=message):  # the preview refuses the same way
        if step == "not_attached":
            lifecycle.preview_remove_addon(subscription.id, ssd.id, world.now)
        elif step == "quantity":
            lifecycle.preview_add_addon(subscription.id, ip.id, 0, world.now)
        else:
            addon = {"already": backup, "not_allowed": ssd}.get(step, ip)
            lifecycle.preview_add_addon(subscription.id, addon.id, 1, world.now)
    assert rows(world)[:3] == before[0][:3]
