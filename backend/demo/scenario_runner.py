"""The time machine: run a scenario on a throwaway database under a clock it moves.

Everything happens through the real services: the catalog creates the plans, `Lifecycle` orders,
changes, cancels, resumes and withdraws, `invoicing.bill_now` bills now, and the coordinators of
`backend.scheduling.simulation` do what the scheduler does in production. The runner adds no
billing rule of its own; it only decides when the clock stops. It acts as the tenant's admin, who
may do every event (customers' steps included) under the policy.

Clock rule (docs/scenarios.md): every coordinator runs on its production interval aligned to the
UTC epoch (billing and expiration each full minute, the invoice run and overdue marking each full
hour). The clock jumps from one instant to the next at which something can happen:
- the next event (events at an instant run before the coordinators of that instant);
- the first full minute at or after the earliest period to charge, trial end or cancellation;
- the first full hour after the local midnight of a billing day of a customer with unbilled charges;
- the first full hour after the earliest due date of an unpaid invoice (it turns overdue);
- the first full hour at or after the next payment reminder step of an overdue invoice (when the
  tenant's settings set reminder days);
- after anything changed, each coordinator's next run (e.g. the invoice run after a charge on a
  billing day);
- `until`, which is included.
At any other instant every coordinator would find the same nothing, so skipping it changes nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from backend import clock
from backend.audit import service as audit
from backend.catalog import plans, validation
from backend.catalog.schemas import PlanInput
from backend.customers.service import open_customer_account
from backend.customers.vat_checks import refresh_vat_status
from backend.db import unit_of_work
from backend.demo.repository import Timeline
from backend.demo.scenario import SAMPLE_VAT_IDS, EventSpec, EventType, PlanSpec, Scenario, ScenarioError
from backend.demo.scenario_database import throwaway_engine
from backend.demo.scenario_report import EventError, ScenarioKeys, ScenarioReport, collect_report
from backend.dunning import service as dunning
from backend.integrations.vies import ViesResult, ViesStatus
from backend.invoicing import service as invoicing
from backend.kit.errors import DomainError, ValidationFailed
from backend.kit.repository import TenantScope
from backend.models import BillingTiming
from backend.scheduling import simulation
from backend.scheduling.coordinators import coordinators
from backend.settings import Settings
from backend.subscriptions.ordering import OrderRequest
from backend.subscriptions.service import Lifecycle
from backend.tenancy.service import create_tenant

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)
TENANT_SLUG = "scenario"


class ScenarioFailed(RuntimeError):
    """The engine raised something other than a refusal: a bug to report, not a scenario outcome."""


def run_scenario(scenario: Scenario) -> ScenarioReport:
    """Run `scenario` in a temporary directory that is deleted afterwards and report what happened.

    Nothing outside that directory is read or written: no DATABASE_URL, no Redis, no settings.
    A refused event is an entry in the report's errors; a malformed plan or customer raises
    `ScenarioError` naming it; a failure of the engine raises `ScenarioFailed`.
    """
    with (
        tempfile.TemporaryDirectory(prefix="billing-scenario-") as folder,
        throwaway_engine(folder) as engine,
        clock.frozen(scenario.started) as frozen,
    ):
        machine = _Machine(scenario, engine, frozen)
        machine.set_up()
        machine.run()
        with unit_of_work(engine) as session:
            return collect_report(
                session, machine.scope, scenario, machine.keys, machine.errors, machine.stops
            )


class _ConfirmingRegister:
    """Stands in for VIES: every syntactically valid VAT ID is registered."""

    def check(self, vat_id: str) -> ViesResult:
        return ViesResult(ViesStatus.VALID, vat_id)


class _Machine:
    def __init__(self, scenario: Scenario, engine: Engine, frozen: clock.FrozenClock) -> None:
        self.scenario = scenario
        self.engine = engine
        self.clock = frozen
        self.keys = ScenarioKeys()
        self.errors: list[EventError] = []
        self.stops = 0  # instants at which coordinators ran
        self.scope = TenantScope(1)
        self.zone = ZoneInfo(scenario.tenant.time_zone)
        # The billing coordinators only: a scenario answers what is charged, sends no mail and
        # creates no servers (its plans are billing only).
        self.intervals = {
            c.name: c.interval_seconds
            for c in coordinators()
            if c.queue not in ("mail", "provisioning") and c.simulated
        }

    def session(self) -> AbstractContextManager[Session]:
        return unit_of_work(self.engine)

    @property
    def _admin(self) -> audit.Actor:
        """Who the scenario's events are done by: the admin of its tenant."""
        return audit.Actor.admin(self.scope.tenant_id)

    # --- set-up ---------------------------------------------------------------------------------

    def set_up(self) -> None:
        """Tenant, plans and customers, at the start time; a refusal names the scenario field."""
        with self.session() as session:
            self.scope = self._tenant(session)
            for key, plan in self.scenario.plans.items():
                with _field(f"plans.{key}"):
                    created = plans.create_plan(session, self.scope, _plan_input(key, plan), self._admin)
                assert created.id is not None
                self.keys.plans[key] = created.id
            for number, (key, customer) in enumerate(self.scenario.customers.items(), start=1):
                with _field(f"customers.{key}"):
                    vat_id = customer.vat_id or (
                        SAMPLE_VAT_IDS[customer.country] if customer.vat_id_valid else ""
                    )
                    account = open_customer_account(
                        session,
                        self.scope,
                        name=customer.name or key,
                        email=f"customer{number}@scenario.invalid",
                        country=customer.country,
                        customer_type=customer.type,
                        billing_day=customer.billing_day,
                        vat_id=vat_id,
                    )
                    assert account.id is not None
                    if customer.vat_id_valid:
                        refresh_vat_status(session, self.scope, account.id, _ConfirmingRegister())
                self.keys.customers[key] = account.id

    def _tenant(self, session: Session) -> TenantScope:
        spec = self.scenario.tenant
        issuer = Settings.model_construct(
            time_zone=spec.time_zone,
            public_url="http://scenario.invalid",
            issuer_name="Scenario issuer",
            issuer_address="",
            issuer_country=spec.issuer_country,
            issuer_vat_id="",
            issuer_email="",
            issuer_iban="",
            issuer_bic="",
        )
        with _field("tenant.currency"):
            tenant = create_tenant(
                session, slug=TENANT_SLUG, name="Scenario", settings=issuer, currency=spec.currency
            )
        tenant.payment_terms_days = spec.payment_terms_days
        tenant.settings = merge_settings(tenant.settings or {}, spec.settings)
        session.flush()
        assert tenant.id is not None
        return TenantScope(tenant.id)

    # --- the clock ------------------------------------------------------------------------------

    def run(self) -> None:
        """Events and coordinators from the start to `until`, stopping only where work can be."""
        events = list(enumerate(self.scenario.events))
        # Services get "now" in UTC, as from the real clock.
        now, until = self.scenario.started.astimezone(UTC), self.scenario.until.astimezone(UTC)
        rerun: dict[str, datetime] = {}  # coordinator -> its next run after the last change
        while True:
            self.clock.set(now)
            changed = False
            while events and events[0][1].at == now:
                index, spec = events.pop(0)
                changed = self._apply(index, spec, now) or changed
            due = [name for name, seconds in self.intervals.items() if _on_grid(now, seconds)]
            if due:
                self.stops += 1
                changed = self._tick(now, due) or changed
                for name in due:
                    rerun.pop(name, None)
            if changed:
                rerun = {name: _grid_at_or_after(now + TICK, s) for name, s in self.intervals.items()}
            if now >= until:
                return
            next_event = events[0][1].at if events else until
            now = min(self._next_work(now), *rerun.values(), next_event.astimezone(UTC), until)

    def _tick(self, now: datetime, names: list[str]) -> bool:
        try:
            counts = simulation.tick_in_units(self.session, self.scope, now, only=names)
        except Exception as exc:
            raise ScenarioFailed(f"billing at {now.isoformat()} failed: {type(exc).__name__}: {exc}") from exc
        return sum(counts.values()) > 0

    def _next_work(self, now: datetime) -> datetime:
        """The first coordinator run after `now` that finds work the rows already show."""
        with self.session() as session:
            timeline = Timeline(session, self.scope)
            work = {
                "subscription_billing": [timeline.next_billing_at()],
                "expiration": [timeline.next_cancellation_at()],
                "overdue_marking": [_after(timeline.next_due_at())],
                "invoice_run": self._billing_days(session, now),
                "dunning": [dunning.next_step_at(session, self.scope)],
            }
        runs = [
            _grid_at_or_after(max(at, now + TICK), self.intervals[name])
            for name, instants in work.items()
            for at in instants
            if at is not None and name in self.intervals
        ]
        return min(runs, default=self.scenario.until.astimezone(UTC))

    def _billing_days(self, session: Session, now: datetime) -> list[datetime | None]:
        """The first invoice run on each billing day of a customer with unbilled charges that is
        still ahead: today's (when today is the day and its first run has not come), else next month's."""
        today = now.astimezone(self.zone).date()
        days = Timeline(session, self.scope).billing_days_with_unbilled_charges(now)
        runs: list[datetime | None] = []
        for day in sorted(days):
            dates = ([today] if today.day == day else []) + [_next_day_numbered(today, day)]
            first_runs = (
                _grid_at_or_after(datetime.combine(on, time(), self.zone), self.intervals["invoice_run"])
                for on in dates
            )
            runs.append(next(run for run in first_runs if run > now))
        return runs

    # --- events ---------------------------------------------------------------------------------

    def _apply(self, index: int, spec: EventSpec, now: datetime) -> bool:
        """Run one event in its own unit of work; a refusal rolls it back and becomes an error entry."""
        try:
            with self.session() as session:
                self._perform(session, spec, now)
        except DomainError as exc:
            self.errors.append(EventError(index, now, str(spec.type), _code(exc), str(exc)))
            return False
        except Exception as exc:
            raise ScenarioFailed(
                f"events[{index}] ({spec.type}) failed: {type(exc).__name__}: {exc}"
            ) from exc
        return True

    def _perform(self, session: Session, spec: EventSpec, now: datetime) -> None:
        lifecycle = Lifecycle(session, self.scope, self._admin)
        if spec.type == EventType.ORDER:
            assert spec.customer and spec.plan and spec.subscription
            request = OrderRequest(self.keys.customers[spec.customer], self.keys.plans[spec.plan])
            subscription = lifecycle.order(request, now)
            assert subscription.id is not None
            self.keys.subscriptions[spec.subscription] = subscription.id
        elif spec.type == EventType.BILL_NOW:
            customer = self.keys.customers[spec.customer] if spec.customer else None
            invoicing.bill_now(session, self.scope, now, customer_account_id=customer, actor=self._admin)
        elif spec.type == EventType.CHANGE_PLAN:
            assert spec.plan
            lifecycle.change_plan(self._subscription(spec), self.keys.plans[spec.plan], now)
        else:
            action: Callable[[int, datetime], Any] = {
                EventType.CANCEL: lifecycle.cancel,
                EventType.RESUME: lifecycle.resume,
                EventType.CANCEL_IMMEDIATELY: lifecycle.cancel_immediately,
                EventType.WITHDRAW: lifecycle.withdraw,
            }[spec.type]
            action(self._subscription(spec), now)

    def _subscription(self, spec: EventSpec) -> int:
        assert spec.subscription
        found = self.keys.subscriptions.get(spec.subscription)
        if found is None:
            raise UnknownSubscription(
                f"Subscription {spec.subscription!r} does not exist: its order was refused."
            )
        return found


class UnknownSubscription(DomainError):
    """An event names a subscription whose order was refused."""


def merge_settings(current: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` merged into `current` key by key (nested objects too); decimals become strings, as
    the services read amounts from settings with `Decimal(str(value))`."""
    merged = dict(current)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_settings(merged[key], value)
        else:
            merged[key] = _jsonable(value)
    return merged


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


def _plan_input(key: str, plan: PlanSpec) -> PlanInput:
    return validation.parse_input(
        PlanInput,
        {
            "key": key,
            "name": plan.name or key,
            "currency": plan.currency,
            "base_price": plan.price,
            "margin_percent": plan.margin_percent,
            "margin_fixed": plan.margin_fixed,
            "tax_category": plan.tax_category,
            "interval_unit": plan.interval_unit,
            "interval_count": plan.interval_count,
            "billing_anchor_day": plan.anchor_day,
            "billing_timing": BillingTiming.ADVANCE if plan.bill_in_advance else BillingTiming.ARREAR,
            "trial_days": plan.trial_days,
            "minimum_commitment_days": plan.min_commitment_days,
            "notice_days": plan.notice_days,
            "cancel_at_period_end": plan.cancel_at_period_end,
        },
    )


@contextmanager
def _field(path: str) -> Iterator[None]:
    """Turn a `ValidationFailed` raised while setting up into a `ScenarioError` naming `path`."""
    try:
        yield
    except ScenarioError:
        raise
    except ValidationFailed as exc:
        raise ScenarioError([(path, str(exc))]) from exc


def _code(exc: DomainError) -> str:
    """A stable error code from the exception class, or its family's for a named error:
    SubscriptionError (CommitmentNotOver, ...) -> subscription_error."""
    name = exc.family or type(exc).__name__
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _on_grid(at: datetime, seconds: int) -> bool:
    return (at - EPOCH) % timedelta(seconds=seconds) == timedelta(0)


def _grid_at_or_after(at: datetime, seconds: int) -> datetime:
    """The first run of a coordinator with this interval at or after `at`."""
    step = timedelta(seconds=seconds)
    remainder = (at - EPOCH) % step
    return at if remainder == timedelta(0) else at + (step - remainder)


def _after(at: datetime | None) -> datetime | None:
    return at + TICK if at is not None else None


def _next_day_numbered(today: date, day: int) -> date:
    """The first date after `today` whose day of month is `day` (1-28)."""
    candidate = today.replace(day=day)
    if candidate > today:
        return candidate
    month = today.month % 12 + 1
    return candidate.replace(year=today.year + (today.month == 12), month=month)
