"""The admin overview: a tenant's headline figures, its background jobs, who may open the job monitor."""

from __future__ import annotations

from backend import ports
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.kit.errors import NotFoundError
from backend.kit.policy import Action, allows, authorize
from backend.kit.principals import SignedInUser
from backend.reporting import overview as admin_overview_service
from backend.reporting.schemas import AdminOverview
from backend.scheduling.coordinators import words as coordinator_words
from backend.scheduling.schemas import CoordinatorRun, JobsOverview
from backend.settings import get_settings
from backend.tenancy.service import scope_for_slug


def admin_overview(user: SignedInUser) -> AdminOverview:
    with unit_of_work() as session:
        return admin_overview_service.admin_overview(session, user_scope(user), actor(None, user))


def operates_deployment(user: SignedInUser) -> bool:
    """Admins of the default tenant run the deployment (its job queues hold every tenant's jobs)."""
    if not allows(actor(None, user), user_scope(user), Action.MONITOR_JOBS):
        return False
    with unit_of_work() as session:
        try:
            return scope_for_slug(session, get_settings().default_tenant_slug).tenant_id == user.tenant_id
        except NotFoundError:
            return False


def jobs_overview(user: SignedInUser) -> JobsOverview:
    """Failed jobs of the admin's tenant and the last successful run of each coordinator."""
    # No domain service reads the job monitor: the policy is asked here.
    authorize(actor(None, user), user_scope(user), Action.MONITOR_JOBS)
    try:
        health = ports.job_monitor().health(user.tenant_id)
    except ports.JobsUnavailable as exc:
        return JobsOverview(available=False, notice=f"Job figures are unavailable: {exc}.")
    return JobsOverview(
        available=True,
        failed_jobs=health.failed_jobs,
        queued_jobs=health.queued_jobs,
        coordinators=[_run(c) for c in health.coordinators],
    )


def _run(health: ports.CoordinatorHealth) -> CoordinatorRun:
    """One coordinator as the overview shows it: named in the admin's words, times in UTC."""
    named = coordinator_words(health.name, health.description)
    return CoordinatorRun(
        name=health.name,
        title=named.title,
        description=named.summary,
        schedule=_every(health.interval_seconds),
        last_success=f"{health.last_success:%Y-%m-%d %H:%M} UTC" if health.last_success else "never",
        failed_attempts=health.failed_attempts,
    )


def _every(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    return f"every {seconds} s"
