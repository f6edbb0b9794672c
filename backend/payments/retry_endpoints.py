"""The auto-billing retry schedule over REST, read and replaced by admins with the "admin" scope.
A schedule that breaks the rules is a 422 with one `errors` entry naming `retry_schedule_hours`,
and changes nothing. (The Stripe keys have their own route; the page shows both.)"""

from __future__ import annotations

from fastapi import APIRouter, Request

from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.db import unit_of_work
from backend.payments import retry_schedule
from backend.payments.retry_schedule import RetryScheduleInput, RetryScheduleView

router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/admin/settings/payments", summary="Get the automatic payment retry schedule")
def get_payment_settings(request: Request, principal: TokenPrincipal) -> RetryScheduleView:
    """When a declined automatic charge is tried again: hours after the first attempt."""
    with unit_of_work() as session:
        return retry_schedule.retry_schedule(session, token_scope(principal), token_actor(request, principal))


@router.put("/admin/settings/payments", summary="Replace the automatic payment retry schedule")
def put_payment_settings(
    body: RetryScheduleInput, request: Request, principal: TokenPrincipal
) -> RetryScheduleView:
    """One to eight attempts in whole hours after the first, starting at 0, strictly increasing, at
    most 1440 (60 days). After the last failed attempt the invoice is left to the payment reminders."""
    with unit_of_work() as session:
        return retry_schedule.update_retry_schedule(
            session,
            token_scope(principal),
            token_actor(request, principal),
            retry_schedule_hours=body.retry_schedule_hours,
        )
