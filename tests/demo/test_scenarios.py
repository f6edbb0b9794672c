"""The scenario runner (`billing-console simulate --scenario`): the shipped examples give the
hand-computed figures through the CLI and through the function, bad files are refused naming the
field, refusals land in `errors`, output is deterministic, and nothing outside a temp dir is touched.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from backend.demo import scenario_runner
from backend.demo.scenario import ScenarioError, load_scenario, parse_scenario
from backend.demo.scenario_format import render
from backend.demo.scenario_report import ScenarioReport, as_data
from backend.demo.scenario_runner import merge_settings, run_scenario
from backend.subscriptions.errors import SubscriptionError
from backend.subscriptions.service import Lifecycle
from billing_console.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "scenarios"
ROOT = EXAMPLES.parent.parent
MINUTE = timedelta(minutes=1)

_reports: dict[str, ScenarioReport] = {}
_cli_runs: dict[str, str] = {}


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "billing_console.cli", "simulate", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=cwd or ROOT,
        timeout=180,
    )


def report_of(name: str) -> ScenarioReport:
    if name not in _reports:
        _reports[name] = run_scenario(load_scenario(EXAMPLES / f"{name}.json"))
    return _reports[name]


def by_function(name: str) -> dict[str, Any]:
    return as_data(report_of(name))


def cli_output(name: str) -> str:
    if name not in _cli_runs:
        result = cli("--scenario", str(EXAMPLES / f"{name}.json"), "--format", "json")
        assert result.returncode == 0, result.stderr
        _cli_runs[name] = result.stdout
    return _cli_runs[name]


def by_cli(name: str) -> dict[str, Any]:
    return json.loads(cli_output(name))


def run_inline(text: str) -> dict[str, Any]:
    return as_data(run_scenario(parse_scenario(text)))


def document(data: dict[str, Any], number: str) -> dict[str, Any]:
    return next(d for d in data["documents"] if d["number"] == number)


def line_figures(doc: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    return [(li["description"], li["net"], li["tax_rate"], li["tax"], li["gross"]) for li in doc["lines"]]


def totals(doc: dict[str, Any]) -> tuple[str, str, str]:
    return doc["totals"]["net"], doc["totals"]["tax"], doc["totals"]["gross"]


# --- the shipped examples, each checked on the CLI's output and on the function's -------------------


def check_upgrade_mid_month(data: dict[str, Any]) -> None:
    # Basic 10.00/month from 6 Apr 09:00 to 6 May 09:00 (30 days, no DST change), charged in advance.
    # Change to Pro on 21 Apr 09:00 with 15 of the 30 days left:
    #   credit 10.00 × 15/30 = 5.00, Pro 30.00 × 15/30 = 15.00.
    # Invoice on billing day 1 May at local midnight (30 Apr 22:00 UTC): net 10.00 + 15.00 − 5.00 = 20.00,
    #   tax 19 % per line 1.90 + 2.85 − 0.95 = 3.80, gross 23.80; due 1 May + 14 days = 15 May → overdue.
    first = document(data, "INV-2027-00001")
    assert (first["customer"], first["issued_at"], first["issue_date"]) == (
        "alice",
        "2027-04-30T22:00:00Z",
        "2027-05-01",
    )
    assert (first["tax_mode"], first["tax_country"], first["currency"]) == ("domestic", "DE", "EUR")
    assert line_figures(first) == [
        ("Basic", "10.00", "19", "1.90", "11.90"),
        ("Pro (prorated)", "15.00", "19", "2.85", "17.85"),
        ("Credit for unused time: Basic", "-5.00", "19", "-0.95", "-5.95"),
    ]
    assert totals(first) == ("20.00", "3.80", "23.80")
    assert (first["status"], first["due_date"]) == ("overdue", "2027-05-15")
    assert first["lines"][1]["period_start"] == "2027-04-21T09:00:00+02:00"
    assert first["lines"][1]["period_end"] == "2027-05-06T09:00:00+02:00"
    # 6 May: Pro's first full period 6 May – 6 Jun, 30.00 + 19 % 5.70 = 35.70, invoiced 1 June, due 15 June.
    second = document(data, "INV-2027-00002")
    assert line_figures(second) == [("Pro", "30.00", "19", "5.70", "35.70")]
    assert (second["issue_date"], second["status"]) == ("2027-06-01", "issued")
    assert [(c["kind"], c["net"], c["document"]) for c in data["charges"]] == [
        ("charge", "10.00", "INV-2027-00001"),
        ("charge", "15.00", "INV-2027-00001"),
        ("credit", "-5.00", "INV-2027-00001"),
        ("charge", "30.00", "INV-2027-00002"),
    ]
    web = data["subscriptions"]["web"]
    assert (web["plan"], web["status"]) == ("pro", "active")
    assert web["current_period"] == {"start": "2027-05-06T09:00:00+02:00", "end": "2027-06-06T09:00:00+02:00"}
    assert data["errors"] == []
    # 23.80 + 35.70 = 59.50
    assert data["customers"]["alice"]["EUR"]["billed_gross"] == "59.50"


def check_trial_then_cancel(data: dict[str, Any]) -> None:
    # Ordered 3 May 10:00 with 14 trial days: the trial ends 17 May 10:00 and costs nothing.
    # Periods 17 May – 17 Jun – 17 Jul at 20.00 in advance. Cancel on 10 Jun with 30 days' notice:
    # the notice ends 10 Jul, inside 17 Jun – 17 Jul, so it ends 17 Jul; 17 Jul – 17 Aug is never charged.
    assert [(c["period_start"], c["net"]) for c in data["charges"]] == [
        ("2027-05-17T10:00:00+02:00", "20.00"),
        ("2027-06-17T10:00:00+02:00", "20.00"),
    ]
    # Invoices on 1 Jun and 1 Jul: 20.00 + 19 % 3.80 = 23.80 each.
    assert [(d["number"], d["issue_date"], totals(d)) for d in data["documents"]] == [
        ("INV-2027-00001", "2027-06-01", ("20.00", "3.80", "23.80")),
        ("INV-2027-00002", "2027-07-01", ("20.00", "3.80", "23.80")),
    ]
    cloud = data["subscriptions"]["cloud"]
    assert cloud["status"] == "canceled"
    assert cloud["trial_end"] == "2027-05-17T10:00:00+02:00"
    assert cloud["cancel_effective_at"] == cloud["canceled_at"] == "2027-07-17T10:00:00+02:00"
    assert data["errors"] == []


def check_reverse_charge(data: dict[str, Any]) -> None:
    # Anchored on the 1st at the order's local time: stub 10 Jun 12:00 – 1 Jul 12:00 = 21 days of the
    # full period 1 Jun 12:00 – 1 Jul 12:00 (30 days): 50.00 × 21/30 = 35.00. Billing day 15.
    # acme: AT business with a confirmed VAT ID → reverse charge in AT, 0 %, gross 35.00.
    # bob: AT consumer, seller far below the OSS threshold → German VAT 19 %: 6.65, gross 41.65.
    acme, bob = document(data, "INV-2027-00001"), document(data, "INV-2027-00002")
    assert (acme["customer"], acme["tax_mode"], acme["tax_country"]) == ("acme", "reverse_charge", "AT")
    assert line_figures(acme) == [("Server M (prorated)", "35.00", "0", "0.00", "35.00")]
    assert (bob["customer"], bob["tax_mode"], bob["tax_country"]) == ("bob", "domestic", "DE")
    assert line_figures(bob) == [("Server M (prorated)", "35.00", "19", "6.65", "41.65")]
    assert acme["issue_date"] == bob["issue_date"] == "2027-06-15"
    # 1 Jul – 1 Aug in full, invoiced 15 Jul: acme 50.00; bob 50.00 + 9.50 = 59.50.
    assert totals(document(data, "INV-2027-00003")) == ("50.00", "0.00", "50.00")
    assert totals(document(data, "INV-2027-00004")) == ("50.00", "9.50", "59.50")
    assert document(data, "INV-2027-00004")["customer"] == "bob"
    # acme 35.00 + 50.00 = 85.00; bob 41.65 + 59.50 = 101.15
    assert data["customers"]["acme"]["EUR"]["invoiced_gross"] == "85.00"
    assert data["customers"]["bob"]["EUR"]["invoiced_gross"] == "101.15"


def check_commitment_refused_cancel(data: dict[str, Any]) -> None:
    # 25.00/month from 5 Apr 09:00 with a 90-day minimum term: 5 Apr + 90 days = 4 Jul.
    assert data["errors"] == [
        {
            "event": 1,
            "at": "2027-05-20T09:00:00+02:00",
            "type": "cancel",
            "code": "subscription_error",
            "message": "Your plan has a minimum term until 2027-07-04; you can cancel from then on.",
        }
    ]
    # Cancel on 10 Jul: ends with the running period 5 Jul – 5 Aug; charges on 5 Apr, May, Jun, Jul only.
    assert [c["period_start"][:10] for c in data["charges"]] == [
        "2027-04-05",
        "2027-05-05",
        "2027-06-05",
        "2027-07-05",
    ]
    # One invoice on each 1st, May to August: 25.00 + 19 % 4.75 = 29.75.
    assert [(d["issue_date"], totals(d)) for d in data["documents"]] == [
        (f"2027-0{month}-01", ("25.00", "4.75", "29.75")) for month in (5, 6, 7, 8)
    ]
    main = data["subscriptions"]["main"]
    assert (main["status"], main["canceled_at"]) == ("canceled", "2027-08-05T09:00:00+02:00")


def check_three_years(data: dict[str, Any]) -> None:
    # Backup 6.00/month in arrear from 10 Jan 2027 08:00, charged when a period ends: periods ending
    # 10 Feb 2027 … 10 Dec 2029 = 11 + 12 + 12 = 35 charges. Domain 12.00/year in advance: 3 charges.
    nets = [c["net"] for c in data["charges"]]
    assert (nets.count("6.00"), nets.count("12.00"), len(nets)) == (35, 3, 38)
    # One invoice on every 1st from 1 Feb 2027 to 1 Jan 2030 = 36, numbered per year (11, 12, 12, 1).
    numbers = [d["number"] for d in data["documents"]]
    assert len(numbers) == 36
    assert (numbers[0], numbers[10], numbers[11], numbers[-1]) == (
        "INV-2027-00001",
        "INV-2027-00011",
        "INV-2028-00001",
        "INV-2030-00001",
    )
    # Net 35 × 6.00 + 3 × 12.00 = 246.00; each line's tax is exact (1.14, 2.28): 246.00 × 1.19 = 292.74.
    assert data["customers"]["dora"]["EUR"]["billed_gross"] == "292.74"
    assert sum(Decimal(d["totals"]["net"]) for d in data["documents"]) == Decimal("246.00")
    # The clock stopped a few times per month, not at each of the ~26,000 hours.
    assert data["run"]["stops"] < 400


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "upgrade-mid-month": check_upgrade_mid_month,
    "trial-then-cancel": check_trial_then_cancel,
    "reverse-charge": check_reverse_charge,
    "commitment-refused-cancel": check_commitment_refused_cancel,
    "three-years": check_three_years,
}


def test_every_shipped_example_is_checked() -> None:
    assert sorted(path.stem for path in EXAMPLES.glob("*.json")) == sorted(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_through_the_cli(name: str) -> None:
    CHECKS[name](by_cli(name))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_through_the_function(name: str) -> None:
    CHECKS[name](by_function(name))


# --- the clock rule, settings and refusals ---------------------------------------------------------

INLINE = {
    "tenant": {"time_zone": "Europe/Berlin", "settings": {"billing": {"minimum_invoice_amount": "40.00"}}},
    "plans": {"m": {"name": "Monthly", "price": "31.00"}},
    "customers": {"eve": {"country": "DE", "billing_day": 28}},
    "events": [
        {
            "at": "2027-03-01T09:17:30+01:00",
            "type": "order",
            "customer": "eve",
            "subscription": "s",
            "plan": "m",
        },
        {"at": "2027-03-02T10:00:00+01:00", "type": "resume", "subscription": "s"},
        {"at": "2027-03-05T12:00:00+01:00", "type": "bill_now", "customer": "eve"},
    ],
    "until": "2027-05-02T00:00:00+02:00",
}


def test_off_grid_events_minimum_amount_bill_now_and_a_missed_invoice_run() -> None:
    data = run_inline(json.dumps(INLINE))
    # Resuming an active subscription is refused and changes nothing.
    assert [(e["event"], e["code"]) for e in data["errors"]] == [(1, "subscription_error")]
    assert "being canceled can be resumed" in data["errors"][0]["message"]
    # The order at 09:17:30 charges at once; the next periods start at 09:17:30 on the 1st (wall clock
    # kept across the DST change of 28 March) and are charged by the minute-wise billing run at 09:18.
    assert [(c["period_start"], c["charged_at"], c["net"]) for c in data["charges"]] == [
        ("2027-03-01T09:17:30+01:00", "2027-03-01T09:17:30+01:00", "31.00"),
        ("2027-04-01T09:17:30+02:00", "2027-04-01T09:18:00+02:00", "31.00"),
        ("2027-05-01T09:17:30+02:00", "2027-05-01T09:18:00+02:00", "31.00"),
    ]
    first, second = data["documents"]
    # Bill now on 5 March at 12:00 ignores the minimum: 31.00 + 19 % 5.89 = 36.89.
    assert (first["issued_at"], totals(first)) == ("2027-03-05T11:00:00Z", ("31.00", "5.89", "36.89"))
    # On billing day 28 April the April charge alone (36.89 gross) is below the minimum of 40.00 and
    # waits. The May charge at 09:18 on 1 May makes the waiting run due again (a missed billing day):
    # the hourly run at 10:00 invoices both, 62.00 net + 11.78 tax = 73.78.
    assert (second["issued_at"], totals(second)) == ("2027-05-01T08:00:00Z", ("62.00", "11.78", "73.78"))
    assert data["subscriptions"]["s"]["status"] == "active"


def test_jumping_gives_the_same_result_as_running_every_coordinator_every_minute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hourly charges in arrear, a six-hour plan cancelled to its period end, a billing day at midnight,
    # invoices due at once (then overdue), a cancellation at once and bill now, all off the minute grid.
    scenario = {
        "tenant": {"time_zone": "Europe/Berlin", "payment_terms_days": 0},
        "plans": {
            "h": {"price": "0.50", "interval_unit": "hour", "bill_in_advance": False},
            "six": {"price": "2.40", "interval_unit": "hour", "interval_count": 6},
        },
        "customers": {"a": {"country": "DE", "billing_day": 2}, "b": {"country": "FR", "billing_day": 1}},
        "events": [
            {
                "at": "2027-03-31T22:17:00+02:00",
                "type": "order",
                "customer": "a",
                "subscription": "h",
                "plan": "h",
            },
            {
                "at": "2027-03-31T23:40:30+02:00",
                "type": "order",
                "customer": "b",
                "subscription": "six",
                "plan": "six",
            },
            {"at": "2027-04-01T03:05:00+02:00", "type": "cancel", "subscription": "six"},
            {"at": "2027-04-01T09:30:00+02:00", "type": "cancel_immediately", "subscription": "h"},
            {"at": "2027-04-01T09:30:00+02:00", "type": "bill_now", "customer": "a"},
        ],
        "until": "2027-04-01T12:00:00+02:00",
    }
    jumping = run_inline(json.dumps(scenario))
    monkeypatch.setattr(  # the reference: stop at every full minute, as production's scheduler does
        scenario_runner._Machine,
        "_next_work",
        lambda _self, now: now.replace(second=0, microsecond=0) + MINUTE,
    )
    every_minute = run_inline(json.dumps(scenario))
    assert jumping["run"].pop("stops") * 10 < every_minute["run"].pop("stops")
    assert jumping == every_minute
    # 11 full hours 22:17 – 09:17 at 0.50, then 09:17 – 09:30: 0.50 × 13/60 = 0.108… → 0.11; total 5.61.
    assert [(d["customer"], d["totals"]["net"], d["status"]) for d in jumping["documents"]] == [
        ("b", "2.40", "overdue"),
        ("a", "5.61", "overdue"),
    ]
    assert jumping["subscriptions"]["six"]["canceled_at"] == "2027-04-01T05:40:30+02:00"


def test_the_invoice_run_acts_at_the_first_full_hour_of_the_local_billing_day() -> None:
    # Asia/Kolkata is UTC+05:30: midnight of 1 May is 30 April 18:30 UTC; the hourly run comes at 19:00 UTC.
    scenario = {
        "tenant": {"time_zone": "Asia/Kolkata"},
        "plans": {"m": {"price": "10.00"}},
        "customers": {"ravi": {"country": "DE", "billing_day": 1}},
        "events": [
            {
                "at": "2027-04-06T09:00:00+05:30",
                "type": "order",
                "customer": "ravi",
                "subscription": "s",
                "plan": "m",
            }
        ],
        "until": "2027-05-02T00:00:00+05:30",
    }
    [invoice] = run_inline(json.dumps(scenario))["documents"]
    assert (invoice["issued_at"], invoice["issue_date"]) == ("2027-04-30T19:00:00Z", "2027-05-01")
    assert totals(invoice) == ("10.00", "1.90", "11.90")  # 10.00 + 19 % German VAT


def test_a_withdrawal_after_invoicing_is_a_credit_note_on_the_invoice() -> None:
    scenario = {
        "plans": {"p": {"name": "Plan P", "price": "30.00"}},
        "customers": {"c": {"country": "DE", "billing_day": 6}},
        "events": [
            {
                "at": "2027-04-05T12:00:00+02:00",
                "type": "order",
                "customer": "c",
                "subscription": "s",
                "plan": "p",
            },
            {"at": "2027-04-15T12:00:00+02:00", "type": "withdraw", "subscription": "s"},
            {"at": "2027-04-16T12:00:00+02:00", "type": "withdraw", "subscription": "s"},
        ],
        "until": "2027-04-20T00:00:00+02:00",
    }
    data = run_inline(json.dumps(scenario))
    invoice, note = data["documents"]
    # 30.00 for 5 Apr 12:00 – 5 May 12:00 (30 days), invoiced on 6 April: 30.00 + 5.70 = 35.70.
    # Withdrawn on 15 April: 20 of 30 days unused → 20.00 + 3.80 = 23.80 credited; 35.70 − 23.80 = 11.90 left.
    assert (invoice["number"], totals(invoice), invoice["balance_due"]) == (
        "INV-2027-00001",
        ("30.00", "5.70", "35.70"),
        "11.90",
    )
    assert (note["number"], note["type"], note["invoice"], note["refund"]) == (
        "INV-2027-00001-CN1",
        "credit_note",
        "INV-2027-00001",
        "0.00",
    )
    assert totals(note) == ("20.00", "3.80", "23.80")
    assert (note["lines"][0]["period_start"], note["lines"][0]["period_end"]) == (
        "2027-04-15T12:00:00+02:00",
        "2027-05-05T12:00:00+02:00",
    )
    assert [(e["event"], e["message"]) for e in data["errors"]] == [
        (2, "This subscription has already ended.")
    ]
    assert data["customers"]["c"]["EUR"]["billed_gross"] == "11.90"


def test_an_event_on_a_subscription_whose_order_was_refused_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_args: object) -> None:
        raise SubscriptionError("Ordering is closed.")

    monkeypatch.setattr(Lifecycle, "order", refuse)
    scenario = {
        **INLINE,
        "events": [
            INLINE["events"][0],
            {"at": "2027-03-02T10:00:00+01:00", "type": "cancel", "subscription": "s"},
        ],
        "until": "2027-03-03T00:00:00+01:00",
    }
    data = run_inline(json.dumps(scenario))
    assert [(e["event"], e["code"], e["message"]) for e in data["errors"]] == [
        (0, "subscription_error", "Ordering is closed."),
        (1, "unknown_subscription", "Subscription 's' does not exist: its order was refused."),
    ]
    assert data["charges"] == [] and data["subscriptions"] == {}


def test_tenant_settings_merge_key_by_key_and_pass_unknown_settings_through() -> None:
    current = {"billing": {"minimum_invoice_amount": "0", "keep": 1}, "other": True}
    extra = {"billing": {"minimum_invoice_amount": Decimal("5.00")}, "tax": {"oss": {"threshold": 10000}}}
    assert merge_settings(current, extra) == {
        "billing": {"minimum_invoice_amount": "5.00", "keep": 1},
        "other": True,
        "tax": {"oss": {"threshold": 10000}},
    }


# --- malformed files -------------------------------------------------------------------------------


def _with(path: tuple[Any, ...], value: Any) -> str:
    """INLINE with one value replaced (or removed when `value` is ...)."""
    data = json.loads(json.dumps(INLINE))
    target = data
    for part in path[:-1]:
        target = target[part]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            _with(("events", 2, "at"), "2027-03-05T12:00:00"),
            "events[2].at: '2027-03-05T12:00:00' has no UTC offset",
        ),
        (_with(("events", 1, "type"), "pause"), "events[1].type: input should be 'order', 'change_plan'"),
        (
            _with(("events", 1, "at"), "2027-02-01T00:00:00+01:00"),
            "events[1].at: 2027-02-01T00:00:00+01:00 is before",
        ),
        (
            _with(("events", 2, "at"), "2028-01-01T00:00:00+01:00"),
            "events[2].at: 2028-01-01T00:00:00+01:00 is after until",
        ),
        (_with(("events", 0, "plan"), "gold"), "events[0].plan: 'gold' is not one of the plans"),
        (
            _with(("events", 1, "subscription"), "t"),
            "events[1].subscription: 't' is not ordered by an earlier",
        ),
        (_with(("events", 1, "plan"), "m"), "events[1].plan: is not used by a resume event"),
        (_with(("events", 0, "customer"), ...), "events[0].customer: is required for a order event"),
        (_with(("plans", "m", "price"), "ten"), "plans.m.price: 'ten' is not a decimal amount"),
        (
            _with(("plans", "m", "interval_unit"), "fortnight"),
            "plans.m.interval_unit: input should be 'hour'",
        ),
        (
            _with(("customers", "eve", "billing_day"), 31),
            "customers.eve.billing_day: input should be less than",
        ),
        (
            _with(("customers", "eve", "vat_id"), "ATU13585627"),
            "customers.eve.vat_id: ATU13585627 was not issued by DE",
        ),
        (_with(("tenant", "time_zone"), "Mars/Base"), "tenant.time_zone: unknown time zone 'Mars/Base'"),
        (
            _with(("tenant", "issuer_country"), "CH"),
            "tenant.issuer_country: the issuer must be in an EU member",
        ),
        (_with(("events", 0, "custmer"), "eve"), "events[0].custmer: is not a field here"),
        (_with(("until",), ...), "until: is required"),
        ('{"until": "2027-01-01T00:00:00+01:00",}', "not valid JSON: "),
        ('{"plans": {"m": {"price": "1"}, "m": {"price": "2"}}}', "the key 'm' appears twice in one object"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_field(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(text)
    assert expected in str(refused.value)


def test_a_plan_the_catalog_refuses_is_named_by_its_key() -> None:
    text = _with(("plans", "m"), {"price": "1.00", "interval_unit": "day", "anchor_day": 1})
    with pytest.raises(
        ScenarioError, match=r"plans\.m: Billing anchor day applies only to monthly or yearly"
    ):
        run_scenario(parse_scenario(text))


def test_the_cli_exits_2_naming_the_field_of_a_malformed_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(_with(("events", 2, "at"), "tomorrow"))
    result = cli("--scenario", str(bad))
    assert result.returncode == 2
    assert "events[2].at: 'tomorrow' is not an ISO 8601 time" in result.stderr
    assert result.stdout == ""


def test_the_scenario_mode_takes_no_tenant_or_dates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--scenario", "any.json", "--tenant", "demo"]) == 2
    assert "--tenant does not go with --scenario" in capsys.readouterr().err


# --- determinism and isolation ---------------------------------------------------------------------


def test_the_same_file_gives_byte_identical_output() -> None:
    path = str(EXAMPLES / "upgrade-mid-month.json")
    assert cli("--scenario", path, "--format", "json").stdout == cli_output("upgrade-mid-month")
    assert render(report_of("upgrade-mid-month"), "json") == cli_output("upgrade-mid-month")


def test_the_table_format_prints_the_same_documents_for_people() -> None:
    result = cli("--scenario", str(EXAMPLES / "commitment-refused-cancel.json"), "--format", "table")
    assert result.returncode == 0, result.stderr
    assert (
        "INV-2027-00001  invoice  carl  2027-05-01  EUR  domestic DE  net 25.00  tax 4.75  gross 29.75"
        in (result.stdout)
    )
    assert "events[1] 2027-05-20 09:00 cancel refused (subscription_error): Your plan has a minimum term" in (
        result.stdout
    )
    assert render(report_of("commitment-refused-cancel"), "table") == result.stdout


def test_nothing_outside_its_temp_dir_is_touched(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    with sqlite3.connect(live) as connection:
        connection.execute("CREATE TABLE sentinel (value TEXT)")
        connection.execute("INSERT INTO sentinel VALUES ('untouched')")
    before = live.read_bytes()
    work, temp = tmp_path / "cwd", tmp_path / "tmp"
    work.mkdir()
    temp.mkdir()
    env = {
        "DATABASE_URL": f"sqlite:///{live}",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens there: any use of Redis would fail
        "TMPDIR": str(temp),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = cli("--scenario", str(EXAMPLES / "trial-then-cancel.json"), env=env, cwd=work)
    assert result.returncode == 0, result.stderr
    check_trial_then_cancel(json.loads(result.stdout))
    assert live.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == sorted([live, work, temp])
    assert list(work.iterdir()) == [] and list(temp.iterdir()) == []  # the scenario's temp dir is gone
