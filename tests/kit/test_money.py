from decimal import Decimal

import pytest

from backend.money import Money, MoneyAmount, MoneyError, money_sum


def test_rounding_is_half_up_to_the_currency_minor_unit() -> None:
    assert Money.of("10.005", "EUR").round_to_minor() == Money.of("10.01", "EUR")
    assert Money.of("10.004", "EUR").round_to_minor() == Money.of("10.00", "EUR")
    assert Money.of("-10.005", "EUR").round_to_minor() == Money.of("-10.01", "EUR")
    assert Money.of("1234.5", "JPY").round_to_minor() == Money.of("1235", "JPY")
    assert Money.of("1.0005", "BHD").round_to_minor() == Money.of("1.001", "BHD")


def test_minor_units_round_trip() -> None:
    assert Money.of("12.34", "EUR").minor_units == 1234
    assert Money.from_minor(1234, "EUR") == Money.of("12.34", "EUR")
    assert Money.from_minor(500, "JPY").amount == Decimal(500)
    with pytest.raises(MoneyError, match="round it first"):
        _ = Money.of("12.345", "EUR").minor_units


def test_floats_are_refused() -> None:
    with pytest.raises(MoneyError, match="float"):
        Money.of(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="float"):
        _ = Money.of("1", "EUR") * 1.5  # type: ignore[operator]


def test_unknown_currency_and_mixed_currencies_are_refused() -> None:
    with pytest.raises(MoneyError, match="Unknown currency 'EURO'"):
        Money.of("1", "EURO")
    with pytest.raises(MoneyError, match="Cannot combine EUR with USD"):
        _ = Money.of("1", "EUR") + Money.of("1", "USD")


def test_sum_of_tenths_is_exact() -> None:
    total = money_sum([Money.of("0.1", "EUR")] * 10, "EUR")
    assert total == Money.of("1.0", "EUR")
    assert total.format() == "1.00 EUR"
    assert Money.of("1234567.5", "EUR").format() == "1,234,567.50 EUR"


def test_money_amount_column_stores_exact_micros() -> None:
    column = MoneyAmount()
    assert column.process_bind_param(Decimal("0.0119"), None) == 11_900
    assert column.process_result_value(11_900, None) == Decimal("0.0119")
    with pytest.raises(MoneyError, match="more than six decimal places"):
        column.process_bind_param(Decimal("0.0000001"), None)
