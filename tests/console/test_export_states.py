"""The exports page's state as its handlers run it, on tenant A of the identity world holding the
hand-built ledger (tests/exports/ledger.py), with the background threshold at 3 rows:
- the page opens on this month up to today (UTC) with no jobs;
- a last day before the first is refused under its field, nothing exported;
- one day (1 invoice) downloads at once: a download event for the console's streamed route;
- January (4 invoices) becomes a queued job, listed, and the page starts watching it;
- a customer is sent to their dashboard and gets nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend import clock
from backend.db import unit_of_work
from backend.kit.repository import TenantScope
from backend.settings import get_settings
from billing_console.state.exports import ExportsState
from tests.conftest import IdentityWorld
from tests.console.test_admin_pages import page_state
from tests.console.test_identity_states import redirects, run
from tests.exports.ledger import seed

pytestmark = pytest.mark.redis

NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)


@pytest.fixture
def world(
    identity_world: IdentityWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[IdentityWorld]:
    monkeypatch.setenv("EXPORT_JOB_THRESHOLD_ROWS", "3")
    monkeypatch.setenv("EXPORT_STORAGE_PATH", str(tmp_path / "exports"))
    get_settings.cache_clear()
    scopes = TenantScope(identity_world.a_admin.tenant_id), TenantScope(identity_world.b_admin.tenant_id)
    with unit_of_work(identity_world.engine) as session:
        seed(session, *scopes)
    with clock.frozen(NOW):
        yield identity_world
    get_settings.cache_clear()


def _export(state: ExportsState, first: str, last: str) -> list[object]:
    return run(ExportsState.export.fn, state, {"first_day": first, "last_day": last})


def test_an_admin_downloads_a_day_at_once_and_a_month_becomes_a_job(world: IdentityWorld) -> None:
    state = page_state(ExportsState, world, world.a_admin, "/admin/exports")
    run(ExportsState.load.fn, state)
    assert (state.loading, state.first_day, state.last_day, state.jobs) == (
        False,
        "2026-03-01",
        "2026-03-10",
        [],
    )
    assert state.job_threshold == "3"

    _export(state, "2026-01-31", "2026-01-30")
    assert state.field_errors == {"last_day": "The last day cannot come before the first."}
    assert state.jobs == [] and state.notice == ""

    events = _export(state, "2026-01-31", "2026-01-31")
    assert state.field_errors == {} and state.notice == "1 row: your download has started."
    [download] = [event for event in events if "_download" in str(getattr(event, "handler", ""))]
    payload = {str(key._js_expr): str(value) for key, value in download.args}  # type: ignore[attr-defined]
    assert "/api/admin/exports/invoices.csv?from=2026-01-31&to=2026-02-01" in payload["url"]
    assert "invoices-2026-01-31-to-2026-02-01.csv" in payload["filename"]

    events = _export(state, "2026-01-01", "2026-01-31")
    assert state.notice.startswith("4 rows: the export runs in the background")
    [job] = state.jobs
    assert (job.kind_name, job.first_day, job.last_day, job.status) == (
        "Invoices",
        "2026-01-01",
        "2026-01-31",
        "queued",
    )
    assert job.download_url == "" and state.running_job == job.job_id
    assert any("watch" in str(getattr(event, "fn", getattr(event, "handler", ""))) for event in events)

    reloaded = page_state(ExportsState, world, world.a_admin, "/admin/exports")
    run(ExportsState.load.fn, reloaded)
    assert [j.job_id for j in reloaded.jobs] == [job.job_id]  # what a reload shows again


def test_a_customer_is_sent_away_and_gets_nothing(world: IdentityWorld) -> None:
    state = page_state(ExportsState, world, world.a_customer, "/admin/exports")
    assert redirects(run(ExportsState.load.fn, state)) == ["/dashboard"]
    assert redirects(_export(state, "2026-01-01", "2026-01-31")) == ["/dashboard"]
    assert state.jobs == [] and state.notice == ""
