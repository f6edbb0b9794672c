"""Dated VAT rates of the 27 EU member states (percent), standard and main reduced.

Source: the European Commission's "VAT rates applied in the Member States of the European Union"
(taxation_customs, situation at 1 January 2025) and the national changes enacted or announced by
mid-2025, compiled from best knowledge (not re-checked against an online source: verify changes
after mid-2025). The table starts on 2023-01-01 and lists every change of a standard or main
reduced rate since then:

- CZ reduced 15 → 12 on 2024-01-01 (the 10 % and 15 % rates merged into 12 %)
- EE standard 20 → 22 on 2024-01-01, 22 → 24 on 2025-07-01
- FI standard 24 → 25.5 on 2024-09-01; reduced 14 → 13.5 on 2026-01-01
- LU standard 16 → 17 and reduced 7 → 8 on 2024-01-01 (end of the 2023 temporary cut)
- RO standard 19 → 21 and reduced 9 → 11 on 2025-08-01
- SK standard 20 → 23 and reduced 10 → 19 on 2025-01-01

"Reduced" is each state's main reduced rate: the first reduced rate of national law, which covers
most reduced-rate supplies (food in most states). Super-reduced rates (below 5 %), parking rates,
regional rates (Açores, Madeira, Greek islands, Büsingen...) and temporary anti-inflation measures
on single goods are not in the table. Denmark has no reduced rate, so its "reduced" is the standard
rate. The "zero" category is always 0 %. Check the table against the Commission's publication
before each new year and append a dated row; never edit a row that invoices already used.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backend.kit.errors import DomainError
from backend.models.enums import TaxCategory


class UnknownVatRate(DomainError):
    """No rate is known for the country or date."""


TABLE_START = date(2023, 1, 1)

# country (ISO 3166-1) -> rows of (valid from, standard %, main reduced %), oldest first.
_RATES: dict[str, tuple[tuple[date, str, str], ...]] = {
    "AT": ((TABLE_START, "20", "10"),),
    "BE": ((TABLE_START, "21", "6"),),
    "BG": ((TABLE_START, "20", "9"),),
    "CY": ((TABLE_START, "19", "5"),),
    "CZ": ((TABLE_START, "21", "15"), (date(2024, 1, 1), "21", "12")),
    "DE": ((TABLE_START, "19", "7"),),
    "DK": ((TABLE_START, "25", "25"),),
    "EE": ((TABLE_START, "20", "9"), (date(2024, 1, 1), "22", "9"), (date(2025, 7, 1), "24", "9")),
    "ES": ((TABLE_START, "21", "10"),),
    "FI": ((TABLE_START, "24", "14"), (date(2024, 9, 1), "25.5", "14"), (date(2026, 1, 1), "25.5", "13.5")),
    "FR": ((TABLE_START, "20", "5.5"),),
    "GR": ((TABLE_START, "24", "13"),),
    "HR": ((TABLE_START, "25", "13"),),
    "HU": ((TABLE_START, "27", "5"),),
    "IE": ((TABLE_START, "23", "13.5"),),
    "IT": ((TABLE_START, "22", "10"),),
    "LT": ((TABLE_START, "21", "9"),),
    "LU": ((TABLE_START, "16", "7"), (date(2024, 1, 1), "17", "8")),
    "LV": ((TABLE_START, "21", "12"),),
    "MT": ((TABLE_START, "18", "5"),),
    "NL": ((TABLE_START, "21", "9"),),
    "PL": ((TABLE_START, "23", "8"),),
    "PT": ((TABLE_START, "23", "6"),),
    "RO": ((TABLE_START, "19", "9"), (date(2025, 8, 1), "21", "11")),
    "SE": ((TABLE_START, "25", "12"),),
    "SI": ((TABLE_START, "22", "9.5"),),
    "SK": ((TABLE_START, "20", "10"), (date(2025, 1, 1), "23", "19")),
}

EU_COUNTRIES: frozenset[str] = frozenset(_RATES)
"""ISO 3166-1 codes of the member states. Greece is "GR" here but "EL" in VAT IDs and VIES."""

# Country prefixes of VAT IDs that differ from the ISO code.
_VAT_PREFIX_TO_COUNTRY = {"EL": "GR"}


def country_code(country: str) -> str:
    """The ISO 3166-1 code for `country`, accepting the VAT prefix "EL" for Greece and any case."""
    code = country.strip().upper()
    return _VAT_PREFIX_TO_COUNTRY.get(code, code)


def vat_prefix(country: str) -> str:
    """The prefix VAT IDs of `country` carry ("EL" for Greece, else the ISO code)."""
    code = country_code(country)
    return "EL" if code == "GR" else code


def is_eu_country(country: str) -> bool:
    return country_code(country) in EU_COUNTRIES


def vat_rate(country: str, category: TaxCategory, on: date) -> Decimal:
    """The VAT rate in percent (e.g. Decimal("19")) of an EU member state for a category on a day."""
    code = country_code(country)
    rows = _RATES.get(code)
    if rows is None:
        raise UnknownVatRate(f"No VAT rates for {country!r}: it is not an EU member state.")
    if on < TABLE_START:
        raise UnknownVatRate(f"No VAT rates before {TABLE_START.isoformat()} (asked for {on.isoformat()}).")
    if category == TaxCategory.ZERO:
        return Decimal(0)
    _, standard, reduced = max((row for row in rows if row[0] <= on), key=lambda row: row[0])
    return Decimal(standard if category == TaxCategory.STANDARD else reduced)
