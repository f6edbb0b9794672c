"""CSV exports from /admin/exports: a range with few rows downloads at once (streamed by the
console's download route); a larger one runs as a job whose progress the page reads until its file
can be downloaded. The newest jobs are shown again after a reload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from backend import clock
from backend.db import unit_of_work
from backend.exports import service as exports
from backend.exports.schemas import KIND_NAMES, ExportJobView, export_filename
from backend.gateway.units import actor, user_scope
from backend.kit.errors import FieldErrors
from backend.kit.principals import RequestContext, SignedInUser
from backend.models import ExportKind
from backend.settings import get_settings

FINISHED = ("done", "failed")


@dataclass(frozen=True, slots=True)
class ExportProgress:
    job_id: int
    kind_name: str
    first_day: str  # ISO dates, both included (the page's words)
    last_day: str
    status: str  # queued, running, done, failed
    done: int
    total: int
    download_url: str  # "" until the file is there
    filename: str
    last_error: str

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True, slots=True)
class ExportStarted:
    rows: int
    download_url: str  # set when the range downloads at once
    filename: str
    job: ExportProgress | None  # set when it runs as a job


def export_kinds() -> list[tuple[str, str]]:
    """(value, name) of every kind, in the page's order."""
    return [(str(kind), name) for kind, name in KIND_NAMES.items()]


def job_threshold() -> int:
    """Rows above which an export runs in the background (EXPORT_JOB_THRESHOLD_ROWS)."""
    return get_settings().export_job_threshold_rows


def default_days() -> tuple[str, str]:
    """The page's first range: this month up to today (UTC)."""
    today = clock.now().date()
    return today.replace(day=1).isoformat(), today.isoformat()


def start_export(
    request: RequestContext, user: SignedInUser, kind: str, first_day: str, last_day: str
) -> ExportStarted:
    """Count the rows of the days `first_day` to `last_day` (both included); up to the threshold the
    page downloads them at once, above it a job is recorded and queued once committed."""
    wanted, start, end = _checked(kind, first_day, last_day)
    threshold, filename = job_threshold(), export_filename(str(wanted), start, end)
    with unit_of_work() as session:
        scope, who = user_scope(user), actor(request, user)
        rows = exports.count_rows(session, scope, who, wanted, start, end)
        if rows <= threshold:
            return ExportStarted(rows, direct_url(wanted, start, end), filename, None)
        view = exports.job_view(exports.request_export(session, scope, who, wanted, start, end, clock.now()))
    exports.queue_export(user.tenant_id, view.job_id)
    return ExportStarted(rows, "", filename, _progress(view))


def export_progress(user: SignedInUser, job_id: int) -> ExportProgress:
    with unit_of_work() as session:
        return _progress(exports.export_job(session, user_scope(user), actor(None, user), job_id))


def recent_exports(user: SignedInUser) -> list[ExportProgress]:
    with unit_of_work() as session:
        return [_progress(view) for view in exports.recent_jobs(session, user_scope(user), actor(None, user))]


def direct_url(kind: ExportKind, start: date, end: date) -> str:
    """The console's streamed download of [start, end)."""
    return f"/api/admin/exports/{kind}.csv?" + urlencode({"from": start.isoformat(), "to": end.isoformat()})


def _checked(kind: str, first_day: str, last_day: str) -> tuple[ExportKind, date, date]:
    """The form's fields as a kind and a range [first, last + 1 day), or every field's message."""
    errors: dict[str, str] = {}
    wanted = next((candidate for candidate in ExportKind if candidate.value == kind), None)
    if wanted is None:
        errors["kind"] = "Choose what to export."
    start, last = _day(first_day), _day(last_day)
    if start is None:
        errors["first_day"] = "Enter the first day as YYYY-MM-DD."
    if last is None or last == date.max:  # the day after it would not exist
        errors["last_day"] = "Enter the last day as YYYY-MM-DD."
    elif start is not None and last < start:
        errors["last_day"] = "The last day cannot come before the first."
    if errors or wanted is None or start is None or last is None:
        raise FieldErrors(errors)
    return wanted, start, exports.through_day(last)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _progress(view: ExportJobView) -> ExportProgress:
    return ExportProgress(
        job_id=view.job_id,
        kind_name=KIND_NAMES[ExportKind(view.kind)],
        first_day=view.range_from.isoformat(),
        last_day=date.fromordinal(view.range_to.toordinal() - 1).isoformat(),
        status=view.status,
        done=view.done,
        total=view.total,
        download_url=f"/api/admin/exports/files/{view.job_id}.csv" if view.status == "done" else "",
        filename=view.filename,
        last_error=view.last_error,
    )
