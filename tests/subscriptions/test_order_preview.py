"""The order preview equals what is charged: preview, then order for real, bill, compare to the cent.

Expected figures are worked out by hand in each test (tenant time zone Europe/Berlin, issuer in DE,
proration by the second, tax rounded half-up per invoice line).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from backend.invoicing import service as invoicing
from backend.models import (
    BillingTiming,
    OpenPosition,
    PromotionBenefit,
    PromotionRedemption,
    Subscription,
)
from backend.subscriptions.ordering import OrderRequest
from tests.billing.world import World, utc

D = Decimal


def counts(world: World) -> tuple[int, ...]:
    tenant = world.scope.tenant_id
    return tuple(
        int(world.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant)))
        for model in (Subscription, OpenPosition, PromotionRedemption)
    )


def test_the_preview_of_a_prorated_order_with_addon_and_promotion_is_what_the_invoice_charges(
    world: World,
) -> None:
    world.tenant.issuer_country = "DE"
    world.at(utc(2027, 1, 16, 9))  # 10:00 in Berlin
    customer = world.customer(country="DE")
    # 10.00 base + 20 % margin = 12.00 a month, anchored on the 1st: a stub period until Feb 1.
    plan = world.plan("vps", "10.00", margin_percent=D(20), billing_anchor_day=1)
    addon = world.addon("backup", "2.00", [plan])
    world.promotion("TEN", benefit=PromotionBenefit.PERCENT_OFF, percent_off=D(10))
    request = OrderRequest(customer.id, plan.id, addons={addon.id: 2}, promotion_code="ten")
    before = counts(world)

    preview = world.lifecycle().preview_order(request, world.now)

    assert counts(world) == before  # nothing kept: no subscription, charge or redemption
    # Periods start on the 1st at the order's local time (10:00): the stub is Jan 16 to Feb 1,
    # 16 of the 31 days of the period Jan 1 - Feb 1. Plan 12.00 x 16/31 = 6.1935... -> 6.19;
    # addon 2 x 2.00 x 16/31 = 2.0645... -> 2.06.
    assert [(line.net, line.tax_rate, line.tax) for line in preview.lines] == [
        (D("6.19"), D(19), D("1.18")),  # 1.1761
        (D("2.06"), D(19), D("0.39")),  # 0.3914
    ]
    # 10 % of 8.25 = 0.825 -> 0.83 off, its tax -0.1577 -> -0.16.
    assert [(line.net, line.tax) for line in preview.discounts] == [(D("-0.83"), D("-0.16"))]
    assert "TEN" in preview.promotion
    assert (preview.first_invoice.net, preview.first_invoice.tax, preview.first_invoice.gross) == (
        D("7.42"),
        D("1.41"),
        D("8.83"),
    )
    # A full month: 12.00 + 4.00 = 16.00, tax 2.28 + 0.76 = 3.04.
    assert (preview.recurring.net, preview.recurring.tax, preview.recurring.gross) == (
        D("16.00"),
        D("3.04"),
        D("19.04"),
    )
    assert (preview.tax.mode, preview.tax.rate, preview.interval) == ("domestic", D(19), "month")
    assert preview.first_charge_at == world.now and preview.currency == "EUR"

    world.lifecycle().order(request, world.now)
    [invoice] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    assert (invoice.net, invoice.tax, invoice.gross) == (D("7.42"), D("1.41"), D("8.83"))
    assert (invoice.net, invoice.tax, invoice.gross) == (
        preview.first_invoice.net,
        preview.first_invoice.tax,
        preview.first_invoice.gross,
    )
    assert str(invoice.tax_mode) == preview.tax.mode and invoice.tax_note == preview.tax.note
    assert [(line.net, line.tax) for line in world.lines(invoice)] == [
        (line.net, line.tax) for line in [*preview.lines, *preview.discounts]
    ]


def test_a_trial_is_previewed_with_its_first_charge_at_the_trial_end(world: World) -> None:
    world.tenant.issuer_country = "DE"
    world.at(utc(2027, 3, 1, 9))
    customer = world.customer(country="DE")
    plan = world.plan("trial", "20.00", trial_days=14, billing_timing=BillingTiming.ADVANCE)
    before = counts(world)

    preview = world.lifecycle().preview_order(OrderRequest(customer.id, plan.id), world.now)

    assert counts(world) == before
    assert preview.trial_end == preview.first_charge_at == utc(2027, 3, 15, 9)
    # The first month starts at the trial end: a whole period, 20.00 + 19 % = 23.80.
    assert [(line.net, line.tax) for line in preview.lines] == [(D("20.00"), D("3.80"))]
    assert (preview.recurring.net, preview.recurring.gross) == (D("20.00"), D("23.80"))

    world.lifecycle().order(OrderRequest(customer.id, plan.id), world.now)
    world.at(utc(2027, 3, 15, 9))
    [invoice] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    assert (
        (invoice.net, invoice.tax, invoice.gross)
        == (
            preview.first_invoice.net,
            preview.first_invoice.tax,
            preview.first_invoice.gross,
        )
        == (D("20.00"), D("3.80"), D("23.80"))
    )


def test_a_promotion_of_several_free_periods_shows_in_the_recurring_charge_and_ends_as_billed(
    world: World,
) -> None:
    world.tenant.issuer_country = "DE"
    world.at(utc(2027, 1, 16, 9))  # 10:00 in Berlin
    customer = world.customer(country="DE")
    # 12.00 a month anchored on the 1st; "first 3 months free": the stub Jan 16 - Feb 1 counts as one.
    plan = world.plan("vps", "12.00", billing_anchor_day=1)
    world.promotion("FREE3", benefit=PromotionBenefit.FREE_PERIODS, free_periods=3)
    request = OrderRequest(customer.id, plan.id, promotion_code="FREE3")

    preview = world.lifecycle().preview_order(request, world.now)

    # Stub 12.00 x 16/31 = 6.1935... -> 6.19, all of it free: the first invoice is 0.00.
    assert [(line.net, line.tax) for line in preview.lines] == [(D("6.19"), D("1.18"))]
    assert (preview.first_invoice.net, preview.first_invoice.gross) == (D("0.00"), D("0.00"))
    # The next period (February) is the second free one: 12.00 - 12.00 = 0.00 charged.
    assert [(line.net, line.tax) for line in preview.recurring_lines] == [(D("12.00"), D("2.28"))]
    assert [(line.net, line.tax) for line in preview.recurring_discounts] == [(D("-12.00"), D("-2.28"))]
    assert (preview.recurring.net, preview.recurring.tax, preview.recurring.gross) == (
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )
    # March is the third free one; from April 1 (10:00 Berlin = 08:00 UTC, summer time) 12.00 + 2.28.
    assert preview.regular_from == utc(2027, 4, 1, 8)
    assert (preview.regular.net, preview.regular.tax, preview.regular.gross) == (
        D("12.00"),
        D("2.28"),
        D("14.28"),
    )

    world.lifecycle().order(request, world.now)
    world.run_until(utc(2027, 4, 2, 9))
    invoices = [invoice for invoice in world.invoices() if invoice.customer_account_id == customer.id]
    # The invoice runs on the billing day (the 1st): Feb 1 gathers the stub and February (both
    # free: 6.19 + 12.00 - 18.19), Mar 1 the third free month, Apr 1 the first regular one.
    assert [(invoice.net, invoice.tax, invoice.gross) for invoice in invoices] == [
        (D("0.00"), D("0.00"), D("0.00")),
        (D("0.00"), D("0.00"), D("0.00")),
        (D("12.00"), D("2.28"), D("14.28")),
    ]
    march, april = invoices[1], invoices[2]
    assert (march.net, march.tax, march.gross) == (
        preview.recurring.net,
        preview.recurring.tax,
        preview.recurring.gross,
    )
    assert (april.net, april.tax, april.gross) == (
        preview.regular.net,
        preview.regular.tax,
        preview.regular.gross,
    )
    assert [line.period_start for line in world.lines(april)] == [preview.regular_from]


def test_a_one_off_promotion_leaves_the_recurring_charge_at_the_regular_price(world: World) -> None:
    world.tenant.issuer_country = "DE"
    world.at(utc(2027, 1, 16, 9))
    customer = world.customer(country="DE")
    plan = world.plan("vps", "12.00", billing_anchor_day=1)
    world.promotion("TEN", benefit=PromotionBenefit.PERCENT_OFF, percent_off=D(10))

    preview = world.lifecycle().preview_order(
        OrderRequest(customer.id, plan.id, promotion_code="TEN"), world.now
    )

    # 10 % off the first invoice only: the next month is 12.00 + 2.28, no discount, no end date.
    assert preview.recurring_discounts == [] and preview.regular_from is None
    assert (
        (preview.recurring.net, preview.recurring.gross)
        == (D("12.00"), D("14.28"))
        == (
            preview.regular.net,
            preview.regular.gross,
        )
    )
