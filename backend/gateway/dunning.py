"""What `/admin/dunning` calls: the tenant's payment reminder steps as the page shows them, and
saving them (the settings service checks the rules and the admin role, as for the API)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.db import unit_of_work
from backend.dunning import settings as dunning
from backend.dunning.schemas import DunningSettingsView
from backend.gateway.units import actor, user_scope
from backend.kit.principals import RequestContext, SignedInUser

_ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth")


@dataclass(frozen=True, slots=True)
class ReminderRow:
    """One line of "what happens when an invoice is not paid"."""

    when: str  # "3 days after the due date"
    what: str


@dataclass(frozen=True, slots=True)
class DunningPage:
    offsets_text: str  # "3, 10, 17": what the form's field shows
    suspend_service: bool
    enabled: bool
    suggested_text: str
    timeline: list[ReminderRow]


def _text(days: list[int]) -> str:
    return ", ".join(str(day) for day in days)


def _days(day: int) -> str:
    return f"{day} day{'s' if day != 1 else ''} after the due date"


def timeline(view: DunningSettingsView) -> list[ReminderRow]:
    """The steps in words: each reminder, what the last one does, and what paying undoes."""
    days = view.reminder_offsets_days
    rows = [
        ReminderRow(_days(day), f"{_ORDINALS[number]} payment reminder by email")
        for number, day in enumerate(days[:-1])
    ]
    if days:
        stop = " and their servers are stopped" if view.suspend_service else ""
        rows.append(
            ReminderRow(
                _days(days[-1]),
                f"{'Final' if len(days) > 1 else 'One'} payment reminder; the subscriptions billed on the"
                f" invoice go past due{stop}",
            )
        )
        start = " and their servers start again" if view.suspend_service else ""
        rows.append(ReminderRow("When the invoice is paid", f"Past-due subscriptions become active{start}"))
    return rows


def _page(view: DunningSettingsView) -> DunningPage:
    return DunningPage(
        offsets_text=_text(view.reminder_offsets_days),
        suspend_service=view.suspend_service,
        enabled=view.enabled,
        suggested_text=_text(view.suggested_offsets_days),
        timeline=timeline(view),
    )


def parse_days(text: str) -> list[object]:
    """ "3, 10, 17" (commas or spaces) as a list; a word that is no whole number stays a word, so
    the settings service refuses it with its own message."""
    return [
        int(word) if re.fullmatch(r"-?\d{1,6}", word) else word for word in re.split(r"[\s,;]+", text) if word
    ]


def dunning_page(user: SignedInUser) -> DunningPage:
    with unit_of_work() as session:
        return _page(dunning.dunning_settings(session, user_scope(user), actor(None, user)))


def save_dunning_settings(
    request: RequestContext, user: SignedInUser, offsets_text: str, suspend_service: bool
) -> DunningPage:
    """Replace the steps; `FieldErrors` (naming `reminder_offsets_days`) changes nothing."""
    with unit_of_work() as session:
        view = dunning.update_dunning_settings(
            session,
            user_scope(user),
            actor(request, user),
            reminder_offsets_days=parse_days(offsets_text),
            suspend_service=suspend_service,
        )
        return _page(view)
