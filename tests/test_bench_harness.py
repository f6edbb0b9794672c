"""The benchmark harness writes what it reports (figures are printed by `python -m bench`, not tested)."""

from __future__ import annotations

from contextlib import ExitStack

import psycopg
import pytest

from bench.copy_baseline import measure_copy_baseline
from bench.pg import PostgresUnavailable, psycopg_conninfo, throwaway_database
from tests.conftest import require_service


@pytest.mark.postgres
def test_copy_baseline_reports_the_rows_it_wrote() -> None:
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_database())
        except PostgresUnavailable as exc:
            require_service(str(exc))
        conninfo = psycopg_conninfo(url)

        figures = measure_copy_baseline(conninfo, 200)

        with psycopg.connect(conninfo) as conn:
            invoices = conn.execute("SELECT count(*) FROM invoices").fetchone()
            lines = conn.execute("SELECT count(*) FROM invoice_lines").fetchone()

    assert (figures["invoices"], figures["lines"]) == (200, 400)
    assert invoices == (figures["invoices"],)
    assert lines == (figures["lines"],)
    assert figures["seconds"] > 0
    assert figures["rows_per_s"] == pytest.approx(figures["invoices"] / figures["seconds"])


@pytest.mark.postgres
def test_billing_benchmark_bills_every_subscription_once() -> None:
    from bench.billing_engine import billing_engine

    try:
        measurement = billing_engine(300)
    except PostgresUnavailable as exc:
        require_service(str(exc))
    assert measurement.rows == 300 and measurement.notes["duplicates"] == 0
    assert measurement.notes["units"] == 1  # 300 subscriptions fit in one 500-subscription unit


@pytest.mark.postgres
def test_order_preview_benchmark_previews_and_measures_one_page_of_state() -> None:
    from bench.order_preview import SUBSCRIPTIONS_OF_ONE_CUSTOMER, order_preview

    try:
        measurement = order_preview(30)
    except PostgresUnavailable as exc:
        require_service(str(exc))
    notes = measurement.notes
    assert measurement.rows == 30 and notes["p50_ms"] <= notes["p99_ms"] <= notes["max_ms"]
    # The demo's customer already has 3 subscriptions; the benchmark orders 200 more.
    assert notes["subscriptions"] == SUBSCRIPTIONS_OF_ONE_CUSTOMER + 3
    # One page of 20 is sent, not all 203: the unpaged list is several times larger.
    assert notes["unpaged_bytes"] > 5 * notes["state_bytes"]
