"""Reminder days in the time machine (`billing-console simulate`): the scenario's tenant settings
switch dunning on, and the runner stops its clock when the next step falls due.

Alice orders a 10.00 monthly plan on 1 April 2027 at 09:00 Berlin time (billing day 2, payment terms
0 days). The invoice run issues her invoice at the first full hour of 2 April local time, 00:00+02:00,
due at once; it is overdue an hour later. Reminders 1 and 2 days after the due date fall on
3 April 00:00+02:00 and 4 April 00:00+02:00; after the second (the last) her subscription is past due.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.demo import scenario_runner
from backend.demo.scenario import parse_scenario
from backend.demo.scenario_report import as_data
from backend.demo.scenario_runner import run_scenario


def scenario(until: str) -> str:
    return json.dumps(
        {
            "tenant": {
                "time_zone": "Europe/Berlin",
                "payment_terms_days": 0,
                "settings": {"dunning": {"reminder_offsets_days": [1, 2], "suspend_service": True}},
            },
            "plans": {"basic": {"price": "10.00"}},
            "customers": {"alice": {"country": "DE", "billing_day": 2}},
            "events": [
                {
                    "at": "2027-04-01T09:00:00+02:00",
                    "type": "order",
                    "customer": "alice",
                    "subscription": "web",
                    "plan": "basic",
                }
            ],
            "until": until,
        }
    )


def run(until: str) -> dict[str, Any]:
    return as_data(run_scenario(parse_scenario(scenario(until))))


def test_the_subscription_goes_past_due_exactly_when_the_last_step_is_due() -> None:
    before = run("2027-04-03T23:59:00+02:00")
    [invoice] = before["documents"]
    assert (invoice["issued_at"], invoice["status"]) == ("2027-04-01T22:00:00Z", "overdue")
    assert before["subscriptions"]["web"]["status"] == "active"
    # `until` off the hourly grid: past due only because the runner stopped when the step fell due
    assert run("2027-04-04T00:30:00+02:00")["subscriptions"]["web"]["status"] == "past_due"


def test_jumping_gives_the_same_result_as_stopping_every_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    jumping = run("2027-04-05T12:30:00+02:00")
    monkeypatch.setattr(  # the reference: every coordinator runs at every full hour
        scenario_runner._Machine,
        "_next_work",
        lambda _self, now: (
            now.replace(minute=0, second=0, microsecond=0) + scenario_runner.timedelta(hours=1)
        ),
    )
    hourly = run("2027-04-05T12:30:00+02:00")
    assert jumping["run"].pop("stops") < hourly["run"].pop("stops")
    assert jumping == hourly
    assert jumping["subscriptions"]["web"]["status"] == "past_due"
