"""Entry points for the Reflex pages.

Each function opens one unit of work, calls services and returns DTOs, so page states never hold a
session, a query or an ORM row (ARCHITECTURE rule 2). They are synchronous: states call them with
`asyncio.to_thread` so a query never blocks the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from backend import ports
from backend.audit import service as audit
from backend.audit.schemas import AuditEntryView
from backend.db import unit_of_work
from backend.identity import accounts, api_tokens, auth, sessions
from backend.identity.schemas import ApiTokenSummary, CreatedApiToken, LoginTicket
from backend.integrations.mail import MailBatch, mailer_for
from backend.kit.errors import DomainError, NotFoundError
from backend.kit.pagination import Page
from backend.kit.policy import Action, allows, authorize
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.repository import TenantScope
from backend.redis_connection import connect
from backend.reporting import dashboard
from backend.reporting import overview as admin_overview_service
from backend.reporting.schemas import AdminOverview, CustomerOverview
from backend.scheduling.schemas import CoordinatorRun, JobsOverview
from backend.settings import get_settings
from backend.tenancy.service import scope_for_host, scope_for_slug
from backend.throttle import Throttle


@contextmanager
def _unit_keeping(*errors: type[DomainError]) -> Iterator[Session]:
    """A unit of work that still commits when one of `errors` is raised, then passes it on.

    Refusals leave traces that must stay: the audit entry of a failed sign-in, a wrong code counted.
    """
    failure: DomainError | None = None
    with unit_of_work() as session:
        try:
            yield session
        except errors as exc:
            failure = exc
    if failure is not None:
        raise failure


def _throttle() -> Throttle:
    settings = get_settings()
    return Throttle.from_settings(settings, connect() if settings.redis_url else None)


def _actor(request: RequestContext | None, user: SignedInUser | None = None) -> audit.Actor:
    """Who acts: the signed-in user with the role the server resolved, or a visitor."""
    ip_address = request.ip_address if request else ""
    return audit.Actor.for_user(user, ip_address) if user else audit.Actor.visitor(ip_address)


def _user_scope(user: SignedInUser) -> TenantScope:
    return TenantScope(user.tenant_id)


def sign_in(request: RequestContext, email: str, password: str) -> LoginTicket:
    """Check the credentials in the request's tenant and start a session; the ticket buys the cookie.

    Raises InvalidCredentials, AccountLocked, EmailNotConfirmed or TooManyAttempts.
    """
    settings = get_settings()
    with _unit_keeping(DomainError) as session:
        scope = scope_for_host(session, request.host, settings)
        user = auth.authenticate(session, scope, email, password, throttle=_throttle(), actor=_actor(request))
        ticket = sessions.issue_ticket(
            session,
            scope,
            user,
            sessions.SessionPolicy.from_settings(settings),
            ip_address=request.ip_address,
            user_agent=request.user_agent,
        )
    return LoginTicket(ticket=ticket, home=user.role, user=user)


def current_user(request: RequestContext, session_token: str) -> SignedInUser | None:
    """The user of a session cookie, re-read on every protected load and event; None when it ended."""
    if not session_token:
        return None
    settings = get_settings()
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, settings)
        return sessions.resolve_session(
            session, scope, session_token, sessions.SessionPolicy.from_settings(settings)
        )


def sign_out(request: RequestContext, session_token: str) -> None:
    """Revoke the session of this cookie on the server (the cookie alone is then worthless)."""
    if not session_token:
        return
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, get_settings())
        user_id = sessions.end_session(session, scope, session_token)
        if user_id is not None:
            audit.record(
                session,
                scope,
                audit.Actor(user_id, request.ip_address),
                "auth.logout",
                object_type="user",
                object_id=user_id,
            )


def register(request: RequestContext, *, email: str, password: str, name: str) -> None:
    settings = get_settings()
    mail = MailBatch()
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, settings)
        accounts.register(
            session,
            scope,
            settings,
            mail,
            email=email,
            password=password,
            name=name,
            throttle=_throttle(),
            actor=_actor(request),
        )
    mail.send_all(mailer_for(settings))


def resend_confirmation(request: RequestContext, email: str) -> None:
    settings = get_settings()
    mail = MailBatch()
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, settings)
        accounts.resend_confirmation(
            session, scope, settings, mail, email=email, throttle=_throttle(), actor=_actor(request)
        )
    mail.send_all(mailer_for(settings))


def confirm_email(request: RequestContext, email: str, code: str) -> None:
    with _unit_keeping(DomainError) as session:
        scope = scope_for_host(session, request.host, get_settings())
        accounts.confirm_email(session, scope, email=email, code=code, actor=_actor(request))


def request_password_reset(request: RequestContext, email: str) -> None:
    settings = get_settings()
    mail = MailBatch()
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, settings)
        accounts.request_password_reset(
            session, scope, settings, mail, email=email, throttle=_throttle(), actor=_actor(request)
        )
    mail.send_all(mailer_for(settings))


def reset_password(request: RequestContext, token: str, new_password: str) -> str:
    """Returns the account's email, so the sign-in form can be filled in."""
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, get_settings())
        return accounts.reset_password(
            session,
            scope,
            token=token,
            new_password=new_password,
            throttle=_throttle(),
            actor=_actor(request),
        )


def change_password(request: RequestContext, user: SignedInUser, current: str, new: str) -> None:
    """Signs the user out everywhere, this browser included."""
    with unit_of_work() as session:
        accounts.change_password(
            session,
            _user_scope(user),
            user.user_id,
            current_password=current,
            new_password=new,
            throttle=_throttle(),
            actor=_actor(request, user),
        )


def api_token_list(user: SignedInUser) -> list[ApiTokenSummary]:
    with unit_of_work() as session:
        return api_tokens.list_tokens(session, _user_scope(user), user)


def create_api_token(
    request: RequestContext, user: SignedInUser, name: str, scopes: list[str]
) -> CreatedApiToken:
    with unit_of_work() as session:
        return api_tokens.create_token(
            session, _user_scope(user), user, name=name, scopes=scopes, actor=_actor(request, user)
        )


def revoke_api_token(request: RequestContext, user: SignedInUser, token_id: int) -> ApiTokenSummary:
    with unit_of_work() as session:
        return api_tokens.revoke_token(
            session, _user_scope(user), user, token_id, actor=_actor(request, user)
        )


def audit_log(
    user: SignedInUser, *, limit: int = 50, starting_after: int | None = None
) -> Page[AuditEntryView]:
    with unit_of_work() as session:
        return audit.list_entries(
            session, _user_scope(user), _actor(None, user), limit=limit, starting_after=starting_after
        )


def customer_dashboard(user: SignedInUser) -> CustomerOverview:
    if user.customer_account_id is None:
        raise NotFoundError("This user has no customer account.")
    with unit_of_work() as session:
        return dashboard.customer_overview(session, TenantScope(user.tenant_id), user.customer_account_id)


def admin_overview(user: SignedInUser) -> AdminOverview:
    with unit_of_work() as session:
        return admin_overview_service.admin_overview(session, _user_scope(user), _actor(None, user))


def operates_deployment(user: SignedInUser) -> bool:
    """Admins of the default tenant run the deployment (its job queues hold every tenant's jobs)."""
    if not allows(_actor(None, user), _user_scope(user), Action.MONITOR_JOBS):
        return False
    with unit_of_work() as session:
        try:
            return scope_for_slug(session, get_settings().default_tenant_slug).tenant_id == user.tenant_id
        except NotFoundError:
            return False


def jobs_overview(user: SignedInUser) -> JobsOverview:
    """Failed jobs of the admin's tenant and the last successful run of each coordinator."""
    # No domain service reads the job monitor: the policy is asked here.
    authorize(_actor(None, user), _user_scope(user), Action.MONITOR_JOBS)
    try:
        health = ports.job_monitor().health(user.tenant_id)
    except ports.JobsUnavailable as exc:
        return JobsOverview(available=False, notice=f"Job figures are unavailable: {exc}.")
    return JobsOverview(
        available=True,
        failed_jobs=health.failed_jobs,
        queued_jobs=health.queued_jobs,
        coordinators=[
            CoordinatorRun(
                name=c.name,
                description=c.description,
                schedule=_every(c.interval_seconds),
                last_success=f"{c.last_success:%Y-%m-%d %H:%M} UTC" if c.last_success else "never",
                failed_attempts=c.failed_attempts,
            )
            for c in health.coordinators
        ],
    )


def _every(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    return f"every {seconds} s"
