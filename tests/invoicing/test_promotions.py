"""Every promotion kind on invoices made by the engine, with amounts worked out by hand.

Orders go through `Lifecycle.order(..., promotion_code=...)`, invoices through the coordinators
(the invoice run on the customer's billing day). The customer is a German consumer (19 % VAT,
7 % reduced); each line's tax is rounded half-up (away from zero for a negative discount line).
Rules (docs/decisions.md, "How promotions are consumed"): percent off and free days apply to the
first invoice, an amount off is used up over invoices, free periods cover the first N plan periods.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backend.catalog.repository import (
    PromotionRedemptionRepository,
    PromotionRepository,
)
from backend.invoicing import promotions
from backend.invoicing import service as invoicing
from backend.invoicing.repository import PromotionUseRepository
from backend.kit.errors import NotFoundError
from backend.models import (
    Invoice,
    InvoiceStatus,
    PromotionBenefit,
    PromotionRedemption,
    Subscription,
    TaxCategory,
)
from backend.subscriptions.errors import SubscriptionError
from tests.billing.world import World, utc

D = Decimal


def totals(invoice: Invoice) -> tuple[Decimal, Decimal, Decimal]:
    return invoice.net, invoice.tax, invoice.gross


def nets(world: World, invoice: Invoice) -> list[Decimal]:
    return [line.net for line in world.lines(invoice)]


def rows(world: World, model: type) -> int:
    statement = select(func.count()).select_from(model).where(model.tenant_id == world.scope.tenant_id)
    return int(world.session.scalar(statement) or 0)


# --- amount off --------------------------------------------------------------------------------


def test_an_amount_off_is_taken_off_the_first_invoice_once(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("SAVE4", benefit=PromotionBenefit.AMOUNT_OFF, amount_off=D("4.00"))
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"), promotion_code="save4")
    world.run_until(utc(2027, 3, 1, 12))
    first, second = world.invoices()
    # 10 Jan – 10 Feb: 10.00 (tax 1.90) less 4.00 (tax -0.76): net 6.00, tax 1.14, gross 7.14
    assert nets(world, first) == [D("10.00"), D("-4.00")]
    assert [line.tax for line in world.lines(first)] == [D("1.90"), D("-0.76")]
    assert totals(first) == (D("6.00"), D("1.14"), D("7.14"))
    # 10 Feb – 10 Mar: nothing left of the 4.00
    assert totals(second) == (D("10.00"), D("1.90"), D("11.90"))


def test_an_amount_off_larger_than_the_first_invoice_is_carried_to_the_next(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("BIG", benefit=PromotionBenefit.AMOUNT_OFF, amount_off=D("12.34"))
    world.order(world.customer(billing_day=1), world.plan("web", "9.99"), promotion_code="BIG")
    world.run_until(utc(2027, 4, 1, 12))
    first, second, third = world.invoices()
    # 1 Feb: 9.99 less 9.99 of the 12.34 → a zero invoice, issued as paid; 2.35 remain
    assert nets(world, first) == [D("9.99"), D("-9.99")]
    assert totals(first) == (D("0.00"), D("0.00"), D("0.00")) and first.status == InvoiceStatus.PAID
    # 1 Mar: 9.99 less 2.35 = 7.64; tax 9.99 × 19 % = 1.8981 → 1.90 and -2.35 × 19 % = -0.4465
    # → -0.45: 1.45; gross 9.09
    assert nets(world, second) == [D("9.99"), D("-2.35")]
    assert totals(second) == (D("7.64"), D("1.45"), D("9.09"))
    # 1 Apr: the 12.34 are used up
    assert totals(third) == (D("9.99"), D("1.90"), D("11.89"))
    redemption = world.session.scalars(
        select(PromotionRedemption).where(PromotionRedemption.tenant_id == world.scope.tenant_id)
    ).one()
    assert redemption.amount_used == D("12.34")  # 9.99 + 2.35


def test_an_amount_off_in_another_currency_is_refused_at_order_and_nothing_is_created(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("USD5", benefit=PromotionBenefit.AMOUNT_OFF, amount_off=D("5.00"), currency="USD")
    customer = world.customer(billing_day=1)
    with pytest.raises(SubscriptionError, match="The promotion code USD5 does not apply to prices in EUR"):
        world.order(customer, world.plan("web", "10.00"), promotion_code="USD5")
    assert (rows(world, Subscription), rows(world, PromotionRedemption)) == (0, 0)
    assert world.positions() == []


def test_an_amount_off_applies_only_to_the_invoice_in_its_currency(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("USD5", benefit=PromotionBenefit.AMOUNT_OFF, amount_off=D("5.00"), currency="USD")
    customer = world.customer(billing_day=1)
    world.order(customer, world.plan("us", "10.00", currency="USD"), promotion_code="USD5")
    world.order(customer, world.plan("eu", "10.00"))
    world.run_until(utc(2027, 2, 1, 12))
    invoices = {invoice.currency: invoice for invoice in world.invoices()}
    # USD: 10.00 less 5.00 = 5.00; tax 1.90 - 0.95 = 0.95; gross 5.95. EUR: untouched
    assert totals(invoices["USD"]) == (D("5.00"), D("0.95"), D("5.95"))
    assert totals(invoices["EUR"]) == (D("10.00"), D("1.90"), D("11.90"))


# --- percent off -------------------------------------------------------------------------------


def test_percent_off_discounts_each_tax_category_of_the_first_invoice(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("QUARTER", benefit=PromotionBenefit.PERCENT_OFF, percent_off=D("25"))
    plan = world.plan("web", "9.99")
    ebook = world.addon("ebook", "3.33", [plan], tax_category=TaxCategory.REDUCED)
    world.order(world.customer(billing_day=1), plan, addons={ebook.id: 1}, promotion_code="QUARTER")
    world.run_until(utc(2027, 3, 1, 12))
    first, second = world.invoices()
    lines = [(line.net, line.tax_rate, line.tax) for line in world.lines(first)]
    assert lines == [
        (D("9.99"), D("19"), D("1.90")),  # 9.99 × 19 % = 1.8981 → 1.90
        (D("3.33"), D("7"), D("0.23")),  # 3.33 × 7 % = 0.2331 → 0.23
        (D("-2.50"), D("19"), D("-0.48")),  # 9.99 × 25 % = 2.4975 → 2.50; × 19 % = 0.475 → 0.48
        (D("-0.83"), D("7"), D("-0.06")),  # 3.33 × 25 % = 0.8325 → 0.83; × 7 % = 0.0581 → 0.06
    ]
    # net 9.99 + 3.33 - 2.50 - 0.83 = 9.99; tax 1.90 + 0.23 - 0.48 - 0.06 = 1.59; gross 11.58
    assert totals(first) == (D("9.99"), D("1.59"), D("11.58"))
    # the second invoice pays in full: 13.32; tax 1.90 + 0.23 = 2.13; gross 15.45
    assert totals(second) == (D("13.32"), D("2.13"), D("15.45"))


def test_percent_off_applies_to_the_price_with_margins(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("TEN", benefit=PromotionBenefit.PERCENT_OFF, percent_off=D("10"))
    plan = world.plan("web", "10.10", margin_percent=D("5"), margin_fixed=D("1.00"))
    world.order(world.customer(billing_day=1), plan, promotion_code="TEN")
    world.run_until(utc(2027, 2, 1, 12))
    [invoice] = world.invoices()
    # 10.10 × 1.05 + 1.00 = 11.605 → 11.61; 10 % of 11.61 = 1.161 → 1.16; net 10.45
    # tax 11.61 × 19 % = 2.2059 → 2.21 and -1.16 × 19 % = -0.2204 → -0.22: 1.99; gross 12.44
    assert nets(world, invoice) == [D("11.61"), D("-1.16")]
    assert totals(invoice) == (D("10.45"), D("1.99"), D("12.44"))


# --- free days ---------------------------------------------------------------------------------


def test_free_days_on_a_prorated_first_period(world: World) -> None:
    world.at(utc(2027, 1, 21, 23))  # 22 Jan 00:00 in Berlin
    world.promotion("WEEK", benefit=PromotionBenefit.FREE_DAYS, free_days=7)
    plan = world.plan("web", "30.00", billing_anchor_day=1)
    world.order(world.customer(billing_day=1), plan, promotion_code="WEEK")
    world.run_until(utc(2027, 3, 1, 12))
    first, second = world.invoices()
    # 22 Jan – 1 Feb is 10 of January's 31 days: 30.00 × 10/31 = 9.677… → 9.68; the 7 free days
    # are 7 of the line's 10 days: 9.68 × 7/10 = 6.776 → 6.78. 1 Feb – 1 Mar is charged in full.
    assert nets(world, first) == [D("9.68"), D("30.00"), D("-6.78")]
    # net 9.68 + 30.00 - 6.78 = 32.90; tax 1.8392 → 1.84, 5.70, -1.2882 → -1.29: 6.25; gross 39.15
    assert totals(first) == (D("32.90"), D("6.25"), D("39.15"))
    assert totals(second) == (D("30.00"), D("5.70"), D("35.70"))  # 1 Mar – 1 Apr, no free days


def test_free_days_are_calendar_days_and_run_on_into_the_next_period_of_the_first_invoice(
    world: World,
) -> None:
    world.at(utc(2027, 3, 19, 23))  # 20 Mar 00:00 CET; clocks go forward on 28 Mar
    world.promotion("FORTNIGHT", benefit=PromotionBenefit.FREE_DAYS, free_days=14)
    plan = world.plan("web", "74.30", billing_anchor_day=1)
    world.order(world.customer(billing_day=1), plan, promotion_code="FORTNIGHT")
    world.run_until(utc(2027, 4, 1, 12))
    [invoice] = world.invoices()
    # stub 20 Mar 00:00 CET – 1 Apr 00:00 CEST = 287 h of March's 743 h: 74.30 × 287/743 = 28.70
    # April 1 Apr – 1 May = 720 h: 74.30. Free: 20 Mar 00:00 – 3 Apr 00:00 local (14 calendar days,
    # 335 h): the whole stub (28.70) and 48 h of April (74.30 × 48/720 = 4.9533…): 33.6533… → 33.65
    # (14 × 24 h would reach 3 Apr 01:00 and give 28.70 + 74.30 × 49/720 = 33.7565… → 33.76)
    assert nets(world, invoice) == [D("28.70"), D("74.30"), D("-33.65")]
    # tax 5.453 → 5.45, 14.117 → 14.12, -6.3935 → -6.39: 13.18; net 69.35; gross 82.53
    assert totals(invoice) == (D("69.35"), D("13.18"), D("82.53"))


# --- free periods ------------------------------------------------------------------------------


def test_free_periods_cover_the_first_plan_periods_of_an_interval_count(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("TWOFREE", benefit=PromotionBenefit.FREE_PERIODS, free_periods=2)
    plan = world.plan("quarterly", "29.97", interval_count=3)
    backup = world.addon("backup", "1.00", [plan])  # 1.00 a month: 3.00 per 3-month period
    world.order(world.customer(billing_day=1), plan, addons={backup.id: 1}, promotion_code="TWOFREE")
    world.run_until(utc(2027, 8, 1, 12))
    first, second, third = world.invoices()
    # 10 Jan – 10 Apr and 10 Apr – 10 Jul: the plan is free, the addon is not:
    # 29.97 + 3.00 - 29.97 = 3.00; tax 5.6943 → 5.69, 0.57, -5.69: 0.57; gross 3.57
    for invoice in (first, second):
        assert nets(world, invoice) == [D("29.97"), D("3.00"), D("-29.97")]
        assert totals(invoice) == (D("3.00"), D("0.57"), D("3.57"))
    # 10 Jul – 10 Oct: 32.97; tax 5.69 + 0.57 = 6.26; gross 39.23
    assert totals(third) == (D("32.97"), D("6.26"), D("39.23"))


def test_a_prorated_first_period_counts_as_one_free_period(world: World) -> None:
    world.at(utc(2027, 1, 21, 23))  # 22 Jan 00:00 in Berlin
    world.promotion("ONEFREE", benefit=PromotionBenefit.FREE_PERIODS, free_periods=1)
    plan = world.plan("web", "31.00", billing_anchor_day=1)
    world.order(world.customer(billing_day=1), plan, promotion_code="ONEFREE")
    world.run_until(utc(2027, 2, 1, 12))
    [invoice] = world.invoices()
    # stub 22 Jan – 1 Feb: 31.00 × 10/31 = 10.00, free; 1 Feb – 1 Mar: 31.00; tax 5.89; gross 36.89
    assert nets(world, invoice) == [D("10.00"), D("31.00"), D("-10.00")]
    assert totals(invoice) == (D("31.00"), D("5.89"), D("36.89"))


# --- an invoice that waits uses nothing -------------------------------------------------------


def test_an_invoice_that_waits_for_the_minimum_uses_no_promotion(world: World) -> None:
    world.tenant.settings = {"billing": {"minimum_invoice_amount": "20.00"}}
    world.session.flush()
    world.at(utc(2027, 1, 10, 9))
    world.promotion("SAVE3", benefit=PromotionBenefit.AMOUNT_OFF, amount_off=D("3.00"))
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"), promotion_code="SAVE3")
    world.run_until(utc(2027, 2, 2))
    assert world.invoices() == []  # 10.00 - 3.00 = 7.00, gross 8.33 < 20.00: waits
    world.run_until(utc(2027, 3, 2))
    [invoice] = world.invoices()
    # 10 Jan – 10 Feb and 10 Feb – 10 Mar: 20.00 less the whole 3.00 = 17.00; tax 1.90 + 1.90 - 0.57
    # = 3.23; gross 20.23 ≥ 20.00
    assert nets(world, invoice) == [D("10.00"), D("10.00"), D("-3.00")]
    assert totals(invoice) == (D("17.00"), D("3.23"), D("20.23"))


# --- voiding gives back what the invoice used -------------------------------------------------


def void(world: World, invoice: Invoice) -> None:
    assert invoice.id is not None
    invoicing.void_invoice(
        world.session, world.scope, invoice.id, "Wrong invoice", world.now, actor=world.admin
    )


def counts(world: World, code: str, customer_id: int) -> tuple[int, int]:
    promotion = PromotionRepository(world.session, world.scope).by_code(code)
    assert promotion is not None and promotion.id is not None
    return counts_in(world, promotion.id, customer_id)


def counts_in(world: World, promotion_id: int, customer_id: int) -> tuple[int, int]:
    return PromotionRedemptionRepository(world.session, world.scope).counts(promotion_id, customer_id)


def test_voiding_the_first_invoice_gives_the_amount_off_to_the_next(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("SAVE6", benefit=PromotionBenefit.AMOUNT_OFF, amount_off=D("6.00"))
    customer = world.customer(billing_day=1)
    world.order(customer, world.plan("web", "10.00"), promotion_code="SAVE6")
    world.run_until(utc(2027, 2, 1, 12))
    [first] = world.invoices()
    # 10.00 - 6.00 = 4.00; tax 1.90 - 1.14 = 0.76; gross 4.76
    assert totals(first) == (D("4.00"), D("0.76"), D("4.76"))
    void(world, first)
    world.run_until(utc(2027, 4, 1, 12))
    _, second, third = world.invoices()
    assert nets(world, second) == [D("10.00"), D("-6.00")]  # the 6.00 again
    assert totals(second) == (D("4.00"), D("0.76"), D("4.76"))
    assert totals(third) == (D("10.00"), D("1.90"), D("11.90"))  # used up
    assert counts(world, "SAVE6", customer.id) == (1, 1)  # the subscription still holds it


def test_voiding_a_later_invoice_gives_back_the_part_of_the_amount_it_used(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("SAVE15", benefit=PromotionBenefit.AMOUNT_OFF, amount_off=D("15.00"))
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"), promotion_code="SAVE15")
    world.run_until(utc(2027, 3, 1, 12))
    first, second = world.invoices()
    assert totals(first) == (D("0.00"), D("0.00"), D("0.00"))  # 10.00 - 10.00, 5.00 remain
    assert nets(world, second) == [D("10.00"), D("-5.00")]  # gross 5.00 + 0.95 = 5.95
    void(world, second)
    world.run_until(utc(2027, 5, 1, 12))
    _, _, third, fourth = world.invoices()
    assert nets(world, third) == [D("10.00"), D("-5.00")]  # the 5.00 the void gave back
    assert totals(third) == (D("5.00"), D("0.95"), D("5.95"))
    assert nets(world, fourth) == [D("10.00")]


def test_voiding_the_first_invoice_gives_percent_off_to_the_next(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("TEN", benefit=PromotionBenefit.PERCENT_OFF, percent_off=D("10"))
    customer = world.customer(billing_day=1)
    world.order(customer, world.plan("web", "10.00"), promotion_code="TEN")
    world.run_until(utc(2027, 2, 1, 12))
    [first] = world.invoices()
    assert totals(first) == (D("9.00"), D("1.71"), D("10.71"))  # 10 % of 10.00 = 1.00 off
    void(world, first)
    world.run_until(utc(2027, 4, 1, 12))
    _, second, third = world.invoices()
    assert totals(second) == (D("9.00"), D("1.71"), D("10.71"))
    assert totals(third) == (D("10.00"), D("1.90"), D("11.90"))


def test_voiding_gives_back_free_days(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("WEEK", benefit=PromotionBenefit.FREE_DAYS, free_days=7)
    world.order(world.customer(billing_day=1), world.plan("web", "31.00"), promotion_code="WEEK")
    world.run_until(utc(2027, 2, 1, 12))
    [first] = world.invoices()
    # 10 Jan – 10 Feb is 31 days: 7 free days are 31.00 × 7/31 = 7.00
    assert nets(world, first) == [D("31.00"), D("-7.00")]
    void(world, first)
    world.run_until(utc(2027, 4, 1, 12))
    _, second, third = world.invoices()
    # 10 Feb – 10 Mar is 28 days: 7 free days are 31.00 × 7/28 = 7.75
    assert nets(world, second) == [D("31.00"), D("-7.75")]
    assert nets(world, third) == [D("31.00")]


def test_voiding_gives_back_a_free_period(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("ONEFREE", benefit=PromotionBenefit.FREE_PERIODS, free_periods=1)
    plan = world.plan("web", "10.00")
    backup = world.addon("backup", "2.00", [plan])
    world.order(world.customer(billing_day=1), plan, addons={backup.id: 1}, promotion_code="ONEFREE")
    world.run_until(utc(2027, 2, 1, 12))
    [first] = world.invoices()
    # the plan is free, the addon is not: 2.00; tax 0.38; gross 2.38
    assert totals(first) == (D("2.00"), D("0.38"), D("2.38"))
    void(world, first)
    world.run_until(utc(2027, 4, 1, 12))
    _, second, third = world.invoices()
    assert totals(second) == (D("2.00"), D("0.38"), D("2.38"))
    assert totals(third) == (D("12.00"), D("2.28"), D("14.28"))


def test_a_redemption_no_invoice_used_stops_counting_once_its_subscription_ended(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("TEN", benefit=PromotionBenefit.PERCENT_OFF, percent_off=D("10"), max_per_customer=1)
    customer = world.customer(billing_day=1)
    plan = world.plan("web", "10.00")
    subscription = world.order(customer, plan, promotion_code="TEN")
    world.run_until(utc(2027, 2, 1, 12))
    [first] = world.invoices()
    assert totals(first) == (D("9.00"), D("1.71"), D("10.71"))
    assert counts(world, "TEN", customer.id) == (1, 1)
    world.lifecycle().cancel_immediately(subscription.id, world.now)
    assert counts(world, "TEN", customer.id) == (1, 1)  # the first invoice still uses it
    void(world, first)
    assert counts(world, "TEN", customer.id) == (0, 0)
    world.at(utc(2027, 2, 2, 9))
    world.order(customer, plan, promotion_code="TEN")  # the code can be used again
    world.run_until(utc(2027, 3, 1, 12))
    # 2 Feb – 2 Mar: 10.00; 10 % off: 9.00; gross 10.71
    assert totals(world.invoices()[-1]) == (D("9.00"), D("1.71"), D("10.71"))


def test_a_trial_canceled_before_any_invoice_gives_the_code_back(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("TEN", benefit=PromotionBenefit.PERCENT_OFF, percent_off=D("10"), max_per_customer=1)
    customer = world.customer(billing_day=1)
    subscription = world.order(customer, world.plan("web", "10.00", trial_days=14), promotion_code="TEN")
    assert counts(world, "TEN", customer.id) == (1, 1)
    world.lifecycle().cancel(subscription.id, world.now)  # during the trial: nothing is charged
    world.run_until(utc(2027, 2, 1, 12))
    assert world.invoices() == [] and counts(world, "TEN", customer.id) == (0, 0)


def test_bill_now_uses_promotions_like_the_invoice_run(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("SAVE15", benefit=PromotionBenefit.AMOUNT_OFF, amount_off=D("15.00"))
    customer = world.customer(billing_day=1)
    world.order(customer, world.plan("web", "10.00"), promotion_code="SAVE15")
    [first] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    assert nets(world, first) == [D("10.00"), D("-10.00")]  # 5.00 of the 15.00 remain
    world.at(utc(2027, 2, 10, 9))
    [second] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    # 10 Feb – 10 Mar: 10.00 less the remaining 5.00; tax 1.90 - 0.95 = 0.95; gross 5.95
    assert nets(world, second) == [D("10.00"), D("-5.00")]
    assert totals(second) == (D("5.00"), D("0.95"), D("5.95"))


def test_another_tenant_can_neither_see_nor_give_back_promotion_uses(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    world.promotion("SAVE6", benefit=PromotionBenefit.AMOUNT_OFF, amount_off=D("6.00"))
    world.order(world.customer(billing_day=1), world.plan("web", "10.00"), promotion_code="SAVE6")
    world.run_until(utc(2027, 2, 1, 12))
    [invoice] = world.invoices()
    redemption = world.session.scalars(
        select(PromotionRedemption).where(PromotionRedemption.tenant_id == world.scope.tenant_id)
    ).one()
    other = World(world.session, world.clock)
    uses_as_other = PromotionUseRepository(world.session, other.scope)
    assert uses_as_other.live_for_invoice(invoice.id) == []
    assert uses_as_other.first_live_invoice(redemption.id) is None
    assert counts_in(other, redemption.promotion_id, redemption.customer_account_id) == (0, 0)
    with pytest.raises(NotFoundError):
        invoicing.void_invoice(
            world.session, other.scope, invoice.id, "not mine", world.now, actor=other.admin
        )
    assert promotions.give_back(world.session, other.scope, invoice.id, world.now) == 0
    assert (redemption.amount_used, redemption.invoice_id) == (D("6.00"), invoice.id)
    [use] = PromotionUseRepository(world.session, world.scope).live_for_invoice(invoice.id)
    assert use[0].amount_used == D("6.00") and use[0].returned_at is None
