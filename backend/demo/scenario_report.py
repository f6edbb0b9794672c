"""What a scenario run produced, read back from its database, named by the scenario's own keys.

The report holds the issued documents (invoices and credit notes, in order of issue), every charge
the engine created, the events it refused and the final state of each subscription. `as_data`
turns it into the JSON structure documented in docs/scenarios.md; the same report always gives
the same data (no ids, paths or wall-clock times in it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.billing.source_ref import SourceRef
from backend.demo.repository import BillingRecords
from backend.demo.scenario import Scenario
from backend.kit.repository import TenantScope
from backend.models import CreditNoteLine, Invoice, InvoiceLine
from backend.money import Money


@dataclass(slots=True)
class ScenarioKeys:
    """The scenario's keys of what the run created, with their database ids."""

    plans: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    subscriptions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventError:
    index: int  # position in the scenario's events
    at: datetime
    type: str
    code: str  # the refusing exception as snake case, e.g. subscription_error
    message: str


@dataclass(frozen=True, slots=True)
class DocumentLine:
    description: str
    period_start: datetime | None
    period_end: datetime | None
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True, slots=True)
class Document:
    number: str
    type: str  # invoice or credit_note
    customer: str
    issued_at: datetime
    currency: str
    tax_mode: str
    tax_country: str
    lines: list[DocumentLine]
    net: Decimal
    tax: Decimal
    gross: Decimal
    status: str | None = None  # invoices: issued, paid, overdue or void at the end of the run
    due_at: datetime | None = None
    balance_due: Decimal | None = None  # invoices: what is left to pay at the end of the run
    invoice: str | None = None  # credit notes: the invoice they correct
    refund: Decimal | None = None  # credit notes: the part of gross already paid, owed back


@dataclass(frozen=True, slots=True)
class ChargeRecord:
    subscription: str | None
    customer: str
    kind: str  # charge or credit
    part: str  # plan or addon
    description: str
    period_start: datetime | None
    period_end: datetime | None
    currency: str
    net: Decimal
    charged_at: datetime
    document: str | None  # the invoice it was billed on, None while unbilled


@dataclass(frozen=True, slots=True)
class SubscriptionState:
    key: str
    number: str
    customer: str
    plan: str
    status: str
    started_at: datetime | None
    trial_end: datetime | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    next_billing_at: datetime | None
    cancel_effective_at: datetime | None
    canceled_at: datetime | None


@dataclass(frozen=True, slots=True)
class ScenarioReport:
    time_zone: str
    start: datetime
    until: datetime
    stops: int  # instants at which the coordinators ran
    documents: list[Document]
    charges: list[ChargeRecord]
    errors: list[EventError]
    subscriptions: list[SubscriptionState]
    customers: list[str]  # keys, in the scenario's order


def collect_report(
    session: Session,
    scope: TenantScope,
    scenario: Scenario,
    keys: ScenarioKeys,
    errors: list[EventError],
    stops: int,
) -> ScenarioReport:
    """Read everything billing produced and name it by the scenario's keys."""
    records = BillingRecords(session, scope)
    customer = {account_id: key for key, account_id in keys.customers.items()}
    plan = {plan_id: key for key, plan_id in keys.plans.items()}
    subscription = {subscription_id: key for key, subscription_id in keys.subscriptions.items()}
    invoices = records.invoices()
    numbers = {invoice.id: invoice.number or "" for invoice in invoices}
    documents = _invoices(records, invoices, customer) + _credit_notes(records, invoices, customer)
    documents.sort(key=lambda d: (d.issued_at, d.type != "invoice", d.number))
    charges = [
        ChargeRecord(
            subscription=subscription.get(p.subscription_id) if p.subscription_id else None,
            customer=customer[p.customer_account_id],
            kind="credit" if p.amount < 0 else "charge",
            part=SourceRef.parse(p.source_ref).part if p.subscription_id is not None else "plan",
            description=p.description,
            period_start=p.period_start,
            period_end=p.period_end,
            currency=p.currency,
            net=p.amount,
            charged_at=p.created_at,
            document=numbers.get(p.invoice_id) if p.invoice_id else None,
        )
        for p in records.positions()
    ]
    states = [
        SubscriptionState(
            key=subscription[s.id],  # type: ignore[index]
            number=s.number,
            customer=customer[s.customer_account_id],
            plan=plan[s.plan_id],
            status=str(s.status),
            started_at=s.started_at,
            trial_end=s.trial_end,
            current_period_start=s.current_period_start,
            current_period_end=s.current_period_end,
            next_billing_at=s.next_billing_at,
            cancel_effective_at=s.cancel_effective_at,
            canceled_at=s.canceled_at,
        )
        for s in records.subscriptions()
    ]
    return ScenarioReport(
        time_zone=scenario.tenant.time_zone,
        start=scenario.started,
        until=scenario.until,
        stops=stops,
        documents=documents,
        charges=charges,
        errors=list(errors),
        subscriptions=states,
        customers=list(scenario.customers),
    )


def _lines_by(
    rows: Sequence[InvoiceLine | CreditNoteLine], parent: Callable[[Any], int]
) -> dict[int, list[DocumentLine]]:
    """Invoice or credit note lines grouped by their document (rows come in position order)."""
    grouped: dict[int, list[DocumentLine]] = defaultdict(list)
    for row in rows:
        grouped[parent(row)].append(
            DocumentLine(
                row.description, row.period_start, row.period_end, row.tax_rate, row.net, row.tax, row.gross
            )
        )
    return grouped


def _invoices(records: BillingRecords, invoices: list[Invoice], customer: dict[int, str]) -> list[Document]:
    lines = _lines_by(records.invoice_lines(), lambda line: line.invoice_id)
    return [
        Document(
            number=invoice.number or "",
            type="invoice",
            customer=customer[invoice.customer_account_id],
            issued_at=invoice.issued_at or invoice.created_at,
            currency=invoice.currency,
            tax_mode=str(invoice.tax_mode),
            tax_country=invoice.tax_country,
            lines=lines[invoice.id],  # type: ignore[index]
            net=invoice.net,
            tax=invoice.tax,
            gross=invoice.gross,
            status=str(invoice.status),
            due_at=invoice.due_at,
            balance_due=invoice.balance_due,
        )
        for invoice in invoices
    ]


def _credit_notes(
    records: BillingRecords, invoices: list[Invoice], customer: dict[int, str]
) -> list[Document]:
    by_id = {invoice.id: invoice for invoice in invoices}
    lines = _lines_by(records.credit_note_lines(), lambda line: line.credit_note_id)
    documents = []
    for note in records.credit_notes():
        invoice = by_id[note.invoice_id]
        documents.append(
            Document(
                number=note.number,
                type="credit_note",
                customer=customer[invoice.customer_account_id],
                issued_at=note.issued_at or note.created_at,
                currency=note.currency,
                tax_mode=str(invoice.tax_mode),
                tax_country=invoice.tax_country,
                lines=lines[note.id],  # type: ignore[index]
                net=note.net,
                tax=note.tax,
                gross=note.gross,
                invoice=invoice.number,
                refund=note.refund_amount,
            )
        )
    return documents


# --- the documented JSON structure ---------------------------------------------------------------


def as_data(report: ScenarioReport) -> dict[str, Any]:
    """The report as JSON-able data: amounts as decimal strings in the currency's minor units,
    times in the tenant's time zone with their offset, except `issued_at` (UTC)."""
    zone = ZoneInfo(report.time_zone)

    def local(at: datetime | None) -> str | None:
        return at.astimezone(zone).isoformat() if at is not None else None

    return {
        "run": {
            "time_zone": report.time_zone,
            "start": local(report.start),
            "until": local(report.until),
            "stops": report.stops,
        },
        "documents": [_document_data(d, local, zone) for d in report.documents],
        "charges": [
            {
                "subscription": c.subscription,
                "customer": c.customer,
                "kind": c.kind,
                "part": c.part,
                "description": c.description,
                "period_start": local(c.period_start),
                "period_end": local(c.period_end),
                "currency": c.currency,
                "net": amount(c.net, c.currency),
                "charged_at": local(c.charged_at),
                "document": c.document,
            }
            for c in report.charges
        ],
        "errors": [
            {"event": e.index, "at": local(e.at), "type": e.type, "code": e.code, "message": e.message}
            for e in report.errors
        ],
        "subscriptions": {
            s.key: {
                "number": s.number,
                "customer": s.customer,
                "plan": s.plan,
                "status": s.status,
                "started_at": local(s.started_at),
                "trial_end": local(s.trial_end),
                "current_period": {
                    "start": local(s.current_period_start),
                    "end": local(s.current_period_end),
                },
                "next_billing_at": local(s.next_billing_at),
                "cancel_effective_at": local(s.cancel_effective_at),
                "canceled_at": local(s.canceled_at),
            }
            for s in report.subscriptions
        },
        "customers": _customer_totals(report),
    }


def _document_data(document: Document, local: Any, zone: ZoneInfo) -> dict[str, Any]:
    currency = document.currency
    data: dict[str, Any] = {
        "number": document.number,
        "type": document.type,
        "customer": document.customer,
        "issued_at": utc(document.issued_at),
        "issue_date": document.issued_at.astimezone(zone).date().isoformat(),
        "currency": currency,
        "tax_mode": document.tax_mode,
        "tax_country": document.tax_country,
        "lines": [
            {
                "description": line.description,
                "period_start": local(line.period_start),
                "period_end": local(line.period_end),
                "net": amount(line.net, currency),
                "tax_rate": rate(line.tax_rate),
                "tax": amount(line.tax, currency),
                "gross": amount(line.gross, currency),
            }
            for line in document.lines
        ],
        "totals": {
            "net": amount(document.net, currency),
            "tax": amount(document.tax, currency),
            "gross": amount(document.gross, currency),
        },
    }
    if document.type == "invoice":
        data["status"] = document.status
        data["due_date"] = document.due_at.astimezone(zone).date().isoformat() if document.due_at else None
        data["balance_due"] = amount(document.balance_due or Decimal(0), currency)
    else:
        data["invoice"] = document.invoice
        data["refund"] = amount(document.refund or Decimal(0), currency)
    return data


def _customer_totals(report: ScenarioReport) -> dict[str, dict[str, dict[str, str]]]:
    """Per customer and currency: gross invoiced, gross credited, what that leaves, net unbilled."""
    sums: dict[str, dict[str, list[Decimal]]] = {key: {} for key in report.customers}
    for document in report.documents:
        row = sums[document.customer].setdefault(document.currency, [Decimal(0)] * 3)
        row[0 if document.type == "invoice" else 1] += document.gross
    for charge in report.charges:
        if charge.document is None:
            sums[charge.customer].setdefault(charge.currency, [Decimal(0)] * 3)[2] += charge.net
    return {
        key: {
            currency: {
                "invoiced_gross": amount(invoiced, currency),
                "credited_gross": amount(credited, currency),
                "billed_gross": amount(invoiced - credited, currency),
                "unbilled_net": amount(unbilled, currency),
            }
            for currency, (invoiced, credited, unbilled) in sorted(per_currency.items())
        }
        for key, per_currency in sums.items()
    }


def amount(value: Decimal, currency: str) -> str:
    """An amount in the currency's minor units, e.g. "10.00" (amounts are rounded where made)."""
    return str(Money.of(value, currency).round_to_minor().amount)


def rate(value: Decimal) -> str:
    """A tax rate in percent without trailing zeros: "19", "25.5", "0"."""
    return f"{value.normalize():f}"


def utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
