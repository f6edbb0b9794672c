"""The isolation tables cannot fall behind: an operation added without a probe fails here.

Operations are found by introspection (tests/isolation/coverage.py); each must have a probe in
one of the tables (tests/isolation/*_probes.py, gathered in tables.py), or a reasoned entry in an
`EXEMPT` list next to them. A module of the domain packages with operations that take a scope is a
billing module with tables, or exempt as a whole with the reason.
"""

from __future__ import annotations

import inspect
from datetime import datetime
from types import ModuleType

import pytest
from sqlmodel import Session

from backend.invoicing.repository import InvoiceRepository
from backend.kit.repository import TenantRepository, TenantScope
from backend.scheduling.coordinators import coordinators
from tests.isolation import coverage
from tests.isolation.coverage import (
    EXEMPT_MODULES,
    GENERIC_METHODS,
    SERVICE_MODULES,
    repository_layer_operations,
    repository_modules,
    repository_operations,
    service_operations,
    tenant_repositories,
    uncovered,
    unlisted_service_modules,
)
from tests.isolation.probes import operation_name
from tests.isolation.tables import ALL_PROBES, EXEMPT

PROBED = {probe.name for probe in ALL_PROBES}
COVERED = PROBED | set(EXEMPT)


def _all_operations() -> set[str]:
    return set(repository_layer_operations()) | set(service_operations(SERVICE_MODULES))


def test_every_operation_has_a_probe_or_a_reasoned_exemption() -> None:
    missing = uncovered(_all_operations(), COVERED)
    assert missing == [], (
        "add a probe for each to tests/isolation/*_probes.py (tenant B's scope on tenant A's ids), "
        f"or an entry with the reason in EXEMPT: {missing}"
    )


def test_every_service_module_that_takes_a_scope_is_listed() -> None:
    assert unlisted_service_modules() == [], (
        "add the module to SERVICE_MODULES in tests/isolation/coverage.py (and its operations to the"
        " tables), or to EXEMPT_MODULES with the reason"
    )
    listed = [module.__name__ for module in SERVICE_MODULES]
    assert not set(listed) & set(EXEMPT_MODULES), "a module is either listed or exempt"
    assert all(service_operations([module]) for module in SERVICE_MODULES), "a listed module has operations"
    assert all(len(reason) > 20 for reason in EXEMPT_MODULES.values()), "say why it needs no table"


def test_the_tables_name_only_operations_that_exist() -> None:
    assert sorted(COVERED - _all_operations()) == []
    assert not PROBED & set(EXEMPT), "an operation is either probed or exempt"
    assert all(len(reason) > 20 for reason in EXEMPT.values()), "say why no probe is needed"


def test_the_generic_test_tries_every_method_tenant_repository_offers() -> None:
    offered = {name for name, value in vars(TenantRepository).items() if inspect.isfunction(value)}
    assert {name for name in offered if not name.startswith("_")} == GENERIC_METHODS


def test_repositories_live_in_repository_modules() -> None:
    """Scoping stays in one place: no tenant repository outside a domain's repository module."""
    homes = {module.__name__ for module in repository_modules()}
    assert all(cls.__module__ in homes for cls in tenant_repositories())


def test_every_coordinator_unit_is_probed() -> None:
    """Wherever the product registers a coordinator (tests register their own: not probed)."""
    product = [c for c in coordinators() if c.run_unit.__module__.startswith("backend.")]
    assert product, "the billing coordinators are registered"
    for coordinator in product:
        for function in (coordinator.find_units, coordinator.run_unit):
            assert operation_name(function) in PROBED, coordinator.name


# --- the check itself: it reports what was added without an entry -------------------------------


def test_the_check_reports_a_new_repository_method() -> None:
    class InvoiceArchive(InvoiceRepository):
        def purge(self, invoice_id: int) -> None:
            """Unprobed on purpose."""

    found = repository_operations([InvoiceArchive])
    assert uncovered(found, COVERED) == [operation_name(InvoiceArchive.purge)]
    assert uncovered(repository_operations([InvoiceRepository, InvoiceArchive]), COVERED) == [
        operation_name(InvoiceArchive.purge)
    ]


def test_the_check_reports_a_new_service_operation() -> None:
    module = ModuleType("backend.payments.refunds")

    def refund(session: Session, scope: TenantScope, invoice_id: int) -> None:
        """Takes a scope: must be probed."""

    def cents(amount: int) -> int:
        """Takes no scope: not an operation of a tenant."""
        return amount * 100

    class Refunder:
        def __init__(self, session: Session, scope: TenantScope) -> None:
            self.scope = scope

        def run(self, now: datetime) -> int:
            """A method of a class built in a scope: must be probed."""
            return 0

    def batch(refunder: Refunder, now: datetime) -> None:
        """Takes an object built in a scope: must be probed."""

    class Ledger:
        def __init__(self, rows: list[int]) -> None:
            self.rows = rows

        @classmethod
        def load(cls, session: Session, scope: TenantScope) -> Ledger:
            """A class method that takes a scope: must be probed."""
            return cls([])

        def total(self) -> int:
            """Works on what it was given: not an operation of a tenant."""
            return sum(self.rows)

    for function in (refund, cents, Refunder, batch, Ledger):
        setattr(module, function.__name__, function)
    for defined in (refund, cents, Refunder, Refunder.run, batch, Ledger, Ledger.load.__func__, Ledger.total):
        defined.__module__ = module.__name__
    assert uncovered(service_operations([module]), COVERED) == [
        "payments.refunds.test_the_check_reports_a_new_service_operation.<locals>.Ledger.load",
        "payments.refunds.test_the_check_reports_a_new_service_operation.<locals>.Refunder.run",
        "payments.refunds.test_the_check_reports_a_new_service_operation.<locals>.batch",
        "payments.refunds.test_the_check_reports_a_new_service_operation.<locals>.refund",
    ]


def test_the_check_reports_a_new_service_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """A billing module outside `SERVICE_MODULES` (here: one of them taken off the list) is named."""
    monkeypatch.setattr(coverage, "SERVICE_MODULES", SERVICE_MODULES[1:])
    assert unlisted_service_modules() == [SERVICE_MODULES[0].__name__]


def test_the_check_reports_a_new_repository_layer_operation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A function of a repository module that takes a repository, and a class built in a scope."""
    import backend.invoicing.repository as billing

    def purge_all(invoices: InvoiceRepository) -> None:
        """Takes a repository: must be probed."""

    class Archive:
        def __init__(self, session: Session, scope: TenantScope) -> None:
            self.scope = scope

        def purge(self) -> None:
            """A method of a class built in a scope: must be probed."""

    for defined in (purge_all, Archive, Archive.purge):
        defined.__module__ = billing.__name__
    monkeypatch.setattr(billing, "purge_all", purge_all, raising=False)
    monkeypatch.setattr(billing, "Archive", Archive, raising=False)
    assert uncovered(repository_layer_operations(), COVERED) == [
        "invoicing.repository.test_the_check_reports_a_new_repository_layer_operation.<locals>.Archive.purge",
        "invoicing.repository.test_the_check_reports_a_new_repository_layer_operation.<locals>.purge_all",
    ]
