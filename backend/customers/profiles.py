"""The billing identity a customer keeps: read it, and change it with one message per wrong field.

The profile decides whom invoices are addressed to and how they are taxed (a business with a VAT ID
valid in VIES gets the reverse charge), so a change is checked field by field before anything is
written, a changed VAT ID is checked again (syntax, then VIES), and every change is audited with
its before and after. The order wizard and the profile page both save through `save_billing_profile`.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from backend.audit import service as audit
from backend.audit.service import Actor
from backend.customers.repository import CustomerAccountRepository, CustomerProfileRepository
from backend.customers.vat_checks import refresh_vat_status
from backend.integrations.vies import VatIdRegister
from backend.kit.errors import FieldErrors, NotFoundError, ValidationFailed
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import CustomerProfile, CustomerType, VatIdStatus
from backend.tax import country_code
from backend.tax.vat_ids import check_vat_id_syntax
from backend.tenancy.service import normalise_email

# Fields an order needs: the invoice must name and address its buyer (SPEC §7 documents).
REQUIRED_FOR_ORDER = ("name", "address_line1", "postal_code", "city", "country", "email")
_AUDITED = (
    "customer_type",
    "name",
    "company_name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "email",
    "phone",
    "vat_id",
    "billing_day",
)
_LIMITS = {"name": 200, "company_name": 200, "address_line1": 200, "address_line2": 200}
_LIMITS |= {"postal_code": 20, "city": 100, "phone": 40}
_LABELS = {
    "name": "Name",
    "company_name": "Company name",
    "address_line1": "Street and number",
    "address_line2": "Address line 2",
    "postal_code": "Postal code",
    "city": "City",
    "country": "Country",
    "email": "Invoice email",
    "phone": "Phone",
    "vat_id": "VAT ID",
    "billing_day": "Billing day",
}


class BillingProfileInput(BaseModel):
    """What the customer enters; free text here, every rule is checked by `save_billing_profile`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_type: CustomerType = CustomerType.PRIVATE
    name: str = Field(default="", max_length=400)
    company_name: str = Field(default="", max_length=400)
    address_line1: str = Field(default="", max_length=400)
    address_line2: str = Field(default="", max_length=400)
    postal_code: str = Field(default="", max_length=40)
    city: str = Field(default="", max_length=200)
    country: str = Field(default="", max_length=60)
    email: str = Field(default="", max_length=400)
    phone: str = Field(default="", max_length=80)
    vat_id: str = Field(default="", max_length=64)
    billing_day: int | None = Field(default=None, description="1-28; left out keeps the current day")


class BillingProfileView(BaseModel):
    customer_account_id: int
    customer_number: str
    customer_type: CustomerType
    name: str
    company_name: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    email: str
    phone: str
    vat_id: str
    vat_id_status: VatIdStatus
    vat_id_source: str
    vat_id_checked_at: datetime | None
    billing_day: int
    missing_for_order: list[str] = Field(description="Fields an order still needs, by name")


def read_billing_profile(
    session: Session, scope: TenantScope, actor: Actor, customer_account_id: int
) -> BillingProfileView:
    """The account's billing identity; another tenant's or another customer's account is not found."""
    authorize(actor, scope, Action.READ_BILLING_PROFILE, owner_account_id=customer_account_id)
    profile, number = _load(session, scope, customer_account_id)
    return _view(profile, number)


def save_billing_profile(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    customer_account_id: int,
    data: BillingProfileInput,
    vies: VatIdRegister,
) -> BillingProfileView:
    """Check every field, then write them all (or nothing), recheck a changed VAT ID and audit it.

    A business needs a company name; a VAT ID must have a right syntax (VIES then decides whether it
    is registered, and its answer is stored with its source); a VAT ID that did not change keeps
    its status. Raises `FieldErrors` with one message per wrong field.
    """
    authorize(actor, scope, Action.EDIT_BILLING_PROFILE, owner_account_id=customer_account_id)
    profile, number = _load(session, scope, customer_account_id)
    values = checked_profile(data, current_billing_day=profile.billing_day)
    before = {field: getattr(profile, field) for field in _AUDITED}
    vat_changed = values["vat_id"] != profile.vat_id
    for field, value in values.items():
        setattr(profile, field, value)
    if vat_changed:
        profile.vat_id_status = VatIdStatus.UNCHECKED
        profile.vat_id_source = ""
        profile.vat_id_checked_at = None
    account = CustomerAccountRepository(session, scope).get(customer_account_id)
    if account is not None:
        account.name = profile.company_name or profile.name
        account.customer_type = profile.customer_type
    session.flush()
    if vat_changed and profile.vat_id:
        refresh_vat_status(session, scope, customer_account_id, vies)
    after = {field: getattr(profile, field) for field in _AUDITED}
    changed = {k: v for k, v in after.items() if before[k] != v}
    if changed:
        audit.record(
            session,
            scope,
            actor,
            "customer.profile_updated",
            object_type="customer_account",
            object_id=customer_account_id,
            before={k: before[k] for k in changed},
            after=changed | {"vat_id_status": str(profile.vat_id_status)},
        )
    return _view(profile, number)


def checked_profile(data: BillingProfileInput, *, current_billing_day: int) -> dict[str, object]:
    """The values to store, or `FieldErrors` naming each wrong field (nothing is written)."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {"customer_type": data.customer_type}
    for field, limit in _LIMITS.items():
        value = getattr(data, field)
        if len(value) > limit:
            errors[field] = f"{_LABELS[field]} must be at most {limit} characters (got {len(value)})."
        values[field] = value
    for field in ("name", "address_line1", "postal_code", "city"):
        if not values[field] and field not in errors:
            errors[field] = f"{_LABELS[field]} is required."
    if data.customer_type == CustomerType.BUSINESS and not data.company_name:
        errors["company_name"] = "Company name is required for a business."
    code = country_code(data.country)
    if len(code) != 2 or not code.isalpha():
        errors["country"] = "Country must be a two-letter code such as DE."
    values["country"] = code
    try:
        values["email"] = normalise_email(data.email)
    except ValidationFailed:
        errors["email"] = (
            "Invoice email is not a valid email address." if data.email else "Invoice email is required."
        )
    values["phone"] = data.phone[:40]
    values["vat_id"] = ""
    if data.vat_id:
        try:
            values["vat_id"] = check_vat_id_syntax(data.vat_id)
        except ValidationFailed as exc:
            errors["vat_id"] = str(exc)
    billing_day = current_billing_day if data.billing_day is None else data.billing_day
    if not 1 <= billing_day <= 28:
        errors["billing_day"] = f"Billing day must be between 1 and 28 (got {billing_day})."
    values["billing_day"] = billing_day
    if errors:
        raise FieldErrors(errors)
    return values


def missing_for_order(profile: CustomerProfile) -> list[str]:
    """The fields an order still needs (a sign-up leaves the address empty)."""
    missing = [field for field in REQUIRED_FOR_ORDER if not str(getattr(profile, field) or "").strip()]
    if profile.customer_type == CustomerType.BUSINESS and not profile.company_name.strip():
        missing.append("company_name")
    return missing


def field_label(field: str) -> str:
    return _LABELS.get(field, field.replace("_", " ").capitalize())


def _load(session: Session, scope: TenantScope, customer_account_id: int) -> tuple[CustomerProfile, str]:
    account = CustomerAccountRepository(session, scope).get(customer_account_id)
    profile = CustomerProfileRepository(session, scope).for_account(customer_account_id)
    if account is None or profile is None:
        raise NotFoundError(f"Customer {customer_account_id} has no billing profile.")
    return profile, account.number


def _view(profile: CustomerProfile, number: str) -> BillingProfileView:
    return BillingProfileView(
        customer_account_id=profile.customer_account_id,
        customer_number=number,
        customer_type=profile.customer_type,
        name=profile.name,
        company_name=profile.company_name,
        address_line1=profile.address_line1,
        address_line2=profile.address_line2,
        postal_code=profile.postal_code,
        city=profile.city,
        country=profile.country,
        email=profile.email,
        phone=profile.phone,
        vat_id=profile.vat_id,
        vat_id_status=profile.vat_id_status,
        vat_id_source=profile.vat_id_source,
        vat_id_checked_at=profile.vat_id_checked_at,
        billing_day=profile.billing_day,
        missing_for_order=missing_for_order(profile),
    )
