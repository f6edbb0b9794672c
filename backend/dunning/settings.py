"""The tenant's payment reminder settings (SPEC §3 tenant settings, §4 dunning).

Stored in the tenant's settings JSON under "dunning" (no table of its own):
`{"reminder_offsets_days": [3, 10, 17], "suspend_service": true}`. A tenant that never set them
sends no reminders and suspends nothing: switching dunning on for every existing tenant at deploy
time would remind (and suspend) customers for invoices that have been overdue for months
(docs/decisions.md). The admin page suggests `SUGGESTED_OFFSETS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from backend.audit import service as audit
from backend.dunning.schemas import DunningSettingsView
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import Tenant
from backend.tenancy.settings_rules import DUNNING_KEY, check_offsets

SETTINGS_KEY = DUNNING_KEY
SUGGESTED_OFFSETS = (3, 10, 17)


@dataclass(frozen=True, slots=True)
class DunningPolicy:
    """The reminder steps of a tenant: step n (1-based) is due `offsets[n - 1]` calendar days after
    an invoice's due date; after the last one its subscriptions go past due."""

    offsets: tuple[int, ...] = ()
    suspend_service: bool = True
    time_zone: str = "UTC"  # the tenant's: a step is due on a calendar day at the due time of day

    @property
    def steps(self) -> int:
        return len(self.offsets)

    def view(self) -> DunningSettingsView:
        return DunningSettingsView(
            reminder_offsets_days=list(self.offsets),
            suspend_service=self.suspend_service,
            enabled=bool(self.offsets),
            suggested_offsets_days=list(SUGGESTED_OFFSETS),
        )


def policy_of(tenant: Tenant) -> DunningPolicy:
    """The tenant's reminder steps as stored; a stored value that breaks the rules (edited by hand)
    counts as no reminders rather than reminding on a wrong day."""
    stored: Mapping[str, Any] = (tenant.settings or {}).get(SETTINGS_KEY) or {}
    try:
        offsets = check_offsets(list(stored.get("reminder_offsets_days") or []))
    except FieldErrors:
        offsets = ()
    return DunningPolicy(offsets, bool(stored.get("suspend_service", True)), tenant.time_zone)


def tenant_policy(session: Session, scope: TenantScope) -> DunningPolicy:
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    if tenant is None:
        raise NotFoundError("Tenant not found.")
    return policy_of(tenant)


def dunning_settings(session: Session, scope: TenantScope, actor: audit.Actor) -> DunningSettingsView:
    """The tenant's reminder steps, for its admins."""
    authorize(actor, scope, Action.READ_DUNNING_SETTINGS)
    return tenant_policy(session, scope).view()


def update_dunning_settings(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    *,
    reminder_offsets_days: object,
    suspend_service: bool,
) -> DunningSettingsView:
    """Replace the tenant's reminder steps (checked first: bad input changes nothing). Invoices
    already reminded keep their step; a new later step still comes, a removed one does not."""
    authorize(actor, scope, Action.CHANGE_TENANT_SETTINGS)
    offsets = check_offsets(reminder_offsets_days)
    tenant = TenantDirectory(session).lock(scope.tenant_id)
    if tenant is None:
        raise NotFoundError("Tenant not found.")
    before = policy_of(tenant)
    after = DunningPolicy(offsets, bool(suspend_service), tenant.time_zone)
    stored = {"reminder_offsets_days": list(offsets), "suspend_service": after.suspend_service}
    # A new dict: the JSON column notices a replaced value, not an edited one.
    tenant.settings = {**(tenant.settings or {}), SETTINGS_KEY: stored}
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "tenant.dunning_settings",
        object_type="tenant",
        object_id=scope.tenant_id,
        before={"reminder_offsets_days": list(before.offsets), "suspend_service": before.suspend_service},
        after=stored,
    )
    return after.view()
