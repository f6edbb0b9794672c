"""`/admin/exports`: CSV exports of a range of days. A small range downloads at once; a large one
runs as a job whose progress a background event reads every second and pushes to the page, until
its file can be downloaded. A reload shows the newest jobs again (and keeps watching a running one).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import exports as gateway
from backend.gateway.exports import ExportProgress
from backend.kit.errors import DomainError, FieldErrors
from backend.kit.principals import SignedInUser
from billing_console.state.guards import admin_only, admin_or_redirect, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out, request_context

POLL_SECONDS = 1.0
ACTIVE = ("queued", "running")
FIELDS = ("kind", "first_day", "last_day")


@cleared_on_sign_out
class ExportsState(rx.State):
    loading: bool = True
    load_error: str = ""
    kind: str = "invoices"
    first_day: str = ""
    last_day: str = ""
    field_errors: dict[str, str] = {}
    form_error: str = ""
    starting: bool = False
    notice: str = ""  # what the last export did ("1,204 rows: your download has started")
    jobs: list[ExportProgress] = []
    job_threshold: str = ""  # "10,000": rows above it run in the background
    watching: bool = False

    @rx.var
    def running_job(self) -> int:
        """The newest job still running (0: none)."""
        return next((job.job_id for job in self.jobs if job.status in ACTIVE), 0)

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self.first_day, self.last_day = gateway.default_days()
        self.job_threshold = f"{gateway.job_threshold():,}"
        try:
            self.jobs = await asyncio.to_thread(gateway.recent_exports, admin)
        except DomainError as exc:
            self.load_error = str(exc)
        self.loading = False
        if self.running_job:
            yield ExportsState.watch

    @rx.event
    @admin_only
    async def choose_kind(self, admin: SignedInUser, value: str) -> None:
        self.kind = str(value)[:40]

    @rx.event
    @admin_only
    async def export(self, admin: SignedInUser, form_data: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Download the range at once, or start its job (the page then shows its progress)."""
        sent = form_data if isinstance(form_data, dict) else {}
        first, last = str(sent.get("first_day", ""))[:20], str(sent.get("last_day", ""))[:20]
        self.first_day, self.last_day = first, last
        self.field_errors, self.form_error, self.notice, self.starting = {}, "", "", True
        yield
        try:
            started = await asyncio.to_thread(
                gateway.start_export, request_context(self), admin, self.kind, first, last
            )
        except FieldErrors as exc:
            self.field_errors = {name: exc.fields[name] for name in FIELDS if name in exc.fields}
            return
        except DomainError as exc:
            self.form_error = str(exc)
            return
        finally:
            self.starting = False
        if started.job is None:
            self.notice = f"{_rows(started.rows)}: your download has started."
            yield rx.download(url=started.download_url, filename=started.filename)
            return
        self.notice = f"{_rows(started.rows)}: the export runs in the background; its file appears below."
        self.jobs = [started.job, *self.jobs][:10]
        yield ExportsState.watch

    @rx.event(background=True)
    async def watch(self) -> AsyncIterator[EventSpec | None]:
        """Read the running job's progress until it is over (one watcher per tab)."""
        job_id = 0
        async with self:
            admin = await admin_or_redirect(self)
            if isinstance(admin, SignedInUser) and not self.watching and self.running_job:
                self.watching, job_id = True, self.running_job
        if not isinstance(admin, SignedInUser):
            yield admin  # the redirect: customers to their dashboard, strangers to sign in
            return
        if not job_id:
            return
        try:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                progress = await asyncio.to_thread(gateway.export_progress, admin, job_id)
                async with self:
                    self.jobs = [progress if job.job_id == job_id else job for job in self.jobs]
                if progress.finished:
                    if progress.status == "done":
                        yield rx.toast.success(f"{progress.kind_name} export is ready to download.")
                    return
        finally:
            async with self:
                self.watching = False


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count:,} rows"
