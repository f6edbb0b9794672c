"""Servers for pages and the API: the customer's own (state, power actions, the one-time SSH key,
backorders), the order wizard's availability check, and the admin's provisioning views.

CONTRACT (issue 15): the signatures below are what the pages call; the provisioning helper fills
in the bodies (each opens one unit of work, scopes by the user's tenant, and authorizes through
backend.kit.policy). Errors are DomainErrors with their HTTP status (404 not found / not yours,
409 "already revealed", 422 bad input).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend import clock
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.kit.errors import NotFoundError
from backend.kit.principals import SignedInUser
from backend.provisioning import service as provisioning
from backend.provisioning.schemas import (
    AvailabilityView,
    BackorderView,
    LogLine,
    ProviderHealthView,
    RevealedKey,
    ServerView,
)


def _servers(session: Session, user: SignedInUser) -> provisioning.Servers:
    return provisioning.Servers(session, user_scope(user), actor(None, user))


def _formatter(session: Session, user: SignedInUser) -> Any:
    return provisioning.time_format(session, user_scope(user))


# -- customers (and admins acting for a customer) ---------------------------------------------
def my_servers(user: SignedInUser) -> list[ServerView]:
    """The servers of the user's customer account, newest first (deleted ones left out)."""
    if user.customer_account_id is None:
        raise NotFoundError("This user has no customer account.")
    with unit_of_work() as session:
        return _servers(session, user).of_customer(user.customer_account_id)


def server_action(user: SignedInUser, item_id: int, action: str) -> ServerView:
    """Ask a server to "start", "stop" or "reboot"; returns it with the action pending."""
    with unit_of_work() as session:
        return _servers(session, user).action(item_id, action, clock.now())


def reveal_ssh_key(user: SignedInUser, item_id: int) -> RevealedKey:
    """The server's private key, once (owners only); after that AlreadyRevealed (409). Audited."""
    refused: Exception | None = None
    with unit_of_work() as session:
        try:
            return _servers(session, user).reveal_key(item_id, clock.now())
        except provisioning.KeyAlreadyRevealed as error:
            refused = error  # the refused attempt's audit entry is kept
    raise refused


def cancel_backorder(user: SignedInUser, item_id: int) -> None:
    """Cancel the backordered server's order: the subscription is canceled, nothing was charged."""
    with unit_of_work() as session:
        _servers(session, user).cancel_backorder_of_item(item_id, clock.now())


def check_availability(user: SignedInUser, plan_key: str, options: dict[str, Any]) -> AvailabilityView:
    """For the order wizard: can the plan's server with these options be created now?"""
    with unit_of_work() as session:
        scope = user_scope(user)
        plan_id = provisioning.plan_id_of(session, scope, plan_key)
        target = provisioning.order_target(session, scope, plan_id, dict(options))
    return provisioning.availability_view(provisioning.probe(target) if target is not None else None)


# -- admins ----------------------------------------------------------------------------------
def servers_of_subscription(user: SignedInUser, subscription_number: str) -> list[ServerView]:
    with unit_of_work() as session:
        return _servers(session, user).of_subscription(subscription_number)


def provisioning_log(user: SignedInUser, item_id: int) -> list[LogLine]:
    with unit_of_work() as session:
        fmt = _formatter(session, user)
        return [provisioning.log_line(entry, fmt) for entry in _servers(session, user).log_of(item_id)]


def retry_provisioning(user: SignedInUser, item_id: int) -> ServerView:
    """A failed server is tried again from the start (the provisioning job picks it up)."""
    with unit_of_work() as session:
        return _servers(session, user).retry(item_id, clock.now())


def list_backorders(user: SignedInUser, *, include_closed: bool = False) -> list[BackorderView]:
    with unit_of_work() as session:
        fmt = _formatter(session, user)
        rows = _servers(session, user).backorder_list(include_closed=include_closed)
        return [provisioning.backorder_view(row, fmt) for row in rows]


def admin_cancel_backorder(user: SignedInUser, backorder_id: int) -> None:
    with unit_of_work() as session:
        _servers(session, user).cancel_backorder(backorder_id, clock.now())


def provider_health(user: SignedInUser) -> list[ProviderHealthView]:
    """Each provisioned service type's provider: token set (tenant / deployment / none), reachable."""
    with unit_of_work() as session:
        probes = _servers(session, user).health_probes()
    return [probe.run() for probe in probes]


def set_provider_token(user: SignedInUser, service_type_id: int, token: str) -> ProviderHealthView:
    """Store the service type's token encrypted (write-only: never shown again); "" removes it."""
    with unit_of_work() as session:
        _servers(session, user).set_token(service_type_id, token)
    with unit_of_work() as session:
        probes = [p for p in _servers(session, user).health_probes() if p.service_type_id == service_type_id]
    return probes[0].run()
