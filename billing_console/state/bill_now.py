"""Bill now with its progress: every customer from /admin/invoices, one from a customer's page.

The job runs on a worker; a background event reads its progress every second until it is done and
pushes it to the page. A reload shows the newest run again (and keeps watching one that runs).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import billing_runs as gateway
from backend.gateway.billing_runs import BillNowProgress
from backend.kit.errors import DomainError
from backend.kit.principals import SignedInUser
from billing_console.routes import ADMIN_CUSTOMERS
from billing_console.state.admin_customers import AdminCustomerState
from billing_console.state.admin_invoices import AdminInvoicesState
from billing_console.state.arguments import record_id
from billing_console.state.guards import admin_only, admin_or_redirect
from billing_console.state.session import cleared_on_sign_out, request_context

POLL_SECONDS = 1.0
ACTIVE = ("queued", "running")


@cleared_on_sign_out
class BillNowState(rx.State):
    customer_id: int = 0  # 0: every customer with unbilled charges
    confirming: bool = False
    starting: bool = False
    refusal: str = ""
    job_id: int = 0
    status: str = ""  # "" before the first run; queued, running, done, failed
    done: int = 0
    total: int = 0
    issued: int = 0
    skipped_below_minimum: int = 0
    errors: int = 0
    invoice_numbers: list[str] = []
    last_error: str = ""
    watching: bool = False

    @rx.var
    def running(self) -> bool:
        return self.status in ACTIVE

    @rx.var
    def percent(self) -> int:
        return (
            100
            if self.total == 0 and self.status in ("done", "failed")
            else (self.done * 100 // self.total if self.total else 0)
        )

    def _show(self, progress: BillNowProgress) -> None:
        self.job_id, self.status = progress.job_id, progress.status
        self.done, self.total, self.issued = progress.done, progress.total, progress.issued
        self.skipped_below_minimum, self.errors = progress.skipped_below_minimum, progress.errors
        self.invoice_numbers, self.last_error = progress.invoice_numbers[:50], progress.last_error

    @rx.event
    @admin_only
    async def load(self, admin: SignedInUser) -> EventSpec | None:
        """The newest run for this page's customer (a customer's page) or for every customer."""
        self.reset()
        path = self.router.url.path.rstrip("/")
        customer = record_id(path.rsplit("/", 1)[-1]) if path.startswith(ADMIN_CUSTOMERS + "/") else None
        self.customer_id = customer or 0
        latest = await asyncio.to_thread(gateway.latest_bill_now, admin, customer)
        if latest is not None:
            self._show(latest)
        return BillNowState.watch if self.running else None

    @rx.event
    @admin_only
    async def ask(self, admin: SignedInUser) -> None:
        self.confirming, self.refusal = True, ""

    @rx.event
    @admin_only
    async def close(self, admin: SignedInUser, _open: bool = False) -> None:
        if not self.starting:
            self.confirming, self.refusal = False, ""

    @rx.event
    @admin_only
    async def start(self, admin: SignedInUser) -> EventSpec | None:
        if self.running:
            self.refusal = "A billing run is under way; wait for its summary."
            return None
        self.starting = True
        try:
            progress = await asyncio.to_thread(
                gateway.start_bill_now, request_context(self), admin, self.customer_id or None
            )
        except DomainError as exc:
            self.refusal, self.starting = str(exc), False
            return None
        self._show(progress)
        self.confirming, self.starting = False, False
        return BillNowState.watch

    @rx.event(background=True)
    async def watch(self) -> AsyncIterator[EventSpec | None]:
        """Read the run's progress until it is over (one watcher per tab)."""
        job_id = 0
        async with self:
            admin = await admin_or_redirect(self)
            if isinstance(admin, SignedInUser) and not self.watching and self.running:
                self.watching, job_id = True, self.job_id
        if not isinstance(admin, SignedInUser):
            yield admin  # the redirect: customers to their dashboard, strangers to sign in
            return
        if not job_id:  # nothing runs, or this tab watches it already
            return
        try:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                progress = await asyncio.to_thread(gateway.bill_now_progress, admin, job_id)
                async with self:
                    if self.job_id != job_id:
                        return
                    self._show(progress)
                    finished = not self.running
                    on_customer = self.customer_id != 0
                if finished:
                    # the page's own figures now include what the run issued
                    yield AdminCustomerState.load if on_customer else AdminInvoicesState.turn_to(1)
                    return
        finally:
            async with self:
                self.watching = False
