"""Background jobs as the admin dashboard shows them: plain values, times already formatted."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CoordinatorRun:
    name: str  # e.g. "subscription_billing" (for tools; people read `title`)
    title: str  # e.g. "Billing run"
    description: str  # what it does, in the admin's words
    schedule: str  # e.g. "every minute"
    last_success: str  # e.g. "2026-11-21 09:00 UTC", or "never"
    failed_attempts: int


@dataclass(frozen=True, slots=True)
class JobsOverview:
    available: bool  # False when no job layer is bound or Redis does not answer
    notice: str = ""  # why the figures are missing
    failed_jobs: int = 0  # failed jobs of this tenant, kept for inspection in /admin/queues/
    queued_jobs: int = 0
    coordinators: list[CoordinatorRun] = field(default_factory=list)
