"""The status bench counts what it reports (figures are printed by `python -m bench`, not tested)."""

from __future__ import annotations

import pytest

import bench.provisioning_status as status_bench
from bench.pg import PostgresUnavailable
from tests.conftest import require_service


@pytest.mark.postgres
def test_the_status_bench_makes_one_list_call_per_token_and_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(status_bench, "VIEWERS", 10)
    monkeypatch.setattr(status_bench, "TOKENS", 2)
    monkeypatch.setattr(status_bench, "INTERVAL", 0.4)
    monkeypatch.setattr(status_bench, "INTERVALS", 3)
    try:
        measurement = status_bench.provisioning_status(40)
    except PostgresUnavailable as exc:
        require_service(str(exc))
    notes = measurement.notes
    assert measurement.rows == 40  # 10 tenants of 4 servers
    # 2 tokens, a poll at the start and one per interval: 2 x (1 + 3), one late poll at most missing
    assert 6 <= notes["list_calls"] <= 8
    assert notes["http_list_requests"] == notes["list_calls"]  # 20 servers per token: one page
    assert (notes["calls_per_min_at_5s"], notes["baseline_calls_per_min_at_5s"]) == (24, 120)
    assert notes["ratio_calls"] == 5.0
