"""The simulated provider (demo and local runs): servers are SimulatedServer rows (SPEC §6).

Each call is its own short unit of work, as a network call would be. A row stores the transition
under way (`status` "initializing", "starting" or "stopping") and when it completes (`ready_at` on
backend.clock); the status a caller reads is derived from both, so the demo's servers boot while
nobody writes anything: a new server runs `SIMULATED_BOOT_SECONDS` after its creation, start, stop
and reboot take `ACTION_SECONDS`. Addresses come from the row id (203.0.113.x, 2001:db8::x: the
documentation ranges). Server types and locations reuse Hetzner's names; `SIMULATED_SOLD_OUT`
("cx42@hel1,...") makes combinations unavailable so a demo can show a backorder.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend import clock
from backend.db import unit_of_work
from backend.integrations.cloud_provider import (
    Availability,
    Offer,
    ProviderError,
    ProviderHealth,
    ServerNotFound,
    ServerSpec,
    ServerState,
)
from backend.models import SimulatedServer
from backend.settings import get_settings

ACTION_SECONDS = 2
# name -> (cores, memory GB), smallest first; the same names as Hetzner's.
SERVER_TYPES: dict[str, tuple[int, int]] = {"cx22": (2, 4), "cx32": (4, 8), "cx42": (8, 16)}
LOCATIONS = ("fsn1", "nbg1", "hel1")
# transition under way -> the status once `ready_at` has passed
_SETTLES = {"initializing": "running", "starting": "running", "stopping": "off"}


def parse_sold_out(text: str) -> frozenset[tuple[str, str]]:
    """ "cx42@hel1, cx32@fsn1" -> {("cx42", "hel1"), ("cx32", "fsn1")}; ProviderError for a bad entry."""
    pairs = set()
    for entry in filter(None, (e.strip() for e in text.split(","))):
        server_type, _, location = entry.partition("@")
        if server_type not in SERVER_TYPES or location not in LOCATIONS:
            raise ProviderError(
                f"SIMULATED_SOLD_OUT entry {entry!r} is not <server type>@<location> "
                f"({', '.join(SERVER_TYPES)} @ {', '.join(LOCATIONS)})",
                code="invalid_input",
            )
        pairs.add((server_type, location))
    return frozenset(pairs)


class SimulatedCloud:
    """The simulated servers of one account (the "token" of the service type)."""

    def __init__(
        self,
        account: str,
        *,
        engine: Engine | None = None,
        boot_seconds: float | None = None,
        sold_out: str | None = None,
    ) -> None:
        settings = get_settings()
        self.account = account[:64]
        self._engine = engine
        seconds = settings.simulated_boot_seconds if boot_seconds is None else boot_seconds
        self.boot = timedelta(seconds=seconds)
        self.sold_out = parse_sold_out(settings.simulated_sold_out if sold_out is None else sold_out)

    # ------------------------------------------------------------------ reading

    def _state(self, row: SimulatedServer, now: datetime) -> ServerState:
        status = row.status
        if status in _SETTLES and row.ready_at is not None and now >= row.ready_at:
            status = _SETTLES[status]
        return ServerState(
            ref=str(row.id),
            name=row.name,
            status=status,
            ipv4=row.ipv4,
            ipv6=row.ipv6,
            server_type=row.server_type,
            location=row.location,
            labels={str(k): str(v) for k, v in (row.labels or {}).items()},
        )

    def _row(self, session: Session, ref: str, *, lock: bool = False) -> SimulatedServer:
        query = select(SimulatedServer).where(
            SimulatedServer.account == self.account, SimulatedServer.id == (int(ref) if ref.isdigit() else -1)
        )
        row = session.exec(query.with_for_update() if lock else query).first()
        if row is None:
            raise ServerNotFound(f"The simulated provider has no server {ref!r}.", code="not_found")
        return row

    def _rows(self, session: Session) -> list[SimulatedServer]:
        query = select(SimulatedServer).where(SimulatedServer.account == self.account)
        return list(session.exec(query.order_by(SimulatedServer.id)))

    # ------------------------------------------------------------------ catalog

    def availability(self, server_type: str, location: str) -> Availability:
        if server_type not in SERVER_TYPES:
            raise ProviderError(
                f"The simulated provider has no server type {server_type!r}.", code="invalid_input"
            )
        if location not in LOCATIONS:
            raise ProviderError(f"The simulated provider has no location {location!r}.", code="invalid_input")
        if (server_type, location) not in self.sold_out:
            return Availability(available=True)
        alternatives = [
            Offer(server_type, other) for other in LOCATIONS if (server_type, other) not in self.sold_out
        ]
        wanted = SERVER_TYPES[server_type][1]
        others = sorted(
            (t for t in SERVER_TYPES if t != server_type and (t, location) not in self.sold_out),
            key=lambda t: (SERVER_TYPES[t][1] < wanted, abs(SERVER_TYPES[t][1] - wanted), t),
        )
        alternatives += [Offer(t, location) for t in others]
        return Availability(
            available=False, alternatives=alternatives, reason=f"{server_type} is sold out in {location}"
        )

    # ------------------------------------------------------------------ servers

    def create(self, spec: ServerSpec) -> ServerState:
        availability = self.availability(spec.server_type, spec.location)
        if not availability.available:
            raise ProviderError(availability.reason, code="resource_unavailable", retryable=True)
        now = clock.now()
        try:
            with unit_of_work(self._engine) as session:
                taken = session.exec(
                    select(SimulatedServer.id).where(
                        SimulatedServer.account == self.account, SimulatedServer.name == spec.name
                    )
                ).first()
                if taken is not None:
                    raise _name_taken(spec.name)
                row = SimulatedServer(
                    account=self.account,
                    name=spec.name,
                    server_type=spec.server_type,
                    location=spec.location,
                    image=spec.image,
                    status="initializing",
                    ready_at=now + self.boot,
                    labels=dict(spec.labels),
                    created_at=now,
                )
                session.add(row)
                session.flush()
                assert row.id is not None
                row.ipv4 = f"203.0.113.{row.id % 254 + 1}"
                row.ipv6 = f"2001:db8::{row.id:x}"
                state = self._state(row, now)
        except IntegrityError as error:  # the same name created at the same moment by another unit
            raise _name_taken(spec.name) from error
        return state

    def find(self, labels: dict[str, str]) -> list[ServerState]:
        return [s for s in self.list_servers() if all(s.labels.get(k) == v for k, v in labels.items())]

    def status(self, ref: str) -> ServerState:
        with unit_of_work(self._engine) as session:
            return self._state(self._row(session, ref), clock.now())

    def list_servers(self) -> list[ServerState]:
        now = clock.now()
        with unit_of_work(self._engine) as session:
            return [self._state(row, now) for row in self._rows(session)]

    def start(self, ref: str) -> None:
        self._transition(ref, "starting", unless="running")

    def stop(self, ref: str) -> None:
        self._transition(ref, "stopping", unless="off")

    def reboot(self, ref: str) -> None:
        self._transition(ref, "starting", unless=None)

    def _transition(self, ref: str, during: str, *, unless: str | None) -> None:
        now = clock.now()
        with unit_of_work(self._engine) as session:
            row = self._row(session, ref, lock=True)
            current = self._state(row, now).status
            if current in _SETTLES:
                raise ProviderError(
                    f"Server {row.name} is busy ({current}); try again in a moment.",
                    code="locked",
                    retryable=True,
                )
            if current == unless:
                return
            row.status, row.ready_at = during, now + timedelta(seconds=ACTION_SECONDS)
            session.add(row)

    def resize(self, ref: str, server_type: str) -> None:
        now = clock.now()
        with unit_of_work(self._engine) as session:
            row = self._row(session, ref, lock=True)
            if server_type not in SERVER_TYPES:
                raise ProviderError(
                    f"The simulated provider has no server type {server_type!r}.", code="invalid_input"
                )
            if self._state(row, now).status != "off":
                raise ProviderError(
                    f"Server {row.name} must be off to change its type.", code="server_not_stopped"
                )
            if (server_type, row.location) in self.sold_out:
                raise ProviderError(
                    f"{server_type} is sold out in {row.location}",
                    code="resource_unavailable",
                    retryable=True,
                )
            row.server_type, row.status, row.ready_at = server_type, "off", None
            session.add(row)

    def delete(self, ref: str) -> None:
        with unit_of_work(self._engine) as session:
            try:
                row = self._row(session, ref, lock=True)
            except ServerNotFound:
                return
            session.delete(row)

    def health(self) -> ProviderHealth:
        with unit_of_work(self._engine) as session:
            count = session.exec(
                select(func.count())
                .select_from(SimulatedServer)
                .where(SimulatedServer.account == self.account)
            ).one()
        return ProviderHealth(ok=True, detail=f"simulated: {count} server{'' if count == 1 else 's'}, 0 ms")


def _name_taken(name: str) -> ProviderError:
    return ProviderError(f"A server named {name} exists already.", code="uniqueness_error")
