"""The admin overview: a tenant's headline figures and how its background jobs are doing."""

from __future__ import annotations

import asyncio

import reflex as rx

from backend.documents.schemas import DocumentAlarmView
from backend.gateway import admin as admin_gateway
from backend.gateway import documents as documents_gateway
from backend.kit.principals import SignedInUser
from backend.scheduling.schemas import CoordinatorRun
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out


@cleared_on_sign_out
class AdminOverviewState(rx.State):
    """Figures from `admin_gateway.admin_overview`; only admins ever get them (checked on the server)."""

    loading: bool = True
    tenant_name: str = ""
    customers: int = 0
    active_subscriptions: int = 0
    unpaid_invoices: int = 0
    overdue_invoices: int = 0
    open_amounts: list[str] = []
    paid_last_30_days: list[str] = []
    jobs_available: bool = False
    jobs_notice: str = ""
    failed_jobs: int = 0
    queued_jobs: int = 0
    coordinator_runs: list[CoordinatorRun] = []
    document_alarms: list[DocumentAlarmView] = []

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        """Admins get fresh figures; customers are sent to their dashboard, strangers to sign in."""
        overview, jobs, alarms = await asyncio.gather(
            asyncio.to_thread(admin_gateway.admin_overview, admin),
            asyncio.to_thread(admin_gateway.jobs_overview, admin),
            asyncio.to_thread(documents_gateway.document_alarms, admin),
        )
        self.tenant_name = overview.tenant_name
        self.customers = overview.customers
        self.active_subscriptions = overview.active_subscriptions
        self.unpaid_invoices = overview.unpaid_invoices
        self.overdue_invoices = overview.overdue_invoices
        self.open_amounts = overview.open_amounts
        self.paid_last_30_days = overview.paid_last_30_days
        self.jobs_available = jobs.available
        self.jobs_notice = jobs.notice
        self.failed_jobs = jobs.failed_jobs
        self.queued_jobs = jobs.queued_jobs
        self.coordinator_runs = jobs.coordinators
        self.document_alarms = alarms
        self.loading = False
