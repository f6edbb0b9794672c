"""Keeping customers' VAT ID statuses current: syntax first, then VIES, retried when VIES is down."""

from __future__ import annotations

from sqlmodel import Session

from backend import clock
from backend.customers.repository import CustomerProfileRepository
from backend.integrations.vies import VatIdRegister, ViesStatus
from backend.kit.errors import NotFoundError, ValidationFailed
from backend.kit.repository import TenantScope
from backend.models import CustomerProfile
from backend.models.enums import VatIdStatus
from backend.tax.vat_ids import check_vat_id_syntax

SOURCE_SYNTAX = "syntax"
SOURCE_VIES = "vies"
# VIES did not answer the last attempt; the status is the one an earlier answer gave (if any).
SOURCE_VIES_UNREACHABLE = "vies_unreachable"


_VIES_TO_STATUS = {ViesStatus.VALID: VatIdStatus.VALID, ViesStatus.INVALID: VatIdStatus.INVALID}


def refresh_vat_status(
    session: Session, scope: TenantScope, customer_account_id: int, client: VatIdRegister
) -> VatIdStatus:
    """Check the customer's VAT ID and store the result on its billing profile.

    A VAT ID with a wrong syntax is `invalid` without asking VIES (source "syntax"); otherwise VIES
    decides (source "vies"). When VIES cannot answer, a status an earlier answer gave (valid or
    invalid) is kept and the attempt is recorded (source "vies_unreachable", checked now). A profile
    without a VAT ID is `unchecked`. Whoever changes a profile's VAT ID resets its status to
    `unchecked`, so a status never outlives the ID it was found for.
    """
    profile = CustomerProfileRepository(session, scope).for_account(customer_account_id)
    if profile is None:
        raise NotFoundError(f"Customer {customer_account_id} has no billing profile.")
    status, source = _check(profile, client)
    profile.vat_id_status = status
    profile.vat_id_source = source
    profile.vat_id_checked_at = clock.now() if source else None
    session.flush()
    return status


def _check(profile: CustomerProfile, client: VatIdRegister) -> tuple[VatIdStatus, str]:
    """The profile's new VAT ID status and its source (empty: nothing was checked)."""
    if not profile.vat_id.strip():
        profile.vat_id = ""  # a blank ID is no ID: it is never due for a check again
        return VatIdStatus.UNCHECKED, ""
    try:
        profile.vat_id = check_vat_id_syntax(profile.vat_id)
    except ValidationFailed:
        return VatIdStatus.INVALID, SOURCE_SYNTAX
    result = client.check(profile.vat_id)
    if result.status != ViesStatus.UNREACHABLE:
        return _VIES_TO_STATUS[result.status], SOURCE_VIES
    known = profile.vat_id_status in {VatIdStatus.VALID, VatIdStatus.INVALID}
    return (profile.vat_id_status if known else VatIdStatus.UNREACHABLE), SOURCE_VIES_UNREACHABLE
