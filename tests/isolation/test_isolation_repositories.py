"""Tenant B's scope on tenant A's rows, repository by repository and method by method."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from backend.kit.errors import NotFoundError
from backend.kit.repository import CrossTenantWrite, TenantRepository
from backend.models import Invoice, Subscription
from tests.isolation.conftest import Pair
from tests.isolation.coverage import concrete, tenant_repositories
from tests.isolation.probes import (
    Probe,
    assert_probe_notices_a_missing_filter,
    cross_tenant_references,
    rows_of_tenant,
    run_probe,
)
from tests.isolation.tables import REPOSITORY_TABLE


@pytest.mark.parametrize("repository", concrete(tenant_repositories()), ids=lambda r: r.__name__)
def test_tenant_b_reaches_no_row_of_tenant_a(pair: Pair, repository: type[TenantRepository[Any]]) -> None:
    """What every repository inherits: reads find none of A's rows, writes refuse them."""
    session, a, b = pair.session, pair.a, pair.b
    before = rows_of_tenant(session, a.tenant_id)
    rows_of_a = repository(session, a.scope).list(limit=1000)
    assert rows_of_a, f"tests/isolation/world.py makes no {repository.model.__name__} rows to try with"
    as_b = repository(session, b.scope)
    listed = as_b.list(limit=1000)
    pages = [as_b.page(limit=1000, starting_after=0), as_b.page(limit=1000, newest_first=True)]
    seen = [
        *listed,
        *session.scalars(as_b.select()),
        *session.scalars(as_b.scoped(select(repository.model))),
        *(row for page in pages for row in page.items),
    ]
    assert {row.tenant_id for row in seen} <= {b.tenant_id}
    assert as_b.count() == len(listed) == len(pages[0].items)
    for row in rows_of_a:
        assert as_b.get(row.id) is None
        with pytest.raises(NotFoundError):
            as_b.get_or_raise(row.id)
    for write in (as_b.add, as_b.delete, lambda row: as_b.check_owned([row])):
        with pytest.raises(CrossTenantWrite):
            write(rows_of_a[0])
    assert rows_of_tenant(session, a.tenant_id) == before


@pytest.mark.parametrize("probe", REPOSITORY_TABLE, ids=lambda p: p.id)
def test_repository_methods_find_nothing_of_another_tenant(pair: Pair, probe: Probe) -> None:
    run_probe(pair.session, probe, pair.a, pair.b)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # the filter is the same SQL on both
@pytest.mark.parametrize("probe", [p for p in REPOSITORY_TABLE if p.filtered], ids=lambda p: p.id)
def test_each_repository_probe_fails_without_the_tenant_filter_of_its_method(
    pair: Pair, probe: Probe
) -> None:
    """Removing the tenant filter from any one method (as if `self.select()` became
    `select(Model)` there) makes its probe fail."""
    assert_probe_notices_a_missing_filter(pair.session, probe, pair.a, pair.b, within_operation=True)


def test_the_row_checks_notice_a_change_in_memory_and_a_reference_across_tenants(pair: Pair) -> None:
    """The checks every probe relies on are not blind."""
    session, a, b = pair.session, pair.a, pair.b
    before = rows_of_tenant(session, a.tenant_id)
    invoice = session.get(Invoice, a.issued_invoice)
    assert invoice is not None
    invoice.balance_due += Decimal("0.01")  # not flushed: the check flushes first
    assert rows_of_tenant(session, a.tenant_id) != before
    assert cross_tenant_references(session, (a.tenant_id, b.tenant_id)) == []
    subscription = session.get(Subscription, b.active_sub)
    assert subscription is not None
    subscription.plan_id = a.plan_id
    session.flush()
    assert cross_tenant_references(session, (a.tenant_id, b.tenant_id)) == ["subscriptions.plan_id -> plans"]
