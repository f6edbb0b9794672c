"""What `/admin/settings` calls: the tenant's settings as the form shows them (text fields), and
saving them through the settings service, whose rules and admin check are the API's too."""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.db import unit_of_work
from backend.gateway.dunning import parse_days
from backend.gateway.units import actor, user_scope
from backend.kit.principals import RequestContext, SignedInUser
from backend.tenancy import settings_rules, settings_service
from backend.tenancy.schemas import TenantSettingsView

# The form's text fields, as the settings service names them.
TEXT_FIELDS = (
    "legal_name",
    "address",
    "country",
    "vat_id",
    "iban",
    "bic",
    "email",
    "brand_color",
    "payment_terms_days",
    "minimum_invoice_amount",
    "reminder_offsets_days",
    "retry_schedule_hours",
    "oss_threshold",
    "mail_from_name",
    "mail_from_address",
)
SWITCHES = ("suspend_service", "oss_prior_year_rule")


@dataclass(frozen=True, slots=True)
class TenantSettingsPage:
    values: dict[str, str]  # each text field as the form shows it
    suspend_service: bool
    oss_prior_year_rule: bool
    logo: str  # a data: URI, or ""
    currency: str
    default_sender: str


def _text(values: list[int]) -> str:
    return ", ".join(str(value) for value in values)


def _page(view: TenantSettingsView) -> TenantSettingsPage:
    shown = view.model_dump()
    values = {field: str(shown[field]) for field in TEXT_FIELDS}
    values["reminder_offsets_days"] = _text(view.reminder_offsets_days)
    values["retry_schedule_hours"] = _text(view.retry_schedule_hours)
    return TenantSettingsPage(
        values=values,
        suspend_service=view.suspend_service,
        oss_prior_year_rule=view.oss_prior_year_rule,
        logo=view.logo,
        currency=view.currency,
        default_sender=view.default_sender,
    )


def _whole(text: str) -> object:
    """A whole number typed in a field, else the text itself (the service refuses it by its rule)."""
    return int(text) if re.fullmatch(r"\s*-?\d{1,9}\s*", text) else text


def form_changes(values: dict[str, str], switches: dict[str, bool]) -> dict[str, object]:
    """The form's fields as the service takes them: numbers and lists of days parsed where they
    are numbers, anything else passed on for the service to refuse with its message."""
    changes: dict[str, object] = {field: values[field] for field in TEXT_FIELDS if field in values}
    if "payment_terms_days" in changes:
        changes["payment_terms_days"] = _whole(values["payment_terms_days"])
    for field in ("reminder_offsets_days", "retry_schedule_hours"):
        if field in changes:
            changes[field] = parse_days(values[field])
    changes.update({field: switches[field] for field in SWITCHES if field in switches})
    return changes


def tenant_settings_page(user: SignedInUser) -> TenantSettingsPage:
    with unit_of_work() as session:
        return _page(settings_service.tenant_settings(session, user_scope(user), actor(None, user)))


def save_tenant_settings(
    request: RequestContext, user: SignedInUser, values: dict[str, str], switches: dict[str, bool]
) -> TenantSettingsPage:
    """Save the form; `FieldErrors` (one message per bad field) changes nothing."""
    with unit_of_work() as session:
        view = settings_service.update_tenant_settings(
            session, user_scope(user), actor(request, user), form_changes(values, switches)
        )
        return _page(view)


def save_logo(request: RequestContext, user: SignedInUser, data: bytes | None) -> TenantSettingsPage:
    """Store an uploaded logo (PNG or JPEG, checked by its one rule), or remove it (None)."""
    logo = "" if data is None else settings_rules.logo_data_uri(data)
    with unit_of_work() as session:
        view = settings_service.update_tenant_settings(
            session, user_scope(user), actor(request, user), {"logo": logo}
        )
        return _page(view)
