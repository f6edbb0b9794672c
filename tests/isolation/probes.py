"""How an isolation probe runs and what it must see.

A probe calls one operation in tenant B's scope with tenant A's ids. B must get "not found" (an
exception, None or nothing), every row of A must be exactly as before (the database is read back
after a flush, so a change made in memory counts too), and no row may point at another tenant's
row. Then the same call runs in A's own scope and must find something or change A's rows: a probe
whose ids reach nothing would pass without proving anything.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import CompoundSelect, Table, bindparam, func, literal, select, union_all
from sqlmodel import Session, SQLModel

import backend.models  # noqa: F401  (registers every table in the metadata)
from backend.kit.pagination import Page
from backend.kit.repository import TenantRepository
from tests.isolation.world import Side

Call = Callable[[Session, Side, Side], Any]  # (session, the acting side, tenant A) -> result
Check = Callable[[Any, Side, Session], None]  # (result, tenant B, session): asserts


@dataclass(frozen=True)
class Raises:
    """B's call must raise `error` (with `match` in its message)."""

    error: type[BaseException]
    match: str | None = None


@dataclass(frozen=True)
class Probe:
    operation: Callable[..., Any]  # the function or method probed: names the table row
    call: Call
    expect: Check | Raises
    control: bool = True  # False: A's own call proves nothing here (the entry says why)
    label: str = ""  # tells several probes of one operation apart
    filtered: bool = True  # False: a tenant filter is not what protects A here (the entry says what)

    @property
    def name(self) -> str:
        return operation_name(self.operation)

    @property
    def id(self) -> str:
        return f"{self.name}[{self.label}]" if self.label else self.name


def operation_name(operation: Callable[..., Any]) -> str:
    """`invoicing.repository.InvoiceRepository.lock`, `invoicing.service.bill_now`: the module under
    `backend` and the qualified name."""
    return f"{operation.__module__.removeprefix('backend.')}.{operation.__qualname__}"


# --- what B may get back ----------------------------------------------------------------------


def is_nothing(value: Any) -> bool:
    """None, False, zero, an empty collection or page, or a tuple of those."""
    if value is None or value is False:
        return True
    if isinstance(value, Page):
        return is_nothing(value.items)
    if isinstance(value, bool):
        return False
    if isinstance(value, int | Decimal):
        return value == 0
    if isinstance(value, tuple):
        return all(is_nothing(item) for item in value)
    if isinstance(value, list | set | frozenset | dict):
        return len(value) == 0
    return False


def nothing(result: Any, b: Side, session: Session) -> None:
    assert is_nothing(result), f"tenant B got {result!r}"


def only_b(result: Any, b: Side, session: Session) -> None:
    """A list (or page) of B's own rows (possibly empty): nothing of A among them."""
    result = result.items if isinstance(result, Page) else result
    assert isinstance(result, list), result
    foreign = [row for row in result if not isinstance(row, SQLModel) or row.tenant_id != b.tenant_id]  # type: ignore[attr-defined]
    assert not foreign, f"tenant B got rows of another tenant: {foreign!r}"


def views_of_b(model: type[SQLModel]) -> Check:
    """A list of views (with ids) of B's own `model` rows, checked against the database."""

    def check(result: Any, b: Side, session: Session) -> None:
        assert isinstance(result, list), result
        owners = {session.get(model, view.id).tenant_id for view in result}  # type: ignore[union-attr]
        assert owners <= {b.tenant_id}, f"tenant B got views of another tenant's {model.__name__}"

    return check


def equals(expected: Callable[[Side], Any]) -> Check:
    """B's result is exactly `expected(b)` (a value of B's own, computed by hand in the table)."""

    def check(result: Any, b: Side, session: Session) -> None:
        assert result == expected(b), f"tenant B got {result!r}"

    return check


# --- the rows of a tenant ---------------------------------------------------------------------


@functools.cache
def _tenant_tables() -> list[Table]:
    return [table for table in SQLModel.metadata.sorted_tables if "tenant_id" in table.c]


def rows_of_tenant(session: Session, tenant_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the tenant owns, as the database holds it once the session is flushed."""
    session.flush()
    tenants = SQLModel.metadata.tables["tenants"]
    snapshot = {
        "tenants": [tuple(row) for row in session.execute(select(tenants).where(tenants.c.id == tenant_id))]
    }
    for table in _tenant_tables():
        statement = select(table).where(table.c.tenant_id == tenant_id).order_by(*table.primary_key.columns)
        snapshot[table.name] = [tuple(row) for row in session.execute(statement)]
    return snapshot


@functools.cache
def _cross_reference_counts() -> CompoundSelect:
    """One statement: per foreign key between tenant tables, the rows of the given tenants whose
    key points at a row of another tenant (built once, so it is compiled once)."""
    tenants = bindparam("tenants", expanding=True)
    counts = []
    for table in _tenant_tables():
        for key in sorted(table.foreign_keys, key=lambda k: k.parent.name):
            target = key.column.table
            if "tenant_id" not in target.c:
                continue
            other = target.alias()
            counts.append(
                select(
                    literal(f"{table.name}.{key.parent.name} -> {target.name}").label("reference"),
                    func.count(),
                )
                .select_from(table.join(other, key.parent == other.c[key.column.name]))
                .where(table.c.tenant_id.in_(tenants), table.c.tenant_id != other.c.tenant_id)
            )
    return union_all(*counts)


def cross_tenant_references(session: Session, tenant_ids: tuple[int, ...]) -> list[str]:
    """Foreign keys of the tenants' rows that point at a row of another tenant."""
    rows = session.execute(_cross_reference_counts(), {"tenants": list(tenant_ids)})
    return sorted(reference for reference, count in rows if count)


# --- running a probe --------------------------------------------------------------------------


def run_probe(session: Session, probe: Probe, a: Side, b: Side) -> None:
    """B's call finds nothing of A and changes nothing of A; A's own call reaches A's rows."""
    before = rows_of_tenant(session, a.tenant_id)
    if isinstance(probe.expect, Raises):
        with pytest.raises(probe.expect.error, match=probe.expect.match):
            probe.call(session, b, a)
    else:
        probe.expect(probe.call(session, b, a), b, session)
    assert rows_of_tenant(session, a.tenant_id) == before, "tenant B's call changed rows of tenant A"
    assert cross_tenant_references(session, (a.tenant_id, b.tenant_id)) == []
    if probe.control:
        result = probe.call(session, a, a)
        reached = not is_nothing(result) or rows_of_tenant(session, a.tenant_id) != before
        assert reached, f"{probe.id} in tenant A's own scope reaches nothing: the probe proves nothing"


# --- the probes' own proof: without the tenant filter they fail ----------------------------------


def _running(code: object) -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code is code:
            return True
        frame = frame.f_back
    return False


@contextmanager
def tenant_filter_removed(within: Callable[..., Any] | None = None) -> Iterator[None]:
    """`TenantRepository.scoped` adds no tenant condition while `within` runs (anywhere when None):
    the mistake the probes are there to catch, made on purpose."""
    scoped = TenantRepository.scoped
    code = within.__code__ if within is not None else None

    def unscoped(self: TenantRepository[Any], statement: Any, *models: type[Any], **options: Any) -> Any:
        return statement if code is None or _running(code) else scoped(self, statement, *models, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TenantRepository, "scoped", unscoped)
        yield


def assert_probe_notices_a_missing_filter(
    session: Session, probe: Probe, a: Side, b: Side, *, within_operation: bool
) -> None:
    """With the tenant filter removed (from the probed method, or everywhere for a service
    operation), the probe must fail: B then reaches A, so an expectation or a row check breaks."""
    assert probe.filtered, "probes protected by something other than a filter are not run here"

    def call(session: Session, me: Side, a: Side) -> Any:
        with tenant_filter_removed(probe.operation if within_operation else None):
            return probe.call(session, me, a)

    try:
        run_probe(session, Probe(probe.operation, call, probe.expect, probe.control, probe.label), a, b)
    except (Exception, pytest.fail.Exception):
        return
    pytest.fail(f"{probe.id} passes without the tenant filter: it does not prove the filter is there")
