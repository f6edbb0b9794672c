"""What the operator's commands receive about a tenant."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt


@dataclass(frozen=True, slots=True)
class TenantView:
    slug: str
    name: str
    hosts: list[str]  # stored with the tenant; TENANT_HOSTS may add or override some
    public_url: str
    legal_name: str
    address: str
    country: str
    vat_id: str
    iban: str
    bic: str
    email: str
    currency: str
    time_zone: str


class TenantSettingsInput(BaseModel):
    """What an admin changes on `/admin/settings` (PUT /api/v1/admin/settings): a field left out
    (or null) keeps its value. Types only here; the rules are backend/tenancy/settings_rules.py's,
    so the page and the API refuse the same input with the same message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    legal_name: str | None = Field(default=None, description="The issuer's legal name on invoices")
    address: str | None = Field(
        default=None, description="The issuer's postal address, lines separated by newlines"
    )
    country: str | None = Field(default=None, description="Two-letter EU country code, e.g. DE")
    vat_id: str | None = Field(
        default=None, description="The issuer's VAT ID, e.g. DE123456789; empty for none"
    )
    iban: str | None = Field(default=None, description="IBAN invoices ask customers to pay to")
    bic: str | None = None
    email: str | None = Field(default=None, description="The issuer's contact email printed on invoices")
    logo: str | None = Field(
        default=None,
        description="data:image/png;base64,... or data:image/jpeg;base64,... (at most 64 KB);"
        " empty removes it",
    )
    brand_color: str | None = Field(default=None, description="#rrggbb; empty for the default colour")
    payment_terms_days: StrictInt | None = Field(
        default=None, description="Days from issue to due date, 0-365"
    )
    minimum_invoice_amount: str | None = Field(
        default=None, description="Invoices below this gross wait for more charges, e.g. '5.00'; '0' for none"
    )
    reminder_offsets_days: list[StrictInt] | None = Field(
        default=None, description="Days after the due date of each payment reminder, e.g. [3, 10, 17]"
    )
    suspend_service: StrictBool | None = Field(
        default=None, description="After the last reminder, also stop the servers"
    )
    retry_schedule_hours: list[StrictInt] | None = Field(
        default=None,
        description="Hours after the first automatic charge of each attempt, e.g. [0, 24, 72, 168]",
    )
    oss_threshold: str | None = Field(
        default=None, description="EUR threshold of the One-Stop-Shop rule, 0 to '10000.00'"
    )
    oss_prior_year_rule: StrictBool | None = Field(
        default=None, description="A year above the threshold taxes the whole next year at destination"
    )
    mail_from_name: str | None = Field(
        default=None, description="Name mails come from; empty: the deployment's"
    )
    mail_from_address: str | None = Field(
        default=None, description="Address mails come from; empty: the deployment's"
    )


class TenantSettingsView(BaseModel):
    """The tenant's settings as an admin sees them."""

    model_config = ConfigDict(frozen=True)

    legal_name: str
    address: str
    country: str
    vat_id: str
    iban: str
    bic: str
    email: str
    logo: str  # a data: URI, or ""
    brand_color: str  # "" for the default
    payment_terms_days: int
    minimum_invoice_amount: str
    currency: str  # of the minimum amount
    reminder_offsets_days: list[int]
    suspend_service: bool
    retry_schedule_hours: list[int]
    oss_threshold: str
    oss_prior_year_rule: bool
    mail_from_name: str
    mail_from_address: str
    default_sender: str  # the deployment's SMTP_FROM, used where the tenant set none
