"""What an operator configures per tenant, and the rules each value must follow.

Every refusal names the field (`InvalidTenantField.field`), so the CLI can point at the option.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from stdnum import bic as stdnum_bic
from stdnum import exceptions as stdnum_errors
from stdnum import iban as stdnum_iban

from backend.kit.errors import ValidationFailed
from backend.models import Tenant
from backend.money import check_currency
from backend.request_origin import clean_host, without_port
from backend.tax.rates import EU_COUNTRIES, country_code
from backend.tax.vat_ids import check_vat_id_syntax, vat_id_country

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_STDNUM_REASONS: tuple[tuple[type[stdnum_errors.ValidationError], str], ...] = (
    (stdnum_errors.InvalidChecksum, "wrong checksum"),
    (stdnum_errors.InvalidLength, "wrong length"),
    (stdnum_errors.InvalidComponent, "unknown country or bank code"),
    (stdnum_errors.InvalidFormat, "wrong format"),
)
# Tenant columns behind each profile field (the rest have the same name).
COLUMNS = {
    "public_url": "frontend_url",
    "legal_name": "issuer_legal_name",
    "address": "issuer_address",
    "country": "issuer_country",
    "vat_id": "issuer_vat_id",
    "iban": "issuer_iban",
    "bic": "issuer_bic",
    "email": "issuer_email",
    "currency": "default_currency",
}


class InvalidTenantField(ValidationFailed):
    """A tenant value broke its rule; `field` is the profile field ("iban", "host", ...)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def normalise_email(email: str) -> str:
    """Emails are compared lower-case; refuse what cannot be an address."""
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValidationFailed(f"{email!r} is not a valid email address.")
    return email


def normalise_host(value: str) -> str:
    """A tenant host as requests name it: lower case, with an optional port, never a URL."""
    text = value.strip()
    if "/" in text or "@" in text:
        raise InvalidTenantField(
            "host", f"{text!r}: write the host name only, e.g. billing.acme.example:8443"
        )
    host = clean_host(text)
    port = host[len(without_port(host)) + 1 :]
    if not host or (port and not 1 <= int(port) <= 65535):
        raise InvalidTenantField("host", f"{text!r} is not a host name (with an optional port)")
    return host


def _stdnum_reason(exc: stdnum_errors.ValidationError) -> str:
    return next((text for kind, text in _STDNUM_REASONS if isinstance(exc, kind)), "not valid")


class TenantProfile(BaseModel):
    """The configurable identity of a tenant: invoices, emails and links show these values."""

    model_config = ConfigDict(str_strip_whitespace=True, validate_assignment=True, extra="forbid")

    name: str
    public_url: str
    legal_name: str
    address: str = ""
    country: str
    vat_id: str = ""
    iban: str = ""
    bic: str = ""
    email: str = ""
    currency: str = "EUR"
    time_zone: str = "Europe/Berlin"

    @field_validator("name", "legal_name")
    @classmethod
    def _names(cls, value: str) -> str:
        if not value or len(value) > 200:
            raise ValueError("must have 1 to 200 characters")
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if len(value) > 500:
            raise ValueError("must have at most 500 characters")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
            raise ValueError(
                f"{value!r} must be an http:// or https:// URL, e.g. https://billing.acme.example"
            )
        if parts.path.strip("/") or parts.query or parts.fragment or parts.username or len(value) > 300:
            raise ValueError(f"{value!r}: give scheme, host and port only; the console is served at its root")
        try:
            parts.port  # noqa: B018 - raises on a port out of range
        except ValueError:
            raise ValueError(f"{value!r} has an invalid port") from None
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}"

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        code = country_code(value)
        if code not in EU_COUNTRIES:
            raise ValueError(
                f"{value!r} is not an EU member state (two-letter code such as DE);"
                " the console invoices under EU VAT rules"
            )
        return code

    @field_validator("vat_id")
    @classmethod
    def _vat_id(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return ""
        try:
            vat_id = check_vat_id_syntax(value)
        except ValidationFailed as exc:
            raise ValueError(str(exc)) from None
        country = info.data.get("country")
        if country and vat_id_country(vat_id) != country:
            raise ValueError(
                f"{vat_id} is a VAT ID of {vat_id_country(vat_id)}, not of the issuer country {country}"
            )
        return vat_id

    @field_validator("iban", "bic")
    @classmethod
    def _bank(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return ""
        number = stdnum_iban if info.field_name == "iban" else stdnum_bic
        try:
            return str(number.validate(value))
        except stdnum_errors.ValidationError as exc:
            label = str(info.field_name).upper()
            raise ValueError(f"{value!r} is not a valid {label}: {_stdnum_reason(exc)}") from None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not value:
            return ""
        try:
            return normalise_email(value)
        except ValidationFailed as exc:
            raise ValueError(str(exc)) from None

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value.upper())

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin") from None
        return value


def _field_error(exc: ValidationError) -> InvalidTenantField:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "profile"
    reason = str(error["msg"]).removeprefix("Value error, ")
    return InvalidTenantField(field, "is required" if error["type"] == "missing" else reason)


def check_profile(values: dict[str, Any]) -> TenantProfile:
    """A profile from raw values, or InvalidTenantField naming the first bad field."""
    try:
        return TenantProfile(**values)
    except ValidationError as exc:
        raise _field_error(exc) from None


def changed_profile(tenant: Tenant, changes: dict[str, str]) -> TenantProfile:
    """The tenant's profile with `changes` checked and applied; values not changed are not re-checked
    (a tenant made before these rules keeps them), except the VAT ID when the country changes."""
    profile = TenantProfile.model_construct(**profile_values(tenant))
    if "country" in changes and "vat_id" not in changes:
        changes = {**changes, "vat_id": profile.vat_id}
    try:
        for field in TenantProfile.model_fields:
            if field in changes:
                setattr(profile, field, changes[field])
    except ValidationError as exc:
        raise _field_error(exc) from None
    return profile


def profile_values(tenant: Tenant) -> dict[str, str]:
    return {field: getattr(tenant, COLUMNS.get(field, field)) for field in TenantProfile.model_fields}


def apply_profile(tenant: Tenant, profile: TenantProfile) -> None:
    for field in TenantProfile.model_fields:
        setattr(tenant, COLUMNS.get(field, field), getattr(profile, field))
