"""Printing a scenario report: the documented JSON, or the same content as tables for people."""

from __future__ import annotations

import json
from typing import Any

from backend.demo.scenario_report import ScenarioReport, as_data

FORMATS = ("json", "table")


def render(report: ScenarioReport, output_format: str = "json") -> str:
    """The report as `json` (docs/scenarios.md) or `table`; the same report gives the same text."""
    data = as_data(report)
    if output_format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output_format == "table":
        return render_table(data)
    raise ValueError(f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}")


def render_table(data: dict[str, Any]) -> str:
    """Documents with their lines, charges, errors, subscriptions and totals as aligned columns.
    Times are local to the tenant (offset left out), amounts in the document's currency."""
    run = data["run"]
    out = [
        f"Scenario {_short(run['start'])} → {_short(run['until'])} {run['time_zone']} ({run['stops']} stops)"
    ]
    out += ["", f"Documents ({len(data['documents'])})"]
    for document in data["documents"]:
        totals = document["totals"]
        state = (
            f"{document['status']}, due {document['due_date']}, balance {document['balance_due']}"
            if document["type"] == "invoice"
            else f"corrects {document['invoice']}, refund {document['refund']}"
        )
        out.append(
            f"  {document['number']}  {document['type']}  {document['customer']}  {document['issue_date']}"
            f"  {document['currency']}  {document['tax_mode']} {document['tax_country']}"
            f"  net {totals['net']}  tax {totals['tax']}  gross {totals['gross']}  {state}"
        )
        out += _table(
            [
                [
                    line["description"],
                    _span(line["period_start"], line["period_end"]),
                    line["net"],
                    f"{line['tax_rate']}%",
                    line["tax"],
                    line["gross"],
                ]
                for line in document["lines"]
            ],
            indent=6,
            right={2, 3, 4, 5},
        )
    out += ["", f"Charges ({len(data['charges'])})"]
    out += _table(
        [["subscription", "kind", "part", "period", "net", "charged", "document"]]
        + [
            [
                charge["subscription"] or "-",
                charge["kind"],
                charge["part"],
                _span(charge["period_start"], charge["period_end"]),
                f"{charge['net']} {charge['currency']}",
                _short(charge["charged_at"]),
                charge["document"] or "unbilled",
            ]
            for charge in data["charges"]
        ],
        right={4},
    )
    out += ["", f"Errors ({len(data['errors'])})"]
    out += [
        f"  events[{error['event']}] {_short(error['at'])} {error['type']}"
        f" refused ({error['code']}): {error['message']}"
        for error in data["errors"]
    ]
    out += ["", "Subscriptions"]
    out += _table(
        [["key", "number", "customer", "plan", "status", "current period", "cancel effective"]]
        + [
            [
                key,
                state["number"],
                state["customer"],
                state["plan"],
                state["status"],
                _span(state["current_period"]["start"], state["current_period"]["end"]),
                _short(state["cancel_effective_at"]),
            ]
            for key, state in data["subscriptions"].items()
        ]
    )
    out += ["", "Customers"]
    out += _table(
        [["customer", "currency", "invoiced", "credited", "billed", "unbilled net"]]
        + [
            [
                key,
                currency,
                sums["invoiced_gross"],
                sums["credited_gross"],
                sums["billed_gross"],
                sums["unbilled_net"],
            ]
            for key, per_currency in data["customers"].items()
            for currency, sums in per_currency.items()
        ],
        right={2, 3, 4, 5},
    )
    return "\n".join(out) + "\n"


def _table(
    rows: list[list[str]], *, indent: int = 2, right: frozenset[int] | set[int] = frozenset()
) -> list[str]:
    if not rows:
        return []
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        " " * indent
        + "  ".join(
            cell.rjust(width) if column in right else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def _short(iso: str | None) -> str:
    """ "2027-01-15T09:00:00+01:00" -> "2027-01-15 09:00" (seconds only when they are not zero)."""
    if iso is None:
        return "-"
    text = iso[:19].replace("T", " ")
    return text[:16] if text.endswith(":00") else text


def _span(start: str | None, end: str | None) -> str:
    return f"{_short(start)} → {_short(end)}" if start or end else "-"
