"""Scenario files for the time machine: what to set up, what happens when, and until when.

A scenario is JSON (format and examples in docs/scenarios.md). Parsing checks everything before
anything runs: types, references between sections, and the order of events. A problem becomes a
`ScenarioError` naming each bad field the way the file spells it (`events[2].at: ...`).

Rules a file must follow:
- times are ISO 8601 with a UTC offset (`2027-01-15T09:00:00+01:00`); a time without one is refused;
- events are in time order (equal times run in file order), not before `start` and not after
  `until`; `start` defaults to the first event's time;
- an `order` event introduces a subscription key the file chooses; every other subscription event
  names a key an earlier `order` introduced;
- amounts are decimal strings (`"9.90"`) or JSON numbers, read as exact decimals, never as floats.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic import ValidationError as InputError

from backend.kit.errors import ValidationFailed
from backend.models.enums import CustomerType, IntervalUnit, TaxCategory
from backend.tax import check_vat_id_syntax, country_code, is_eu_country, vat_id_country


class ScenarioError(ValidationFailed):
    """A scenario file that cannot run; `problems` are (field path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{path}: {message}" if path else message for path, message in problems))


class EventType(StrEnum):
    ORDER = "order"
    CHANGE_PLAN = "change_plan"
    CANCEL = "cancel"
    RESUME = "resume"
    CANCEL_IMMEDIATELY = "cancel_immediately"
    WITHDRAW = "withdraw"
    BILL_NOW = "bill_now"


# Which of `customer`, `subscription` and `plan` each event type takes: True required, False unused.
_EVENT_FIELDS: dict[EventType, dict[str, bool | None]] = {
    EventType.ORDER: {"customer": True, "subscription": True, "plan": True},
    EventType.CHANGE_PLAN: {"customer": False, "subscription": True, "plan": True},
    EventType.BILL_NOW: {"customer": None, "subscription": False, "plan": False},  # None: optional
    **{
        kind: {"customer": False, "subscription": True, "plan": False}
        for kind in (EventType.CANCEL, EventType.RESUME, EventType.CANCEL_IMMEDIATELY, EventType.WITHDRAW)
    },
}


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time such as 2027-01-15T09:00:00+01:00") from None
    else:
        raise ValueError("must be an ISO 8601 time string such as 2027-01-15T09:00:00+01:00")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"{value!r} has no UTC offset; write it like 2027-01-15T09:00:00+01:00")
    return parsed


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError('must be a decimal amount such as "9.90"')
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(f'{value!r} is not a decimal amount such as "9.90"') from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return amount


def _country(value: Any) -> str:
    if not isinstance(value, str) or len(value.strip()) != 2 or not value.strip().isalpha():
        raise ValueError(f'{value!r} is not a two-letter ISO 3166 country code such as "DE"')
    return country_code(value)


def _time_zone(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError('must be an IANA time zone name such as "Europe/Berlin"')
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'unknown time zone {value!r}; use an IANA name such as "Europe/Berlin"') from None
    return value


Instant = Annotated[datetime, BeforeValidator(_instant)]
Amount = Annotated[Decimal, BeforeValidator(_amount)]
Country = Annotated[str, BeforeValidator(_country)]
TimeZone = Annotated[str, BeforeValidator(_time_zone)]
Key = Annotated[str, Field(min_length=1, max_length=64)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TenantSpec(_Spec):
    """The tenant the scenario runs in: its time zone, issuer country and billing settings."""

    time_zone: TimeZone = "Europe/Berlin"
    issuer_country: Country = "DE"
    currency: StrictStr = "EUR"
    payment_terms_days: StrictInt = Field(default=14, ge=0, le=365)
    # Merged into tenant.settings as given (nested objects merge key by key), so settings the
    # engine learns later (OSS, reminders...) work without changing the scenario format.
    settings: dict[str, Any] = Field(default_factory=dict)


class PlanSpec(_Spec):
    price: Amount
    name: StrictStr | None = None
    currency: StrictStr | None = None  # None: the tenant's currency
    interval_unit: IntervalUnit = IntervalUnit.MONTH
    interval_count: StrictInt = 1
    anchor_day: StrictInt | None = None
    bill_in_advance: StrictBool = True
    trial_days: StrictInt = 0
    min_commitment_days: StrictInt = 0
    notice_days: StrictInt = 0
    cancel_at_period_end: StrictBool = True
    tax_category: TaxCategory = TaxCategory.STANDARD
    margin_percent: Amount = Decimal(0)
    margin_fixed: Amount = Decimal(0)


class CustomerSpec(_Spec):
    country: Country
    type: CustomerType = CustomerType.PRIVATE
    name: StrictStr | None = None
    billing_day: StrictInt = Field(default=1, ge=1, le=28)
    # True: the profile gets a VAT ID (`vat_id`, else a syntactically valid sample of its country)
    # marked valid as if VIES had confirmed it; no network is asked.
    vat_id_valid: StrictBool = False
    vat_id: StrictStr | None = None


class EventSpec(_Spec):
    at: Instant
    type: EventType
    customer: Key | None = None
    subscription: Key | None = None
    plan: Key | None = None
    note: StrictStr = ""  # free text for the reader; ignored by the runner


class Scenario(_Spec):
    until: Instant
    start: Instant | None = None
    description: StrictStr = ""
    tenant: TenantSpec = Field(default_factory=TenantSpec)
    plans: dict[Key, PlanSpec] = Field(default_factory=dict)
    customers: dict[Key, CustomerSpec] = Field(default_factory=dict)
    events: list[EventSpec] = Field(default_factory=list)

    @property
    def started(self) -> datetime:
        """When the clock starts: `start`, else the first event (checked to exist when parsing)."""
        if self.start is not None:
            return self.start
        return self.events[0].at


# A syntactically valid VAT ID per member state (python-stdnum's own examples), for customers
# marked `vat_id_valid` without a `vat_id`.
SAMPLE_VAT_IDS = {
    "AT": "ATU13585627", "BE": "BE0403019261", "BG": "BG175074752", "CY": "CY10259033P",
    "CZ": "CZ25123891", "DE": "DE136695976", "DK": "DK13585628", "EE": "EE100931558",
    "ES": "ESB58378431", "FI": "FI20774740", "FR": "FR40303265045", "GR": "EL094259216",
    "HR": "HR33392005961", "HU": "HU12892312", "IE": "IE6433435OA", "IT": "IT00743110157",
    "LT": "LT119511515", "LU": "LU15027442", "LV": "LV40003521600", "MT": "MT11679112",
    "NL": "NL004495445B01", "PL": "PL8567346215", "PT": "PT501964843", "RO": "RO18547290",
    "SE": "SE123456789701", "SI": "SI50223054", "SK": "SK2022749619",
}  # fmt: skip


def load_scenario(path: Path) -> Scenario:
    """Read and check a scenario file; `ScenarioError` names what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([("", f"cannot read {path}: {exc.strerror or exc}")]) from None
    return parse_scenario(text)


def parse_scenario(text: str) -> Scenario:
    """A checked scenario from JSON text. JSON numbers are read as exact decimals."""
    try:
        raw = json.loads(text, parse_float=Decimal, object_pairs_hook=_without_duplicates)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [("", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from None
    except _DuplicateKey as exc:
        raise ScenarioError([("", str(exc))]) from None
    if not isinstance(raw, dict):
        raise ScenarioError(
            [("", "a scenario is a JSON object with tenant, plans, customers, events, until")]
        )
    try:
        scenario = Scenario.model_validate(raw)
    except InputError as exc:
        raise ScenarioError([(_path(error["loc"]), _message(error)) for error in exc.errors()]) from None
    problems = _reference_problems(scenario)
    if problems:
        raise ScenarioError(problems)
    return scenario


class _DuplicateKey(ValueError):
    pass


def _without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON objects whose keys are unique: a second "basic" plan would silently replace the first."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _message(error: Any) -> str:
    kind, message = error["type"], str(error["msg"]).removeprefix("Value error, ")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field here (check the spelling in docs/scenarios.md)"
    return message[:1].lower() + message[1:]


def _reference_problems(scenario: Scenario) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not is_eu_country(scenario.tenant.issuer_country):
        problems.append(("tenant.issuer_country", "the issuer must be in an EU member state"))
    problems += _customer_problems(scenario)
    if not scenario.events and scenario.start is None:
        problems.append(("start", "is required when there are no events"))
    start = (
        scenario.start if scenario.start is not None else (scenario.events[0].at if scenario.events else None)
    )
    if start is not None and scenario.until < start:
        problems.append(("until", f"{scenario.until.isoformat()} is before the start {start.isoformat()}"))
    ordered: dict[str, int] = {}
    floor, floor_name = start, "start"
    for index, event in enumerate(scenario.events):
        where = f"events[{index}]"
        if floor is not None and event.at < floor:
            problems.append(
                (f"{where}.at", f"{event.at.isoformat()} is before {floor_name} ({floor.isoformat()})")
            )
        else:
            floor, floor_name = event.at, f"events[{index}].at"
        if event.at > scenario.until:
            problems.append(
                (f"{where}.at", f"{event.at.isoformat()} is after until ({scenario.until.isoformat()})")
            )
        problems += _event_field_problems(scenario, index, event, ordered)
    return problems


def _customer_problems(scenario: Scenario) -> list[tuple[str, str]]:
    problems = []
    for key, customer in scenario.customers.items():
        where = f"customers.{key}"
        if customer.vat_id is not None:
            try:
                vat_id = check_vat_id_syntax(customer.vat_id)
            except ValidationFailed as exc:
                problems.append((f"{where}.vat_id", str(exc)))
                continue
            if vat_id_country(vat_id) != customer.country:
                problems.append((f"{where}.vat_id", f"{vat_id} was not issued by {customer.country}"))
        elif customer.vat_id_valid and customer.country not in SAMPLE_VAT_IDS:
            problems.append((f"{where}.vat_id_valid", f"{customer.country} is not an EU member state"))
    return problems


def _event_field_problems(
    scenario: Scenario, index: int, event: EventSpec, ordered: dict[str, int]
) -> list[tuple[str, str]]:
    where, problems = f"events[{index}]", []
    for name, rule in _EVENT_FIELDS[event.type].items():
        value = getattr(event, name)
        if rule is True and value is None:
            problems.append((f"{where}.{name}", f"is required for a {event.type} event"))
        elif rule is False and value is not None:
            problems.append((f"{where}.{name}", f"is not used by a {event.type} event; remove it"))
    if event.customer is not None and event.customer not in scenario.customers:
        problems.append((f"{where}.customer", f"{event.customer!r} is not one of the customers"))
    if event.plan is not None and event.plan not in scenario.plans:
        problems.append((f"{where}.plan", f"{event.plan!r} is not one of the plans"))
    key = event.subscription
    if key is not None and event.type == EventType.ORDER:
        if key in ordered:
            problems.append(
                (f"{where}.subscription", f"{key!r} was already ordered by events[{ordered[key]}]")
            )
        ordered.setdefault(key, index)
    elif key is not None and key not in ordered:
        problems.append((f"{where}.subscription", f"{key!r} is not ordered by an earlier order event"))
    return problems
