"""Tenant B's actor on tenant A's ids, operation by operation: not found, nothing of A changed."""

from __future__ import annotations

import pytest

from tests.isolation.conftest import Pair
from tests.isolation.probes import Probe, assert_probe_notices_a_missing_filter, run_probe
from tests.isolation.tables import OPERATION_PROBES


@pytest.mark.parametrize("probe", OPERATION_PROBES, ids=lambda p: p.id)
def test_billing_operations_answer_not_found_across_tenants(pair: Pair, probe: Probe) -> None:
    run_probe(pair.session, probe, pair.a, pair.b)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # the filter is the same SQL on both
@pytest.mark.parametrize("probe", [p for p in OPERATION_PROBES if p.filtered], ids=lambda p: p.id)
def test_each_operation_probe_fails_without_tenant_filters(pair: Pair, probe: Probe) -> None:
    assert_probe_notices_a_missing_filter(pair.session, probe, pair.a, pair.b, within_operation=False)
