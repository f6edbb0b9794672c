"""An export as a job, run by its coordinator's unit in-process as a worker runs it (each step in a
unit of work of its own, on committed rows): it is found while queued, writes the file batch by
batch while committing its progress, is read back with its file, and running it again changes
nothing. Another tenant's admin cannot see it or download its file. (tests/jobs/test_export_job.py
runs one on a real RQ worker.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from backend.db import unit_of_work
from backend.exports import repository, service
from backend.exports.errors import ExportNotFound, ExportNotReady
from backend.exports.tasks import EXPORTS
from backend.kit.errors import PermissionDenied
from backend.kit.policy import Actor
from backend.models import ExportKind
from backend.settings import get_settings
from tests.exports.ledger import JANUARY, Ledger, seed, utc
from tests.exports.test_export_csv import INVOICES

NOW = utc(2026, 3, 2, 8)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """Committed steps, as in a worker: the job's unit commits its progress and reads in a second
    transaction of its own, which a test transaction rolled back at the end cannot host."""
    with unit_of_work(engine) as committed:
        yield committed


@pytest.fixture
def ledger(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    monkeypatch.setenv("EXPORT_STORAGE_PATH", str(tmp_path / "exports"))
    get_settings.cache_clear()
    with unit_of_work(engine) as setup:
        ledger = seed(setup)  # tenants of their own: what stays in the test database harms no other test
    yield ledger
    get_settings.cache_clear()


def _requested(session: Session, ledger: Ledger) -> int:
    job = service.request_export(
        session, ledger.a, Actor.admin(ledger.a.tenant_id, user_id=None), ExportKind.INVOICES, *JANUARY, NOW
    )
    session.commit()
    assert job.id is not None
    return job.id


def test_the_job_writes_the_file_counting_its_rows_and_a_second_run_changes_nothing(
    session: Session, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "BATCH_ROWS", 3)  # 4 rows: batches of 3 and 1
    admin = Actor.admin(ledger.a.tenant_id)
    job_id = _requested(session, ledger)
    assert EXPORTS.find_units(session, ledger.a, NOW) == [f"export:{job_id}"]
    assert EXPORTS.find_units(session, ledger.b, NOW) == []
    with pytest.raises(ExportNotReady):
        service.export_file(session, ledger.a, admin, job_id)

    recorded: list[int] = []
    record = service.record_progress
    monkeypatch.setattr(
        service, "record_progress", lambda *args: (recorded.append(args[-1]), record(*args))[1]
    )
    assert EXPORTS.run_unit(session, ledger.a, f"export:{job_id}", NOW) == 4
    assert recorded == [3, 4]  # committed after each batch, for the page

    view = service.export_job(session, ledger.a, admin, job_id)
    assert (view.status, view.done, view.total, view.last_error) == ("done", 4, 4, "")
    path, filename = service.export_file(session, ledger.a, admin, job_id)
    assert filename == "invoices-2026-01-01-to-2026-02-01.csv"
    assert path.read_bytes() == ("\ufeff" + INVOICES).encode()
    assert view.file_bytes == path.stat().st_size
    assert not list(path.parent.glob("*.part"))  # written aside, then renamed into place
    assert EXPORTS.find_units(session, ledger.a, NOW) == []

    assert EXPORTS.run_unit(session, ledger.a, f"export:{job_id}", NOW) == 0
    assert service.export_job(session, ledger.a, admin, job_id).done == 4
    assert [job.job_id for job in service.recent_jobs(session, ledger.a, admin)] == [job_id]


def test_another_tenant_cannot_read_or_download_the_job_and_customers_cannot_start_one(
    session: Session, ledger: Ledger
) -> None:
    job_id = _requested(session, ledger)
    EXPORTS.run_unit(session, ledger.a, f"export:{job_id}", NOW)
    other_admin = Actor.admin(ledger.b.tenant_id)
    with pytest.raises(ExportNotFound):
        service.export_file(session, ledger.b, other_admin, job_id)
    with pytest.raises(ExportNotFound):
        service.export_job(session, ledger.b, other_admin, job_id)
    assert service.recent_jobs(session, ledger.b, other_admin) == []
    assert EXPORTS.run_unit(session, ledger.b, f"export:{job_id}", NOW) == 0  # B's unit finds no such job
    with pytest.raises(PermissionDenied):
        service.request_export(
            session, ledger.a, Actor.customer(ledger.a.tenant_id, 1), ExportKind.INVOICES, *JANUARY, NOW
        )


def test_a_job_that_fails_says_why_and_leaves_no_file(
    session: Session, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = _requested(session, ledger)

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(service, "record_progress", broken)
    assert EXPORTS.run_unit(session, ledger.a, f"export:{job_id}", NOW) == 0
    view = service.export_job(session, ledger.a, Actor.admin(ledger.a.tenant_id), job_id)
    assert (view.status, view.last_error) == ("failed", "The export failed: disk full")
    assert not list((get_settings().export_storage_path).rglob("*.csv"))
    assert not list((get_settings().export_storage_path).rglob("*.part"))
