"""Tax: VAT rates, the tax mode of an invoice, VAT ID syntax, OSS thresholds (SPEC §4)."""

from backend.tax.decision import (
    OUTSIDE_EU_NOTE,
    REVERSE_CHARGE_NOTE,
    TaxBuyer,
    TaxDecision,
    TaxIssuer,
    decide_tax,
)
from backend.tax.oss import (
    EU_THRESHOLD_EUR,
    OssLedger,
    OssSettings,
    OssYear,
    oss_settings,
    sale_is_destination_taxed,
    update_oss_settings,
)
from backend.tax.rates import EU_COUNTRIES, UnknownVatRate, country_code, is_eu_country, vat_prefix, vat_rate
from backend.tax.vat_ids import check_vat_id_syntax, normalize_vat_id, split_vat_id, vat_id_country

__all__ = [
    "EU_COUNTRIES",
    "EU_THRESHOLD_EUR",
    "OUTSIDE_EU_NOTE",
    "REVERSE_CHARGE_NOTE",
    "OssLedger",
    "OssSettings",
    "OssYear",
    "TaxBuyer",
    "TaxDecision",
    "TaxIssuer",
    "UnknownVatRate",
    "check_vat_id_syntax",
    "country_code",
    "decide_tax",
    "is_eu_country",
    "normalize_vat_id",
    "oss_settings",
    "sale_is_destination_taxed",
    "split_vat_id",
    "update_oss_settings",
    "vat_id_country",
    "vat_prefix",
    "vat_rate",
]
