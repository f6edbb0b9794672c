"""What admins send to configure payment reminders, and what pages and the API receive.

The input checks types only (whole numbers, a yes/no); the rules (positive, strictly increasing, at
most `MAX_REMINDER_STEPS`) are the settings service's, so a page and the API refuse the same input
with the same message.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt


class DunningSettingsInput(BaseModel):
    """The whole setting, replaced at once (PUT)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reminder_offsets_days: list[StrictInt] = Field(
        description="Days after the due date on which each reminder is sent, e.g. [3, 10, 17]; "
        "empty: no reminders, nothing goes past due",
        examples=[[3, 10, 17]],
    )
    suspend_service: StrictBool = Field(
        default=True,
        description="After the last reminder, also stop the servers of the past-due subscriptions",
    )


class DunningSettingsView(BaseModel):
    model_config = ConfigDict(frozen=True)

    reminder_offsets_days: list[int]
    suspend_service: bool
    enabled: bool  # at least one reminder step: the reminder job acts for this tenant
    suggested_offsets_days: list[int]  # what the page offers when no step is set
