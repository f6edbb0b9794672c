"""The OSS rule without a database: what "exceeds" means, which sale is destination-taxed, which
exchange rate converts an amount on a day. Expected values are worked out by hand in comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backend.currency.service import ExchangeRateView, MissingExchangeRate, RateTable
from backend.tax import EU_THRESHOLD_EUR, OssSettings, OssYear, sale_is_destination_taxed

DEFAULT = OssSettings()
NOT_EXCEEDED = OssYear(Decimal(0), exceeded=False)


def test_the_default_threshold_is_the_directives_eur_10000_with_the_prior_year_rule() -> None:
    assert (DEFAULT.threshold, DEFAULT.prior_year_rule) == (Decimal("10000.00"), True)
    assert Decimal("10000.00") == EU_THRESHOLD_EUR


@pytest.mark.parametrize(
    ("total", "exceeds"),
    [("9999.99", False), ("10000.00", False), ("10000", False), ("10000.01", True), ("12000", True)],
)
def test_exceeds_means_strictly_greater_than_the_threshold(total: str, exceeds: bool) -> None:
    assert DEFAULT.exceeds(Decimal(total)) is exceeds


@pytest.mark.parametrize(
    ("so_far", "sale", "destination"),
    [
        ("9000.00", "1000.00", False),  # 9,000 + 1,000 = 10,000.00: at the threshold, not above
        ("9000.00", "1000.01", True),  # 10,000.01: this sale crosses it and is itself destination-taxed
        ("0.00", "10000.01", True),  # one sale alone can cross it
        ("-300.00", "10300.00", False),  # credit notes of the year lowered the total: 10,000.00
    ],
)
def test_the_sale_that_crosses_the_threshold_is_taxed_at_destination(
    so_far: str, sale: str, destination: bool
) -> None:
    current = OssYear(Decimal(so_far), exceeded=False)
    assert sale_is_destination_taxed(DEFAULT, NOT_EXCEEDED, current, Decimal(sale)) is destination


def test_once_the_year_has_exceeded_every_later_sale_is_destination_taxed_even_below_it() -> None:
    lowered_by_credit_notes = OssYear(Decimal("500.00"), exceeded=True)
    assert sale_is_destination_taxed(DEFAULT, NOT_EXCEEDED, lowered_by_credit_notes, Decimal("0.01"))


@pytest.mark.parametrize(("rule", "destination"), [(True, True), (False, False)])
def test_the_prior_year_rule_makes_the_whole_year_after_an_exceeded_one_destination_taxed(
    rule: bool, destination: bool
) -> None:
    settings = OssSettings(prior_year_rule=rule)
    previous = OssYear(Decimal("10000.01"), exceeded=True)
    assert sale_is_destination_taxed(settings, previous, OssYear(), Decimal("1.00")) is destination


def test_a_lower_threshold_from_the_settings_applies() -> None:
    settings = OssSettings(threshold=Decimal("500.00"))
    at_it = OssYear(Decimal("400.00"))
    assert not sale_is_destination_taxed(settings, NOT_EXCEEDED, at_it, Decimal("100.00"))  # 500.00
    assert sale_is_destination_taxed(settings, NOT_EXCEEDED, at_it, Decimal("100.01"))  # 500.01


def _table() -> RateTable:
    return RateTable(
        [
            ExchangeRateView("USD", date(2027, 3, 1), Decimal("1.60")),
            ExchangeRateView("USD", date(2027, 1, 1), Decimal("1.25")),
            ExchangeRateView("GBP", date(2027, 1, 1), Decimal("0.80")),
        ]
    )


@pytest.mark.parametrize(
    ("on", "rate", "eur"),
    [
        (date(2027, 1, 1), "1.25", "800.00"),  # 1,000.00 USD / 1.25 = 800.00 EUR
        (date(2027, 2, 28), "1.25", "800.00"),
        (date(2027, 3, 1), "1.60", "625.00"),  # the later rate from its first day: 1,000 / 1.6 = 625
        (date(2030, 1, 1), "1.60", "625.00"),
    ],
)
def test_the_rate_in_force_on_the_day_is_the_latest_valid_from_on_or_before_it(
    on: date, rate: str, eur: str
) -> None:
    table = _table()
    assert table.rate_on("USD", on) == Decimal(rate)
    assert table.to_eur(Decimal("1000.00"), "USD", on) == Decimal(eur)


def test_conversion_rounds_each_amount_half_up_to_the_cent() -> None:
    table = _table()
    # 10.00 USD / 1.60 = 6.25 exactly; 0.01 USD / 1.60 = 0.00625 -> 0.01; 0.03 GBP / 0.80 = 0.0375 -> 0.04
    assert table.to_eur(Decimal("10.00"), "USD", date(2027, 3, 1)) == Decimal("6.25")
    assert table.to_eur(Decimal("0.01"), "USD", date(2027, 3, 1)) == Decimal("0.01")
    assert table.to_eur(Decimal("0.03"), "GBP", date(2027, 3, 1)) == Decimal("0.04")
    assert table.to_eur(Decimal("-0.03"), "GBP", date(2027, 3, 1)) == Decimal("-0.04")
    assert table.to_eur(Decimal("12.34"), "EUR", date(2000, 1, 1)) == Decimal("12.34")


def test_no_rate_before_the_first_one_or_for_another_currency_names_currency_and_day() -> None:
    table = _table()
    assert table.rate_on("USD", date(2026, 12, 31)) is None
    with pytest.raises(MissingExchangeRate, match="No exchange rate for USD is in force on 2026-12-31"):
        table.to_eur(Decimal("1.00"), "USD", date(2026, 12, 31))
    with pytest.raises(
        MissingExchangeRate, match=r"CHF .* 2027-05-01.*--currency CHF --valid-from 2027-05-01"
    ):
        table.to_eur(Decimal("1.00"), "CHF", date(2027, 5, 1))
