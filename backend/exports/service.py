"""CSV exports (issue 16): invoices, credit notes, payments, customers and subscriptions of a range.

The range is days in UTC, `from` inclusive and `to` exclusive (`from=2026-01-01&to=2026-02-01` is
January), applied to the date that makes a row belong to a period: an invoice's or credit note's
issue, a payment's creation, a customer's or subscription's creation. Rows are read from a
server-side cursor in batches and written as CSV batch by batch, so an export's memory does not
grow with its rows. Money is a decimal string rounded to the row's `currency` (its own column);
times are ISO 8601 in UTC (`2026-01-31T23:59:59+00:00`, the headers end in `_utc`). A cell a
spreadsheet would run as a formula gets an apostrophe.

Small exports stream straight to the browser or API client; a range of more than
EXPORT_JOB_THRESHOLD_ROWS rows runs as a job (`request_export`) that writes the file under
EXPORT_STORAGE_PATH and counts its rows as it goes, for the page to show (docs/decisions.md).
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session

from backend.audit import service as audit
from backend.customers.notes import safe_cell
from backend.exports.errors import ExportFileGone, ExportNotFound, ExportNotReady, ExportRangeInvalid
from backend.exports.repository import QUERIES, ExportJobRepository, ExportRowsRepository
from backend.exports.schemas import ExportJobView, export_filename
from backend.kit.policy import Action, authorize
from backend.kit.repository import TenantScope
from backend.models import ExportJob, ExportKind, ExportStatus
from backend.money import Money
from backend.ports import JobsUnavailable, job_queue
from backend.settings import get_settings

log = logging.getLogger(__name__)

COORDINATOR = "exports"  # the coordinator (backend/exports/tasks.py) whose units run the jobs
KEY_PREFIX = "export:"
BOM = "\ufeff"  # spreadsheets read the file as UTF-8 with it

Progress = Callable[[int], None]


def utc_bounds(range_from: date, range_to: date) -> tuple[datetime, datetime]:
    """[from 00:00 UTC, to 00:00 UTC): the instants of the range; refused unless `to` is later."""
    if range_to <= range_from:
        raise ExportRangeInvalid()
    return datetime.combine(range_from, time(), UTC), datetime.combine(range_to, time(), UTC)


def through_day(last_day: date) -> date:
    """The exclusive end of a range whose last included day is `last_day` (what the page asks)."""
    return last_day + timedelta(days=1)


def count_rows(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    kind: ExportKind,
    range_from: date,
    range_to: date,
) -> int:
    """How many rows the export of the range holds (the page decides: download or job)."""
    authorize(actor, scope, Action.EXPORT_DATA)
    start, end = utc_bounds(range_from, range_to)
    return ExportRowsRepository(session, scope).count_in_range(kind, start, end)


def open_download(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    kind: ExportKind,
    range_from: date,
    range_to: date,
) -> str:
    """Allow and record a streamed export (before the first byte is sent, so a refusal is a proper
    answer); returns its file name. Stream it with `csv_chunks` in a unit of work of its own."""
    authorize(actor, scope, Action.EXPORT_DATA)
    utc_bounds(range_from, range_to)
    audit.record(
        session, scope, actor, "exports.downloaded", object_type="export", object_id=str(kind),
        after={"from": range_from.isoformat(), "to": range_to.isoformat()},
    )  # fmt: skip
    return export_filename(str(kind), range_from, range_to)


def csv_chunks(
    session: Session,
    scope: TenantScope,
    kind: ExportKind,
    range_from: date,
    range_to: date,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """The export as UTF-8 CSV: the header line (after a BOM), then one chunk per batch of rows.
    `progress` hears the rows written so far after each batch. Allowed by `open_download` or
    `request_export` first."""
    start, end = utc_bounds(range_from, range_to)
    query = QUERIES[kind]
    kinds = [column.kind for column in query.columns]
    currency_at = query.headers.index("currency") if "money" in kinds else -1
    yield (BOM + _csv_lines([query.headers])).encode("utf-8")
    done = 0
    for batch in ExportRowsRepository(session, scope).batches(kind, start, end):
        yield _csv_lines([_cells(row, kinds, currency_at) for row in batch]).encode("utf-8")
        done += len(batch)
        if progress is not None:
            progress(done)


def _csv_lines(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _cells(row: Sequence[Any], kinds: Sequence[str], currency_at: int) -> list[str]:
    return [
        _cell(value, kind, row[currency_at] if currency_at >= 0 else "")
        for value, kind in zip(row, kinds, strict=True)
    ]


def _cell(value: Any, kind: str, currency: str) -> str:
    if value is None:
        return ""
    if kind == "money":
        return format(Money(value, currency).round_to_minor().amount, "f")
    if kind == "time":
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if kind == "number":
        return str(int(value))
    return safe_cell(str(value))


# The export as a job


def job_key(job_id: int) -> str:
    return f"{KEY_PREFIX}{job_id}"


def job_id_of(key: str) -> int:
    text = key.removeprefix(KEY_PREFIX)
    if not key.startswith(KEY_PREFIX) or not text.isdigit():
        raise ValueError(f"not an export unit key: {key!r}")
    return int(text)


def request_export(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    kind: ExportKind,
    range_from: date,
    range_to: date,
    now: datetime,
) -> ExportJob:
    """Record an export as a job (queued); queue it with `queue_export` once this is committed."""
    authorize(actor, scope, Action.EXPORT_DATA)
    utc_bounds(range_from, range_to)
    job = ExportJobRepository(session, scope).add(
        ExportJob(
            kind=kind,
            range_from=range_from,
            range_to=range_to,
            requested_by_user_id=actor.user_id,
            created_at=now,
        )
    )
    audit.record(
        session, scope, actor, "exports.requested", object_type="export_job", object_id=job.id,
        after={"kind": str(kind), "from": range_from.isoformat(), "to": range_to.isoformat()},
    )  # fmt: skip
    return job


def queue_export(tenant_id: int, job_id: int) -> bool:
    """Queue the job's unit now (after the request committed). Without a job layer it waits for
    the coordinator's next sweep; False then."""
    try:
        job_queue().enqueue_unit(COORDINATOR, tenant_id, job_key(job_id))
    except (JobsUnavailable, OSError, ConnectionError) as exc:
        log.warning("export job %s waits for the coordinator: %s", job_id, exc)
        return False
    return True


def export_job(session: Session, scope: TenantScope, actor: audit.Actor, job_id: int) -> ExportJobView:
    """The job's status and progress (a job of another tenant is not found)."""
    authorize(actor, scope, Action.EXPORT_DATA)
    job = ExportJobRepository(session, scope).get(job_id)
    if job is None:
        raise ExportNotFound()
    return job_view(job)


def unfinished_job_ids(session: Session, scope: TenantScope) -> list[int]:
    """Jobs waiting for a worker or cut short: the coordinator queues them."""
    return ExportJobRepository(session, scope).unfinished_ids()


def recent_jobs(
    session: Session, scope: TenantScope, actor: audit.Actor, limit: int = 10
) -> list[ExportJobView]:
    """The newest export jobs: what a reloaded page shows."""
    authorize(actor, scope, Action.EXPORT_DATA)
    return [job_view(job) for job in ExportJobRepository(session, scope).newest(limit)]


def job_view(job: ExportJob) -> ExportJobView:
    assert job.id is not None
    return ExportJobView(
        job_id=job.id, kind=str(job.kind), range_from=job.range_from, range_to=job.range_to,
        status=str(job.status), done=job.done, total=job.total, file_bytes=job.file_bytes,
        last_error=job.last_error, created_at=job.created_at, finished_at=job.finished_at,
    )  # fmt: skip


def export_file(session: Session, scope: TenantScope, actor: audit.Actor, job_id: int) -> tuple[Path, str]:
    """The finished job's file and its download name, for an admin of the job's tenant (another
    tenant's job is not found); the download is audited."""
    authorize(actor, scope, Action.EXPORT_DATA)
    job = ExportJobRepository(session, scope).get(job_id)
    if job is None:
        raise ExportNotFound()
    if job.status != ExportStatus.DONE or not job.file_key:
        raise ExportNotReady()
    path = storage_path(job.file_key)
    if not path.is_file():
        raise ExportFileGone()
    audit.record(session, scope, actor, "exports.file_downloaded", object_type="export_job", object_id=job.id)
    return path, export_filename(str(job.kind), job.range_from, job.range_to)


def storage_path(key: str) -> Path:
    return get_settings().export_storage_path / key


def file_key(scope: TenantScope, job_id: int) -> str:
    return f"tenant-{scope.tenant_id}/export-{job_id}.csv"


def start_export(session: Session, scope: TenantScope, job_id: int, now: datetime) -> ExportJob | None:
    """Mark a queued job (or one a dead worker left running) running from its first row, with the
    rows its range holds now; None when the job is over or unknown. A step of the job."""
    job = ExportJobRepository(session, scope).lock(job_id)
    if job is None or job.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return None
    start, end = utc_bounds(job.range_from, job.range_to)
    job.total = ExportRowsRepository(session, scope).count_in_range(job.kind, start, end)
    job.done, job.status, job.started_at = 0, ExportStatus.RUNNING, job.started_at or now
    session.flush()
    return job


def record_progress(session: Session, scope: TenantScope, job_id: int, done: int) -> None:
    job = ExportJobRepository(session, scope).get_or_raise(job_id)
    job.done = done
    session.flush()


def write_file(reading: Session, scope: TenantScope, job: ExportJob, progress: Progress) -> tuple[str, int]:
    """Write the job's CSV under its storage key, batch by batch into a part file that is renamed
    into place when complete (a crash never leaves a short file under the key); returns the key
    and the file's size."""
    assert job.id is not None
    key = file_key(scope, job.id)
    target = storage_path(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(".part")
    try:
        with part.open("wb") as handle:
            _write(handle, csv_chunks(reading, scope, job.kind, job.range_from, job.range_to, progress))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return key, target.stat().st_size


def _write(handle: IO[bytes], chunks: Iterator[bytes]) -> None:
    for chunk in chunks:
        handle.write(chunk)


def finish_export(
    session: Session, scope: TenantScope, job_id: int, key: str, size: int, done: int, now: datetime
) -> None:
    job = ExportJobRepository(session, scope).get_or_raise(job_id)
    job.status, job.file_key, job.file_bytes, job.done, job.finished_at = (
        ExportStatus.DONE,
        key,
        size,
        done,
        now,
    )
    # Rows added to the range while it ran are in the file: the total is what was written.
    job.total = max(job.total, done)
    session.flush()


def fail_export(session: Session, scope: TenantScope, job_id: int, error: str, now: datetime) -> None:
    job = ExportJobRepository(session, scope).get_or_raise(job_id)
    job.status, job.last_error, job.finished_at = ExportStatus.FAILED, error[:500], now
    session.flush()
