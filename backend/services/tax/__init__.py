"""Tax: VAT rates, the tax mode of an invoice, VAT ID syntax and VIES checks (SPEC §4)."""

from backend.services.tax.decision import (
    OUTSIDE_EU_NOTE,
    REVERSE_CHARGE_NOTE,
    TaxBuyer,
    TaxDecision,
    TaxIssuer,
    decide_tax,
)
from backend.services.tax.oss import (
    EU_THRESHOLD_EUR,
    OssLedger,
    OssSettings,
    OssYear,
    oss_settings,
    sale_is_destination_taxed,
    update_oss_settings,
)
from backend.services.tax.rates import (
    EU_COUNTRIES,
    UnknownVatRate,
    country_code,
    is_eu_country,
    vat_prefix,
    vat_rate,
)
from backend.services.tax.service import refresh_vat_status, vat_ids_due_for_recheck
from backend.services.tax.vat_ids import check_vat_id_syntax, normalize_vat_id, split_vat_id, vat_id_country
from backend.services.tax.vies import VatIdRegister, ViesClient, ViesResult, ViesStatus

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
    "VatIdRegister",
    "ViesClient",
    "ViesResult",
    "ViesStatus",
    "check_vat_id_syntax",
    "country_code",
    "decide_tax",
    "is_eu_country",
    "normalize_vat_id",
    "oss_settings",
    "refresh_vat_status",
    "sale_is_destination_taxed",
    "split_vat_id",
    "update_oss_settings",
    "vat_id_country",
    "vat_ids_due_for_recheck",
    "vat_prefix",
    "vat_rate",
]
