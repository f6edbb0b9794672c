"""The tenant's settings as its admins edit them on `/admin/settings` and over
`GET/PUT /api/v1/admin/settings`: issuer identity, logo and colour, payment terms, minimum invoice
amount, reminder steps, payment retry schedule, OSS rule, mail sender.

Each field follows its one rule (the profile's for the identity, settings_rules.py for the rest,
tax.oss for the threshold); every bad field is reported at once (`FieldErrors`) and nothing is
written. A save that changes something is audited once, with the changed fields before and after
(the logo as its type, size and digest, not its bytes).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from backend.audit import service as audit
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import Tenant
from backend.settings import get_settings
from backend.tax import oss
from backend.tenancy import settings_rules as rules
from backend.tenancy.profile import TenantProfile, apply_profile, profile_values
from backend.tenancy.schemas import TenantSettingsView

# The issuer identity: the profile's rules (the operator's CLI uses the same). Country before the
# VAT ID, which must belong to it.
IDENTITY = ("legal_name", "address", "country", "vat_id", "iban", "bic", "email")
_RULES: dict[str, Any] = {
    "logo": rules.check_logo,
    "brand_color": rules.check_brand_color,
    "payment_terms_days": rules.check_payment_terms,
    "minimum_invoice_amount": rules.check_minimum_amount,
    "reminder_offsets_days": rules.check_offsets,
    "suspend_service": lambda value: rules.check_flag("suspend_service", value),
    "retry_schedule_hours": rules.check_hours,
    "oss_threshold": oss.check_threshold,
    "oss_prior_year_rule": lambda value: rules.check_flag("oss_prior_year_rule", value),
    "mail_from_name": rules.check_sender_name,
    "mail_from_address": rules.check_sender_address,
}
FIELDS = frozenset({*IDENTITY, *_RULES})


def _tenant(session: Session, scope: TenantScope, *, lock: bool = False) -> Tenant:
    directory = TenantDirectory(session)
    tenant = directory.lock(scope.tenant_id) if lock else directory.by_id(scope.tenant_id)
    if tenant is None:
        raise NotFoundError("Tenant not found.")
    return tenant


def settings_view(tenant: Tenant) -> TenantSettingsView:
    """What the tenant's settings are now; values stored by hand that break a rule show as the
    default the reading domain falls back to."""
    stored = tenant.settings or {}
    dunning = rules.stored_section(stored, rules.DUNNING_KEY)
    payments = rules.stored_section(stored, rules.PAYMENTS_KEY)
    billing = rules.stored_section(stored, rules.BILLING_KEY)
    name, address = rules.sender_of(stored)
    threshold = oss.oss_settings(tenant)
    identity = profile_values(tenant)
    return TenantSettingsView(
        **{field: identity[field] for field in IDENTITY},
        logo=_or_default(rules.check_logo, stored.get(rules.LOGO_KEY, ""), ""),
        brand_color=_or_default(rules.check_brand_color, stored.get(rules.BRAND_COLOR_KEY, ""), ""),
        payment_terms_days=tenant.payment_terms_days,
        minimum_invoice_amount=str(
            _or_default(rules.check_minimum_amount, billing.get("minimum_invoice_amount", "0.00"), "0.00")
        ),
        currency=tenant.default_currency,
        reminder_offsets_days=list(
            _or_default(rules.check_offsets, dunning.get("reminder_offsets_days", []), [])
        ),
        suspend_service=bool(dunning.get("suspend_service", True)),
        retry_schedule_hours=list(
            _or_default(rules.check_hours, payments.get("retry_schedule_hours"), rules.DEFAULT_RETRY_HOURS)
        ),
        oss_threshold=str(threshold.threshold),
        oss_prior_year_rule=threshold.prior_year_rule,
        mail_from_name=name,
        mail_from_address=address,
        default_sender=get_settings().smtp_from,
    )


def _or_default(rule: Any, value: object, default: Any) -> Any:
    try:
        return rule(value)
    except FieldErrors:
        return default


def tenant_settings(session: Session, scope: TenantScope, actor: audit.Actor) -> TenantSettingsView:
    """The tenant's settings, for its admins."""
    authorize(actor, scope, Action.READ_TENANT_SETTINGS)
    return settings_view(_tenant(session, scope))


def _checked_identity(tenant: Tenant, changes: Mapping[str, object]) -> tuple[TenantProfile, dict[str, str]]:
    """The profile with the identity changes applied, and each refused field's message. A value not
    changed is not checked again, except the VAT ID when the country changes (to a valid one)."""
    current = profile_values(tenant)
    profile = TenantProfile.model_construct(**current)
    errors: dict[str, str] = {}
    # The page sends every field: a value as stored is no change (a tenant made before these rules,
    # such as one with the deployment's example VAT ID, can still save its other settings).
    wanted = {field: value for field, value in changes.items() if value != current[field]}
    if "country" in wanted:
        wanted.setdefault("vat_id", profile.vat_id)
    for field in IDENTITY:
        if field not in wanted or (
            field == "vat_id" and "country" in errors and wanted[field] == current[field]
        ):
            continue
        value = wanted[field]
        try:
            setattr(profile, field, value if isinstance(value, str) else str(value))
        except ValidationError as exc:
            errors[field] = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
    return profile, errors


def update_tenant_settings(
    session: Session, scope: TenantScope, actor: audit.Actor, changes: Mapping[str, object]
) -> TenantSettingsView:
    """Change the given settings (a field left out keeps its value). Every field breaking its rule
    is named in one `FieldErrors` and nothing is written. Invoices already issued keep their due
    date and presentation; the next invoice, reminder, retry and mail use the new values."""
    authorize(actor, scope, Action.CHANGE_TENANT_SETTINGS)
    unknown = sorted(set(changes) - FIELDS)
    if unknown:
        raise FieldErrors({field: "There is no such setting." for field in unknown})
    if "retry_schedule_hours" in changes:
        authorize(actor, scope, Action.CHANGE_PAYMENT_SETTINGS)
    tenant = _tenant(session, scope, lock=True)  # two admins saving at once: one after the other
    profile, errors = _checked_identity(tenant, {k: v for k, v in changes.items() if k in IDENTITY})
    try:
        values = rules.checked_all(
            {field: (_RULES[field], changes[field]) for field in _RULES if field in changes}
        )
    except FieldErrors as exc:
        errors.update(exc.fields)
        values = {}
    if errors:
        raise FieldErrors(errors)
    before = settings_view(tenant)
    apply_profile(tenant, profile)
    _store(tenant, values)
    session.add(tenant)
    session.flush()
    after = settings_view(tenant)
    changed = [field for field in sorted(FIELDS) if getattr(before, field) != getattr(after, field)]
    if changed:
        audit.record(
            session,
            scope,
            actor,
            "tenant.settings_changed",
            object_type="tenant",
            object_id=scope.tenant_id,
            before={field: _audited(before, field) for field in changed},
            after={field: _audited(after, field) for field in changed},
        )
    return after


def _store(tenant: Tenant, values: Mapping[str, Any]) -> None:
    """Write the checked values where the domains read them. A new dict per section: the JSON
    column notices a replaced value, not an edited one."""
    settings = dict(tenant.settings or {})

    def section(key: str, **fields: Any) -> None:
        settings[key] = {**rules.stored_section(settings, key), **fields}

    if "payment_terms_days" in values:
        tenant.payment_terms_days = values["payment_terms_days"]
    if "logo" in values:
        settings[rules.LOGO_KEY] = values["logo"]
    if "brand_color" in values:
        settings[rules.BRAND_COLOR_KEY] = values["brand_color"]
    if "minimum_invoice_amount" in values:
        section(rules.BILLING_KEY, minimum_invoice_amount=str(values["minimum_invoice_amount"]))
    if "reminder_offsets_days" in values:
        section(rules.DUNNING_KEY, reminder_offsets_days=list(values["reminder_offsets_days"]))
    if "suspend_service" in values:
        section(rules.DUNNING_KEY, suspend_service=values["suspend_service"])
    if "retry_schedule_hours" in values:
        section(rules.PAYMENTS_KEY, retry_schedule_hours=list(values["retry_schedule_hours"]))
    if "oss_threshold" in values:
        section(oss.TAX_SETTINGS, oss_threshold=str(values["oss_threshold"]))
    if "oss_prior_year_rule" in values:
        section(oss.TAX_SETTINGS, oss_prior_year_rule=values["oss_prior_year_rule"])
    if "mail_from_name" in values:
        section(rules.MAIL_KEY, from_name=values["mail_from_name"])
    if "mail_from_address" in values:
        section(rules.MAIL_KEY, from_address=values["mail_from_address"])
    tenant.settings = settings


def _audited(view: TenantSettingsView, field: str) -> object:
    """A field's value as the audit log keeps it: the logo by type, size and digest only."""
    value = getattr(view, field)
    if field != "logo" or not value:
        return value
    header, _, data = str(value).partition(",")
    raw = base64.b64decode(data)
    kind = header.removeprefix("data:").removesuffix(";base64")
    return f"{kind}, {len(raw)} bytes, sha256 {hashlib.sha256(raw).hexdigest()[:16]}"
