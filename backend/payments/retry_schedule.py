"""When auto-billing tries again after a declined charge: the tenant's retry schedule (SPEC §5).

Stored in the tenant's settings JSON under "payments" (no table of its own):
`{"retry_schedule_hours": [0, 24, 72, 168]}`: attempt n is due `hours[n - 1]` hours after the FIRST
attempt (not after the one before), so a slow job or a webhook that arrived late never pushes the
whole schedule back. The first offset is always 0: an invoice is charged as soon as the coordinator
sees it issued. After the last attempt fails no further charge is scheduled; the invoice stays open
and dunning reminds the customer. A tenant that never set it gets `DEFAULT_RETRY_HOURS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlmodel import Session

from backend.audit import service as audit
from backend.kit.errors import FieldErrors, NotFoundError
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import Tenant
from backend.tenancy.settings_rules import DEFAULT_RETRY_HOURS, PAYMENTS_KEY, check_hours

SETTINGS_KEY = PAYMENTS_KEY
FIELD = "retry_schedule_hours"


class RetryScheduleInput(BaseModel):
    """The whole schedule, replaced at once (PUT)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    retry_schedule_hours: list[StrictInt] = Field(
        description="Hours after the first automatic charge at which each attempt is made; the first "
        "is 0, e.g. [0, 24, 72, 168] for now, +1 day, +3 days, +7 days",
        examples=[list(DEFAULT_RETRY_HOURS)],
    )


class RetryScheduleView(BaseModel):
    model_config = ConfigDict(frozen=True)

    retry_schedule_hours: list[int]
    attempts: int
    default_retry_schedule_hours: list[int]


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    hours: tuple[int, ...] = DEFAULT_RETRY_HOURS

    @property
    def attempts(self) -> int:
        return len(self.hours)

    def next_attempt_at(self, first_attempt_at: datetime, failed_attempts: int) -> datetime | None:
        """When attempt `failed_attempts + 1` is due, or None when the last one has failed."""
        if failed_attempts >= len(self.hours):
            return None
        return first_attempt_at + timedelta(hours=self.hours[failed_attempts])

    def view(self) -> RetryScheduleView:
        return RetryScheduleView(
            retry_schedule_hours=list(self.hours),
            attempts=self.attempts,
            default_retry_schedule_hours=list(DEFAULT_RETRY_HOURS),
        )


def schedule_of(tenant: Tenant) -> RetrySchedule:
    """The tenant's schedule as stored; none stored, or one edited by hand into breaking the rules,
    gives the default (a wrong hour must not stop retries altogether)."""
    stored: Mapping[str, Any] = (tenant.settings or {}).get(SETTINGS_KEY) or {}
    if FIELD not in stored:
        return RetrySchedule()
    try:
        return RetrySchedule(check_hours(stored.get(FIELD)))
    except FieldErrors:
        return RetrySchedule()


def tenant_schedule(session: Session, scope: TenantScope) -> RetrySchedule:
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    if tenant is None:
        raise NotFoundError("Tenant not found.")
    return schedule_of(tenant)


def retry_schedule(session: Session, scope: TenantScope, actor: audit.Actor) -> RetryScheduleView:
    """The tenant's retry schedule, for its admins."""
    authorize(actor, scope, Action.READ_PAYMENT_SETTINGS)
    return tenant_schedule(session, scope).view()


def update_retry_schedule(
    session: Session, scope: TenantScope, actor: audit.Actor, *, retry_schedule_hours: object
) -> RetryScheduleView:
    """Replace the retry schedule (checked first: bad input changes nothing). An invoice already
    waiting for its next attempt keeps that time; the attempts after it follow the new schedule."""
    authorize(actor, scope, Action.CHANGE_PAYMENT_SETTINGS)
    hours = check_hours(retry_schedule_hours)
    tenant = TenantDirectory(session).lock(scope.tenant_id)
    if tenant is None:
        raise NotFoundError("Tenant not found.")
    before = schedule_of(tenant)
    stored = {**((tenant.settings or {}).get(SETTINGS_KEY) or {}), FIELD: list(hours)}
    # A new dict: the JSON column notices a replaced value, not an edited one.
    tenant.settings = {**(tenant.settings or {}), SETTINGS_KEY: stored}
    session.flush()
    audit.record(
        session,
        scope,
        actor,
        "tenant.payment_retry_schedule",
        object_type="tenant",
        object_id=scope.tenant_id,
        before={FIELD: list(before.hours)},
        after={FIELD: list(hours)},
    )
    return RetrySchedule(hours).view()
