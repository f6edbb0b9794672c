"""The OSS threshold on invoices the engine makes (bill now and the invoice run).

The issuer is German (19 %); French consumers pay 20 % once the threshold is exceeded. Every
expected amount is worked out by hand in a comment: totals are EUR nets of the year so far.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.audit.service import SYSTEM
from backend.currency.service import MissingExchangeRate, add_exchange_rate
from backend.invoicing import service as invoicing
from backend.models import (
    CreditNote,
    CustomerAccount,
    CustomerType,
    Invoice,
    OpenPosition,
    TaxMode,
    VatIdStatus,
)
from backend.tax import update_oss_settings
from tests.billing.world import World, utc

DE, FR = ("DOMESTIC", "DE"), ("EU_B2C", "FR")
_plans = itertools.count(1)


def order(
    world: World, price: str, *, country: str = "FR", currency: str = "EUR", **fields: object
) -> CustomerAccount:
    customer = world.customer(country=country, **fields)  # type: ignore[arg-type]
    world.order(customer, world.plan(f"oss-{next(_plans)}", price, currency=currency))
    return customer


def sell(
    world: World, price: str, *, country: str = "FR", currency: str = "EUR", **fields: object
) -> Invoice:
    """A new customer orders a monthly plan of `price` and is billed right away (one line)."""
    customer = order(world, price, country=country, currency=currency, **fields)
    [invoice] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    assert invoice.net == Decimal(price)
    return invoice


def taxed(invoice: Invoice) -> tuple[str, str, Decimal]:
    return TaxMode(invoice.tax_mode).name, invoice.tax_country, invoice.tax


def credit(world: World, invoice: Invoice, amount: str) -> CreditNote:
    [line] = world.lines(invoice)
    assert invoice.id is not None and line.id is not None
    return invoicing.credit_invoice(
        world.session,
        world.scope,
        invoice.id,
        {line.id: Decimal(amount)},
        "Goodwill",
        world.now,
        actor=world.admin,
    )


def rates(world: World, *rows: tuple[str, str, str]) -> None:
    for currency, day, rate in rows:
        add_exchange_rate(
            world.session, world.scope, currency=currency, valid_from=day, rate=rate, actor=SYSTEM
        )


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("1000.00", (*DE, Decimal("190.00"))),  # 9,000 + 1,000.00 = 10,000.00: not above -> 19 % DE
        ("1000.01", (*FR, Decimal("200.00"))),  # 10,000.01 crosses: this invoice pays 20 % FR (200.002)
    ],
)
def test_exactly_at_the_threshold_stays_domestic_and_the_invoice_that_crosses_it_is_destination_taxed(
    world: World, price: str, expected: tuple[str, str, Decimal]
) -> None:
    world.at(utc(2027, 3, 1, 9))
    assert taxed(sell(world, "9000.00")) == (*DE, Decimal("1710.00"))  # 9,000 x 19 %
    # Sales that are not to consumers in other member states never count toward the threshold.
    assert taxed(sell(world, "5000.00", country="DE"))[:2] == DE
    assert taxed(sell(world, "5000.00", country="US"))[:2] == ("OUTSIDE_EU", "US")
    business = {"customer_type": CustomerType.BUSINESS, "vat_id": "FR61954506077"}
    assert taxed(sell(world, "5000.00", **business, vat_id_status=VatIdStatus.VALID))[:2] == (
        "REVERSE_CHARGE",
        "FR",
    )
    assert taxed(sell(world, price)) == expected
    assert taxed(sell(world, "0.01"))[:2] == FR  # one cent more is above it in either case


def test_the_threshold_comes_from_the_tenant_settings(world: World) -> None:
    update_oss_settings(world.session, world.scope, threshold="500.00", actor=SYSTEM)
    world.at(utc(2027, 3, 1, 9))
    assert taxed(sell(world, "400.00")) == (*DE, Decimal("76.00"))  # 400 <= 500; 400 x 19 %
    assert taxed(sell(world, "100.00")) == (*DE, Decimal("19.00"))  # 500.00 is not above 500.00
    assert taxed(sell(world, "1.00")) == (*FR, Decimal("0.20"))  # 501.00 > 500.00; 1 x 20 %


@pytest.mark.parametrize(
    ("rule", "last_year", "expected"),
    [
        (True, "1000.01", (*FR, Decimal("20.00"))),  # last year exceeded: all of 2028 at destination
        (False, "1000.01", (*DE, Decimal("19.00"))),  # rule off: only this year's 100.00 counts
        (True, "1000.00", (*DE, Decimal("19.00"))),  # last year reached but did not exceed it
    ],
)
def test_the_prior_year_rule_is_a_tenant_setting(
    world: World, rule: bool, last_year: str, expected: tuple[str, str, Decimal]
) -> None:
    update_oss_settings(world.session, world.scope, threshold="1000.00", prior_year_rule=rule, actor=SYSTEM)
    world.at(utc(2027, 6, 1, 9))
    sell(world, last_year)
    world.at(utc(2028, 1, 10, 9))
    assert taxed(sell(world, "100.00")) == expected  # 100 x 20 % FR, or 100 x 19 % DE


def test_non_eur_nets_are_converted_with_the_rate_in_force_on_the_local_issue_date(world: World) -> None:
    update_oss_settings(world.session, world.scope, threshold="1000.00", actor=SYSTEM)
    rates(world, ("USD", "2027-01-01", "1.25"), ("USD", "2027-03-01", "1.60"), ("GBP", "2027-01-01", "0.80"))
    world.at(utc(2027, 2, 15, 9))
    # 1,000.00 USD / 1.25 = 800.00 EUR: within; tax 19 % of 1,000.00 USD
    assert taxed(sell(world, "1000.00", currency="USD")) == (*DE, Decimal("190.00"))
    world.at(utc(2027, 2, 28, 23, 30))  # 1 March 00:30 in Berlin: the rate of 1 March applies
    # 320.00 USD / 1.60 = 200.00 EUR -> 1,000.00: at, not above (with 1.25 it would be 256.00 -> above)
    assert taxed(sell(world, "320.00", currency="USD")) == (*DE, Decimal("60.80"))  # 320 x 19 %
    # 0.80 GBP / 0.80 = 1.00 EUR -> 1,001.00 > 1,000.00: destination; 0.80 x 20 % = 0.16 GBP
    assert taxed(sell(world, "0.80", currency="GBP")) == (*FR, Decimal("0.16"))


def test_a_credit_note_lowers_the_total_so_a_later_invoice_within_it_stays_domestic(world: World) -> None:
    update_oss_settings(world.session, world.scope, threshold="1000.00", actor=SYSTEM)
    world.at(utc(2027, 3, 1, 9))
    first = sell(world, "900.00")
    world.at(utc(2027, 3, 5, 9))
    credit(world, first, "300.00")  # 900 - 300 = 600
    world.at(utc(2027, 3, 10, 9))
    assert taxed(sell(world, "400.00")) == (*DE, Decimal("76.00"))  # 600 + 400 = 1,000.00 (without: 1,300)
    assert taxed(sell(world, "0.01"))[:2] == FR  # 1,000.01


def test_once_the_year_has_exceeded_credit_notes_do_not_bring_domestic_tax_back(world: World) -> None:
    update_oss_settings(world.session, world.scope, threshold="1000.00", actor=SYSTEM)
    world.at(utc(2027, 3, 1, 9))
    first = sell(world, "900.00")
    assert taxed(sell(world, "200.00")) == (*FR, Decimal("40.00"))  # 1,100 > 1,000; 200 x 20 %
    credit(world, first, "500.00")  # 1,100 - 500 = 600, but 2027 has exceeded the threshold
    world.at(utc(2027, 3, 2, 9))
    assert taxed(sell(world, "100.00")) == (*FR, Decimal("20.00"))  # 700 total, still destination
    world.at(utc(2028, 1, 10, 9))
    # 2027 ends at 700, but it exceeded the threshold in its course: 2028 is destination-taxed too.
    assert taxed(sell(world, "100.00")) == (*FR, Decimal("20.00"))


def test_a_credit_note_counts_in_the_year_of_its_own_issue_in_the_tenants_time_zone(world: World) -> None:
    update_oss_settings(world.session, world.scope, threshold="1000.00", actor=SYSTEM)
    world.at(utc(2027, 6, 1, 9))
    first = sell(world, "900.00")
    world.at(utc(2027, 12, 31, 23, 30))  # 1 January 2028, 00:30 in Berlin
    credit(world, first, "300.00")  # counts in 2028: 2027 stays at 900, 2028 starts at -300
    world.at(utc(2028, 1, 10, 9))
    # -300 + 1,250 = 950: within (had it counted in 2027, 2028 would be at 1,250); 1,250 x 19 %
    assert taxed(sell(world, "1250.00")) == (*DE, Decimal("237.50"))


def test_a_credit_note_in_another_currency_is_converted_at_its_own_issue_date(world: World) -> None:
    update_oss_settings(world.session, world.scope, threshold="1000.00", actor=SYSTEM)
    rates(world, ("USD", "2027-01-01", "1.25"), ("USD", "2027-03-01", "1.60"))
    world.at(utc(2027, 2, 15, 9))
    first = sell(world, "1000.00", currency="USD")  # 1,000 / 1.25 = 800.00 EUR
    world.at(utc(2027, 2, 28, 23, 30))  # 1 March 00:30 in Berlin: the rate of 1 March applies
    credit(world, first, "160.00")  # 160 / 1.60 = 100.00 EUR (at the invoice's rate: 128.00) -> 700.00
    world.at(utc(2027, 3, 10, 9))
    # 700 + 310 = 1,010.00 > 1,000: destination (with 128.00 it would be 982.00); 310 x 20 %
    assert taxed(sell(world, "310.00")) == (*FR, Decimal("62.00"))


def test_a_sale_abroad_in_a_currency_without_a_rate_is_refused_and_nothing_is_issued(world: World) -> None:
    world.at(utc(2027, 3, 1, 9))
    # Sales that do not count toward the threshold need no rate.
    assert taxed(sell(world, "100.00", country="DE", currency="USD")) == (*DE, Decimal("19.00"))
    assert taxed(sell(world, "100.00", country="US", currency="USD"))[:2] == ("OUTSIDE_EU", "US")
    customer = order(world, "100.00", currency="USD")
    refused = pytest.raises(MissingExchangeRate, match="No exchange rate for USD is in force on 2027-03-01")
    # The caller's unit of work (here a savepoint) is rolled back on the error.
    with refused as error, world.session.begin_nested():
        invoicing.bill_now(
            world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
        )
    assert "billing-console exchange-rates add" in str(error.value)
    assert [i.number for i in world.invoices()] == ["INV-2027-00001", "INV-2027-00002"]
    positions = world.session.scalars(
        select(OpenPosition).where(OpenPosition.customer_account_id == customer.id)
    )
    assert [p.invoice_id for p in positions] == [None]

    rates(world, ("USD", "2027-02-01", "1.25"))
    [invoice] = invoicing.bill_now(
        world.session, world.scope, world.now, customer_account_id=customer.id, actor=world.admin
    )
    assert invoice.number == "INV-2027-00003"  # no number was used up by the refused attempt
    assert taxed(invoice) == (*DE, Decimal("19.00"))  # 100 / 1.25 = 80.00 EUR: within


def test_the_invoice_run_stops_on_a_missing_rate_and_issues_once_the_rate_is_added(world: World) -> None:
    world.at(utc(2027, 1, 10, 9))
    abroad = order(world, "125.00", currency="USD", billing_day=1)
    at_home = order(world, "10.00", country="DE", billing_day=1)
    world.run_until(utc(2027, 1, 31, 12))
    world.at(utc(2027, 2, 1, 9))
    with (
        pytest.raises(MissingExchangeRate, match="USD is in force on 2027-02-01"),
        world.session.begin_nested(),
    ):
        world.tick()
    assert world.invoices() == []  # the unit is all or nothing: the German customer waits too

    rates(world, ("USD", "2027-02-01", "1.25"))
    world.tick()
    by_customer = {i.customer_account_id: taxed(i) for i in world.invoices()}
    # 125.00 USD / 1.25 = 100.00 EUR: within; 125 x 19 % = 23.75 USD. 10 x 19 % = 1.90 EUR.
    assert by_customer == {abroad.id: (*DE, Decimal("23.75")), at_home.id: (*DE, Decimal("1.90"))}


def test_in_one_invoice_run_issued_invoices_count_as_they_go_and_waiting_ones_do_not(world: World) -> None:
    world.tenant.settings = {"billing": {"minimum_invoice_amount": "100.00"}}
    update_oss_settings(world.session, world.scope, threshold="1000.00", actor=SYSTEM)
    world.at(utc(2027, 1, 10, 9))
    sell(world, "900.00")
    waits = order(world, "60.00", billing_day=1)  # 71.40 gross < 100.00: waits, does not count
    within = order(world, "90.00", billing_day=1)  # 900 + 90 = 990 (990 + 60 = 1,050 if it counted)
    crosses = order(world, "95.00", billing_day=1)  # 990 + 95 = 1,085 > 1,000
    world.run_until(utc(2027, 2, 1, 12))
    by_customer = {i.customer_account_id: taxed(i) for i in world.invoices()}
    assert waits.id not in by_customer
    assert by_customer[within.id] == (*DE, Decimal("17.10"))  # 90 x 19 %
    assert by_customer[crosses.id] == (*FR, Decimal("19.00"))  # 95 x 20 %
