"""EU VAT ID syntax: normal form and the per-country format and check-digit rules (python-stdnum)."""

from __future__ import annotations

import re

from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat

from backend.kit.errors import ValidationFailed
from backend.tax.rates import country_code

_PUNCTUATION = re.compile(r"[^A-Z0-9]")
_REASONS: tuple[tuple[type[stdnum_errors.ValidationError], str], ...] = (
    (stdnum_errors.InvalidComponent, "unknown country prefix (use the member state's code, e.g. DE, FR, EL)"),
    (stdnum_errors.InvalidLength, "wrong length"),
    (stdnum_errors.InvalidChecksum, "wrong checksum"),
    (stdnum_errors.InvalidFormat, "wrong format"),
)


def normalize_vat_id(raw: str) -> str:
    """Upper case without spaces or punctuation; Greek IDs use the VAT prefix "EL" (e.g. "DE136695976")."""
    try:
        compact = eu_vat.compact(raw or "")
    except stdnum_errors.ValidationError:  # unknown prefix: stdnum cannot pick a country's rules
        compact = _PUNCTUATION.sub("", (raw or "").upper())
    if compact.startswith("GR"):
        compact = "EL" + compact[2:]
    return compact


def check_vat_id_syntax(raw: str) -> str:
    """The VAT ID in normal form if its country prefix, length, format and check digits are right.

    Raises `ValidationFailed` naming the ID and what is wrong with it. A right syntax says nothing
    about whether the ID is registered: that is VIES's answer.
    """
    vat_id = normalize_vat_id(raw)
    if not vat_id:
        raise ValidationFailed("The VAT ID is empty.")
    try:
        validated = eu_vat.validate(vat_id)
    except stdnum_errors.ValidationError as exc:
        reason = next((text for kind, text in _REASONS if isinstance(exc, kind)), "not a VAT ID")
        raise ValidationFailed(f"{vat_id} is not a valid VAT ID: {reason}.") from exc
    return normalize_vat_id(validated)


def split_vat_id(vat_id: str) -> tuple[str, str]:
    """The VAT prefix and the national number of a normalized VAT ID: "EL094259216" → ("EL", "094259216")."""
    normalized = normalize_vat_id(vat_id)
    return normalized[:2], normalized[2:]


def vat_id_country(vat_id: str) -> str:
    """The ISO 3166-1 country that issued a VAT ID ("EL..." → "GR", "XI..." → "XI")."""
    return country_code(split_vat_id(vat_id)[0])
