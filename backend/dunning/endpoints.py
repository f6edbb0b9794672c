"""The dunning settings over REST: the tenant's reminder steps, read and replaced by admins with the
"admin" scope. Bad steps are a 422 with one `errors` entry naming `reminder_offsets_days`, and
change nothing."""

from __future__ import annotations

from fastapi import APIRouter, Request

from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.db import unit_of_work
from backend.dunning import settings
from backend.dunning.schemas import DunningSettingsInput, DunningSettingsView

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/admin/settings/dunning", summary="Get the payment reminder settings")
def get_dunning_settings(request: Request, principal: TokenPrincipal) -> DunningSettingsView:
    """The days after the due date on which reminders go out; after the last one the invoice's
    subscriptions go past due (and their servers are stopped when `suspend_service`)."""
    with unit_of_work() as session:
        return settings.dunning_settings(session, token_scope(principal), token_actor(request, principal))


@router.put("/admin/settings/dunning", summary="Replace the payment reminder settings")
def put_dunning_settings(
    body: DunningSettingsInput, request: Request, principal: TokenPrincipal
) -> DunningSettingsView:
    """At most five steps, each 1 to 365 days after the due date, strictly increasing; an empty
    list switches reminders off. Invoices already reminded keep their step."""
    with unit_of_work() as session:
        return settings.update_dunning_settings(
            session,
            token_scope(principal),
            token_actor(request, principal),
            reminder_offsets_days=body.reminder_offsets_days,
            suspend_service=body.suspend_service,
        )
