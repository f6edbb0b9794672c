"""The isolation table of the CSV exports: the rows of a range (counted, read in batches, written
as CSV) and the export jobs with their steps and file; and the repository methods behind them.

A has one export job of its invoices, queued (`prepare`, called by tests/isolation/world.py); B
has none. B's exports of the same wide range must hold B's own invoices only: the expected numbers
are read straight from the invoices table, filtered by B's tenant id.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from backend.audit.service import Actor
from backend.exports import service, tasks
from backend.exports.repository import ExportJobRepository, ExportRowsRepository
from backend.models import ExportJob, ExportKind, Invoice
from tests.isolation.probes import Probe, nothing
from tests.isolation.repository_probes import R
from tests.isolation.service_probes import S
from tests.isolation.world import NOW, Side

EVERY_DAY = (date(2000, 1, 1), date(2100, 1, 1))
START, END = service.utc_bounds(*EVERY_DAY)


def prepare(session: Session, side: Side) -> None:
    """A queued export of every invoice of `side`'s tenant."""
    service.request_export(
        session, side.scope, Actor.admin(side.tenant_id), ExportKind.INVOICES, *EVERY_DAY, NOW
    )


def job_of(session: Session, side: Side) -> int:
    found = session.scalars(select(ExportJob.id).where(ExportJob.tenant_id == side.tenant_id)).first()
    assert found is not None, "tests/isolation/world.py prepares an export job for A"
    return int(found)


def _issued_numbers(session: Session, tenant_id: int) -> set[str]:
    rows = session.scalars(
        select(Invoice.number).where(Invoice.tenant_id == tenant_id, Invoice.issued_at.is_not(None))
    )
    return {str(number) for number in rows}


def _count_of_b(result: Any, b: Side, session: Session) -> None:
    assert result == len(_issued_numbers(session, b.tenant_id)), f"tenant B counted {result!r}"


def _numbers_of_b(numbers: set[str], b: Side, session: Session) -> None:
    own = _issued_numbers(session, b.tenant_id)
    assert own and numbers == own, f"tenant B exported {numbers - own!r} besides its own"


def _rows_of_b(result: Any, b: Side, session: Session) -> None:
    _numbers_of_b({str(row[0]) for row in result}, b, session)


def _csv_of_b(result: Any, b: Side, session: Session) -> None:
    lines = b"".join(result).decode().splitlines()[1:]
    _numbers_of_b({line.split(",")[0] for line in lines}, b, session)


def _batches(session: Session, me: Side, a: Side) -> list[Any]:
    found = ExportRowsRepository(session, me.scope).batches(ExportKind.INVOICES, START, END)
    return [row for batch in found for row in batch]


EXPORT_PROBES: list[Probe] = [
    S(
        service.count_rows,
        lambda s, me, a: service.count_rows(s, me.scope, me.actor, ExportKind.INVOICES, *EVERY_DAY),
        _count_of_b,
    ),
    S(
        service.csv_chunks,
        lambda s, me, a: list(service.csv_chunks(s, me.scope, ExportKind.INVOICES, *EVERY_DAY)),
        _csv_of_b,
    ),
    S(service.export_job, lambda s, me, a: service.export_job(s, me.scope, me.actor, job_of(s, a))),
    # A's own call finds the job queued, without a file (ExportNotReady): the download of a finished
    # job's file is tests/exports/test_export_jobs.py.
    S(
        service.export_file,
        lambda s, me, a: service.export_file(s, me.scope, me.actor, job_of(s, a)),
        control=False,
    ),
    S(service.recent_jobs, lambda s, me, a: service.recent_jobs(s, me.scope, me.actor), nothing),
    S(service.unfinished_job_ids, lambda s, me, a: service.unfinished_job_ids(s, me.scope), nothing),
    S(service.start_export, lambda s, me, a: service.start_export(s, me.scope, job_of(s, a), NOW), nothing),
    S(service.record_progress, lambda s, me, a: service.record_progress(s, me.scope, job_of(s, a), 1)),
    S(
        service.finish_export,
        lambda s, me, a: service.finish_export(s, me.scope, job_of(s, a), "tenant-x/export.csv", 3, 1, NOW),
    ),
    S(service.fail_export, lambda s, me, a: service.fail_export(s, me.scope, job_of(s, a), "Probe", NOW)),
    S(tasks.find_export_units, lambda s, me, a: tasks.find_export_units(s, me.scope, NOW), nothing),
    # A's own run commits its progress and reads in a second transaction, which the probes'
    # savepoint cannot host (tests/exports/test_export_jobs.py runs it); so would B's run without
    # the filters. What stops B is start_export's scoped lock, probed above with the filter removed.
    S(
        tasks.run_export_unit,
        lambda s, me, a: tasks.run_export_unit(s, me.scope, service.job_key(job_of(s, a)), NOW),
        nothing,
        control=False,
        filtered=False,
    ),
]

EXPORT_REPOSITORY_PROBES: list[Probe] = [
    R(ExportRowsRepository.count_in_range, lambda s, me, a: (ExportKind.INVOICES, START, END), _count_of_b),
    S(ExportRowsRepository.batches, _batches, _rows_of_b),
    R(ExportJobRepository.lock, lambda s, me, a: (job_of(s, a),)),
    R(ExportJobRepository.unfinished_ids),
    R(ExportJobRepository.newest, lambda s, me, a: (10,)),
]

EXPORT_EXEMPT: dict[str, str] = {
    "exports.service.open_download": (
        "reads no row: asks the policy and writes an audit entry stamped with the scope's tenant;"
        " the rows it allows are read by csv_chunks (probed)"
    ),
    "exports.service.request_export": (
        "takes no id of another object: records a job in the scope's tenant (its steps are probed)"
    ),
    "exports.service.write_file": (
        "writes the rows of its scope (csv_chunks, probed) under that scope's directory for the job"
        " its caller started in the same scope (start_export, probed)"
    ),
    "exports.service.file_key": "names a file under the scope's own directory; reads no row",
}
