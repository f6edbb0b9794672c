"""A CSV export on a real Redis, PostgreSQL and a real RQ worker process: the job asked for is
queued once on the default queue, the worker writes the file and counts its rows, and the job's
progress and file are read back here, as the exports page reads them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import Engine

from backend.audit.service import Actor
from backend.db import unit_of_work
from backend.exports import service
from backend.exports.tasks import EXPORTS
from backend.models import ExportKind
from backend.settings import get_settings
from jobs import dispatch
from tests.exports.ledger import JANUARY, Ledger, seed, utc
from tests.exports.test_export_csv import INVOICES
from tests.jobs.test_jobs import (  # noqa: F401 - the fixtures of the job tests
    Starter,
    connection,
    demo_pg,
    job_env,
    jobs_redis,
    processes,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def export_env(
    job_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, str]]:
    """The worker and this process write and read export files in the same directory."""
    folder = str(tmp_path / "exports")
    monkeypatch.setenv("EXPORT_STORAGE_PATH", folder)
    get_settings.cache_clear()
    yield {**job_env, "EXPORT_STORAGE_PATH": folder}
    get_settings.cache_clear()


def test_a_worker_writes_the_export_and_its_progress_is_read_back(
    export_env: dict[str, str],
    connection: Redis,  # noqa: F811
    demo_pg: Engine,  # noqa: F811
    processes: Starter,  # noqa: F811
) -> None:
    with unit_of_work(demo_pg) as session:
        ledger: Ledger = seed(session)
        job = service.request_export(
            session, ledger.a, Actor.admin(ledger.a.tenant_id), ExportKind.INVOICES, *JANUARY, utc(2026, 3, 1)
        )
        job_id = job.id or 0
    key = service.job_key(job_id)
    assert dispatch.enqueue_unit(connection, EXPORTS, ledger.a.tenant_id, key) is True
    assert dispatch.enqueue_unit(connection, EXPORTS, ledger.a.tenant_id, key) is False  # pending once
    assert Queue("default", connection=connection).count == 1

    assert processes(export_env, "worker", "--burst").wait(timeout=120) == 0

    admin = Actor.admin(ledger.a.tenant_id)
    with unit_of_work(demo_pg) as session:
        view = service.export_job(session, ledger.a, admin, job_id)
        path, _ = service.export_file(session, ledger.a, admin, job_id)
    assert (view.status, view.done, view.total, view.last_error) == ("done", 4, 4, "")
    assert path.read_bytes() == ("\ufeff" + INVOICES).encode()
    assert str(path).startswith(export_env["EXPORT_STORAGE_PATH"])
