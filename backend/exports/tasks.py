"""The exports coordinator: runs the export jobs admins asked for (queued at once on request;
the coordinator's sweep catches any left waiting or cut short)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from backend.db import unit_of_work
from backend.exports import service
from backend.kit.coordination import Coordinator
from backend.kit.repository import TenantScope

log = logging.getLogger(__name__)


def find_export_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    return [service.job_key(job_id) for job_id in service.unfinished_job_ids(session, scope)]


def run_export_unit(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    """Write the job's file, committing its progress after each batch so the page sees it; the
    rows are read in a second transaction, whose server-side cursor those commits would close.
    Returns the rows written (0 when the job was over). A failure marks the job failed with the
    reason: the admin sees it and runs the export again."""
    job_id = service.job_id_of(key)
    job = service.start_export(session, scope, job_id, now)
    if job is None:
        return 0
    session.commit()  # running, with its total
    written = 0

    def progress(done: int) -> None:
        nonlocal written
        written = done
        service.record_progress(session, scope, job_id, done)
        session.commit()

    try:
        with unit_of_work(session.get_bind()) as reading:  # type: ignore[arg-type]
            file_key, size = service.write_file(reading, scope, job, progress)
    except Exception as exc:  # the job shows why it failed instead of retrying for ever
        log.exception("export job %s failed", job_id)
        session.rollback()
        service.fail_export(session, scope, job_id, f"The export failed: {exc}", now)
        session.commit()
        return 0
    service.finish_export(session, scope, job_id, file_key, size, written, now)
    session.commit()
    return written


EXPORTS = Coordinator(
    name=service.COORDINATOR,
    queue="default",
    description="CSV exports admins started as a job (queued at once; this catches any left waiting)",
    find_units=find_export_units,
    run_unit=run_export_unit,
    interval_seconds=60,
    simulated=False,
)
