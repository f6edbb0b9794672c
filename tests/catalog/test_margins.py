"""Margins on invoices made by the engine, and the price the customer dashboard shows.

A plan's net price per period is base × (1 + margin % / 100) + fixed margin; each invoice line is
rounded half-up to the cent, and its 19 % German VAT too. Every expected amount below is worked
out by hand in the comment next to it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.reporting import dashboard
from tests.billing.world import World, utc


def dashboard_prices(world: World, customer_id: int) -> list[str]:
    overview = dashboard.customer_overview(world.session, world.scope, customer_id)
    return [summary.price for summary in overview.subscriptions]


def test_the_dashboard_shows_what_the_engine_charges_for_a_full_period(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    customer = world.customer(billing_day=1)
    plan = world.plan("web", "10.10", margin_percent=Decimal("5"), margin_fixed=Decimal("1.00"))
    world.order(customer, plan)
    # 10.10 × (1 + 5/100) = 10.605; + 1.00 = 11.605 → 11.61 half-up (half-even would give 11.60)
    assert dashboard_prices(world, customer.id) == ["11.61 EUR / month"]

    world.run_until(utc(2027, 2, 1, 12))
    [invoice] = world.invoices()
    [line] = world.lines(invoice)
    # ordered 10 Jan without an anchor day: 10 Jan – 10 Feb is one full period
    assert (line.period_start, line.period_end) == (utc(2027, 1, 10, 9), utc(2027, 2, 10, 9))
    assert line.net == Decimal("11.61")
    assert dashboard_prices(world, customer.id) == [f"{line.net:.2f} EUR / month"]


def test_the_dashboard_shows_the_price_of_the_running_period_until_a_new_one_starts(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    customer = world.customer(billing_day=1)
    plan = world.plan("web", "10.00", margin_percent=Decimal("20"))
    world.order(customer, plan)  # 10.00 × 1.20 = 12.00 for 10 Jan – 10 Feb
    world.at(utc(2027, 1, 20, 9))
    plan.margin_fixed = Decimal("0.50")  # from the next period on: 12.00 + 0.50 = 12.50
    world.session.flush()
    assert dashboard_prices(world, customer.id) == ["12.00 EUR / month"]

    world.run_until(utc(2027, 2, 10, 12))  # the period 10 Feb – 10 Mar is charged at the new price
    assert [p.amount for p in world.positions()] == [Decimal("12.00"), Decimal("12.50")]
    assert dashboard_prices(world, customer.id) == ["12.50 EUR / month"]


MARGINS = [
    # base, percent, fixed, net per month, tax = net × 19 % rounded half-up, gross
    # 10.00 × 1.125 = 11.25; tax 2.1375 → 2.14; gross 13.39
    ("10.00", "12.5", "0", "11.25", "2.14", "13.39"),
    # 10.00 + 1.99 = 11.99; tax 2.2781 → 2.28; gross 14.27
    ("10.00", "0", "1.99", "11.99", "2.28", "14.27"),
    # 8.40 × 1.15 = 9.66; + 0.35 = 10.01 (the percent applies to the base only:
    # (8.40 + 0.35) × 1.15 would be 10.0625 → 10.06); tax 1.9019 → 1.90; gross 11.91
    ("8.40", "15", "0.35", "10.01", "1.90", "11.91"),
]


@pytest.mark.parametrize(
    ("base", "percent", "fixed", "net", "tax", "gross"), MARGINS, ids=["percent", "fixed", "both"]
)
def test_margins_are_charged_on_every_period(
    world: World, base: str, percent: str, fixed: str, net: str, tax: str, gross: str
) -> None:
    world.at(utc(2027, 1, 10, 9))
    customer = world.customer(billing_day=1)
    plan = world.plan("web", base, margin_percent=Decimal(percent), margin_fixed=Decimal(fixed))
    world.order(customer, plan)
    world.run_until(utc(2027, 3, 1, 12))
    invoices = world.invoices()
    assert len(invoices) == 2  # 1 Feb: 10 Jan – 10 Feb; 1 Mar: 10 Feb – 10 Mar
    for invoice in invoices:
        [line] = world.lines(invoice)
        assert (line.unit_price, line.net) == (Decimal(net), Decimal(net))
        assert (invoice.net, invoice.tax, invoice.gross) == (Decimal(net), Decimal(tax), Decimal(gross))


def test_a_prorated_first_period_prorates_the_price_with_margins(world: World) -> None:
    world.at(utc(2027, 1, 21, 23))  # 22 Jan 00:00 in Berlin
    customer = world.customer(billing_day=1)
    plan = world.plan(
        "web", "30.00", margin_percent=Decimal("10"), margin_fixed=Decimal("0.10"), billing_anchor_day=1
    )
    world.order(customer, plan)
    world.run_until(utc(2027, 2, 1, 12))
    [invoice] = world.invoices()
    stub, february = world.lines(invoice)
    # price 30.00 × 1.10 + 0.10 = 33.10; 22 Jan – 1 Feb is 10 of January's 31 days:
    # 33.10 × 10 / 31 = 10.677419… → 10.68; tax 2.0292 → 2.03
    assert (stub.net, stub.tax) == (Decimal("10.68"), Decimal("2.03"))
    # 1 Feb – 1 Mar in full: 33.10; tax 6.289 → 6.29
    assert (february.net, february.tax) == (Decimal("33.10"), Decimal("6.29"))
    # 10.68 + 33.10 = 43.78; 2.03 + 6.29 = 8.32; 52.10
    assert (invoice.net, invoice.tax, invoice.gross) == (Decimal("43.78"), Decimal("8.32"), Decimal("52.10"))


def test_each_line_is_rounded_half_up_on_its_own(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    customer = world.customer(billing_day=1)
    plan = world.plan("web", "10.10", margin_percent=Decimal("5"))  # 10.10 × 1.05 = 10.605
    world.order(customer, plan)
    world.order(customer, plan)
    world.run_until(utc(2027, 2, 1, 12))
    [invoice] = world.invoices()
    lines = world.lines(invoice)
    # each line: 10.605 → 10.61; tax 10.61 × 19 % = 2.0159 → 2.02
    assert [(line.net, line.tax) for line in lines] == [(Decimal("10.61"), Decimal("2.02"))] * 2
    # totals are sums of rounded lines: 21.22 (not 21.21 from rounding 21.21 once) and 4.04 (not
    # 4.03 from 21.22 × 19 % = 4.0318); gross 25.26
    assert (invoice.net, invoice.tax, invoice.gross) == (Decimal("21.22"), Decimal("4.04"), Decimal("25.26"))
