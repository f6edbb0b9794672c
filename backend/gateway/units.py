"""What every gateway module needs: units of work that keep refusals, the throttle, who acts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from backend.audit import service as audit
from backend.db import unit_of_work
from backend.kit.errors import DomainError
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.repository import TenantScope
from backend.redis_connection import connect
from backend.settings import get_settings
from backend.throttle import Throttle


@contextmanager
def unit_keeping(*errors: type[DomainError]) -> Iterator[Session]:
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


def throttle() -> Throttle:
    """The attempt counters of the settings, in Redis when there is one."""
    settings = get_settings()
    return Throttle.from_settings(settings, connect() if settings.redis_url else None)


def actor(request: RequestContext | None, user: SignedInUser | None = None) -> audit.Actor:
    """Who acts: the signed-in user with the role the server resolved, or a visitor."""
    ip_address = request.ip_address if request else ""
    return audit.Actor.for_user(user, ip_address) if user else audit.Actor.visitor(ip_address)


def user_scope(user: SignedInUser) -> TenantScope:
    """The tenant the signed-in user belongs to: everything they do stays inside it."""
    return TenantScope(user.tenant_id)
