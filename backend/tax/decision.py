"""Which VAT an invoice carries: the tax modes of SPEC §4, decided from issuer and buyer.

The rules, for services (hosting and other electronically supplied services) sold by an EU issuer:

- **Outside the EU**: the buyer's country is not a member state → no EU VAT (0 %).
- **Domestic**: the buyer is in the issuer's country → the issuer country's rate.
- **EU reverse charge**: a business buyer with a VIES-valid VAT ID of another member state → 0 %,
  the buyer accounts for the VAT (Art. 196 Directive 2006/112/EC) and the invoice says so.
- **EU B2C**: a consumer in another member state → the issuer country's rate while the issuer's
  cross-border B2C sales stay within the OSS threshold, the buyer country's rate once it is exceeded
  (whether it is, `backend.tax.oss` decides; `decide_tax` is told).

A business buyer whose VAT ID is unchecked, unreachable or invalid, or was issued by another country
than the buyer's, is taxed like a consumer: without a confirmed VAT ID the issuer cannot prove a B2B
supply, so it charges VAT rather than risk owing it. The invoice is re-decided when the ID is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from backend.kit.errors import ValidationFailed
from backend.models.enums import CustomerType, TaxCategory, TaxMode, VatIdStatus
from backend.tax.rates import country_code, is_eu_country, vat_rate
from backend.tax.vat_ids import normalize_vat_id, vat_id_country

REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)."
)
OUTSIDE_EU_NOTE = "Not subject to VAT in the EU (place of supply outside the EU)."
_OSS_NOTE = "VAT of {country} charged under the One-Stop-Shop (OSS) scheme."
_ZERO_RATED = frozenset({TaxMode.REVERSE_CHARGE, TaxMode.OUTSIDE_EU})


@dataclass(frozen=True, slots=True)
class TaxIssuer:
    country: str
    vat_id: str = ""


@dataclass(frozen=True, slots=True)
class TaxBuyer:
    country: str
    customer_type: CustomerType = CustomerType.PRIVATE
    vat_id: str = ""
    vat_id_status: VatIdStatus = VatIdStatus.UNCHECKED


@dataclass(frozen=True, slots=True)
class TaxDecision:
    """The tax of one invoice: mode, the country whose rates apply, and what the invoice must say."""

    mode: TaxMode
    country: str
    buyer_vat_id: str
    note: str
    on: date

    def rate(self, category: TaxCategory) -> Decimal:
        """The rate in percent for a line of `category` (0 under reverse charge and outside the EU)."""
        if self.mode in _ZERO_RATED:
            return Decimal(0)
        return vat_rate(self.country, category, self.on)

    def snapshot(self) -> dict[str, Any]:
        """The decision as JSON-able data, stored on the invoice so it never changes after issue."""
        return {
            "mode": self.mode.value,
            "country": self.country,
            "buyer_vat_id": self.buyer_vat_id,
            "note": self.note,
            "on": self.on.isoformat(),
            "rates": {category.value: str(self.rate(category)) for category in TaxCategory},
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> TaxDecision:
        """The decision an invoice was issued with (for its credit notes)."""
        return cls(
            mode=TaxMode(data["mode"]),
            country=data["country"],
            buyer_vat_id=data["buyer_vat_id"],
            note=data["note"],
            on=date.fromisoformat(data["on"]),
        )


def decide_tax(issuer: TaxIssuer, buyer: TaxBuyer, on: date, *, oss_threshold_exceeded: bool) -> TaxDecision:
    """The tax mode of SPEC §4 for a sale from `issuer` to `buyer` on day `on` (see module docstring)."""
    issuer_country = country_code(issuer.country)
    if not is_eu_country(issuer_country):
        raise ValidationFailed(
            f"The issuer's country {issuer.country!r} is not an EU member state;"
            " set the tenant's issuer country."
        )
    buyer_country = country_code(buyer.country)
    if len(buyer_country) != 2 or not buyer_country.isalpha():
        raise ValidationFailed(f"The buyer's country {buyer.country!r} is not a two-letter ISO 3166 code.")
    buyer_vat_id = normalize_vat_id(buyer.vat_id)
    if not is_eu_country(buyer_country):
        return TaxDecision(TaxMode.OUTSIDE_EU, buyer_country, buyer_vat_id, OUTSIDE_EU_NOTE, on)
    if buyer_country == issuer_country:
        return TaxDecision(TaxMode.DOMESTIC, issuer_country, buyer_vat_id, "", on)
    if _is_confirmed_business(buyer, buyer_country):
        return TaxDecision(TaxMode.REVERSE_CHARGE, buyer_country, buyer_vat_id, REVERSE_CHARGE_NOTE, on)
    if oss_threshold_exceeded:
        note = _OSS_NOTE.format(country=buyer_country)
        return TaxDecision(TaxMode.EU_B2C, buyer_country, buyer_vat_id, note, on)
    return TaxDecision(TaxMode.DOMESTIC, issuer_country, buyer_vat_id, "", on)


def _is_confirmed_business(buyer: TaxBuyer, buyer_country: str) -> bool:
    """A business with a VIES-valid VAT ID issued by its own country; anyone else is taxed as a consumer."""
    return (
        buyer.customer_type == CustomerType.BUSINESS
        and buyer.vat_id_status == VatIdStatus.VALID
        and bool(normalize_vat_id(buyer.vat_id))
        and vat_id_country(buyer.vat_id) == buyer_country
    )
