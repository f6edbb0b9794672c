"""The dated VAT rate table: every member state, known values, and changes on their day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backend.models.enums import TaxCategory
from backend.tax import EU_COUNTRIES, UnknownVatRate, is_eu_country, vat_prefix, vat_rate

TODAY = date(2026, 11, 21)


def test_the_table_has_the_27_member_states_with_iso_codes() -> None:
    assert len(EU_COUNTRIES) == 27
    assert "GR" in EU_COUNTRIES and "EL" not in EU_COUNTRIES
    assert not {"GB", "CH", "NO", "XI", "US"} & EU_COUNTRIES
    assert vat_prefix("GR") == "EL" and vat_prefix("de") == "DE"
    assert is_eu_country("el") and not is_eu_country("GB")


@pytest.mark.parametrize("country", sorted(EU_COUNTRIES))
def test_every_member_state_has_a_standard_and_reduced_rate_and_zero_is_zero(country: str) -> None:
    standard = vat_rate(country, TaxCategory.STANDARD, TODAY)
    reduced = vat_rate(country, TaxCategory.REDUCED, TODAY)
    assert Decimal(15) <= standard <= Decimal(28)
    assert Decimal(5) <= reduced <= standard
    assert vat_rate(country, TaxCategory.ZERO, TODAY) == 0


@pytest.mark.parametrize(
    ("country", "standard", "reduced"),
    [
        ("DE", "19", "7"),
        ("AT", "20", "10"),
        ("FR", "20", "5.5"),
        ("IT", "22", "10"),
        ("ES", "21", "10"),
        ("NL", "21", "9"),
        ("IE", "23", "13.5"),
        ("HU", "27", "5"),
        ("LU", "17", "8"),
        ("SE", "25", "12"),
        ("SI", "22", "9.5"),
        ("GR", "24", "13"),
        ("DK", "25", "25"),  # Denmark has no reduced rate
    ],
)
def test_known_rates_in_2026(country: str, standard: str, reduced: str) -> None:
    assert vat_rate(country, TaxCategory.STANDARD, TODAY) == Decimal(standard)
    assert vat_rate(country, TaxCategory.REDUCED, TODAY) == Decimal(reduced)


@pytest.mark.parametrize(
    ("country", "category", "day_before", "before", "day", "after"),
    [
        ("EE", TaxCategory.STANDARD, date(2023, 12, 31), "20", date(2024, 1, 1), "22"),
        ("EE", TaxCategory.STANDARD, date(2025, 6, 30), "22", date(2025, 7, 1), "24"),
        ("FI", TaxCategory.STANDARD, date(2024, 8, 31), "24", date(2024, 9, 1), "25.5"),
        ("SK", TaxCategory.STANDARD, date(2024, 12, 31), "20", date(2025, 1, 1), "23"),
        ("SK", TaxCategory.REDUCED, date(2024, 12, 31), "10", date(2025, 1, 1), "19"),
        ("RO", TaxCategory.STANDARD, date(2025, 7, 31), "19", date(2025, 8, 1), "21"),
        ("RO", TaxCategory.REDUCED, date(2025, 7, 31), "9", date(2025, 8, 1), "11"),
        ("LU", TaxCategory.STANDARD, date(2023, 12, 31), "16", date(2024, 1, 1), "17"),
        ("CZ", TaxCategory.REDUCED, date(2023, 12, 31), "15", date(2024, 1, 1), "12"),
    ],
)
def test_a_rate_change_applies_from_its_day(
    country: str, category: TaxCategory, day_before: date, before: str, day: date, after: str
) -> None:
    assert vat_rate(country, category, day_before) == Decimal(before)
    assert vat_rate(country, category, day) == Decimal(after)


def test_the_vat_prefix_el_and_lower_case_are_accepted() -> None:
    assert vat_rate("EL", TaxCategory.STANDARD, TODAY) == vat_rate("gr", TaxCategory.STANDARD, TODAY)


def test_a_country_outside_the_eu_has_no_rate() -> None:
    with pytest.raises(UnknownVatRate, match=r"'US'.*not an EU member state"):
        vat_rate("US", TaxCategory.STANDARD, TODAY)


def test_a_day_before_the_table_has_no_rate() -> None:
    with pytest.raises(UnknownVatRate, match="No VAT rates before 2023-01-01"):
        vat_rate("DE", TaxCategory.STANDARD, date(2022, 12, 31))
