"""Servers for pages and the API: the customer's own (state, power actions, the one-time SSH key,
backorders), the order wizard's availability check, and the admin's provisioning views.

CONTRACT (issue 15): the signatures below are what the pages call; the provisioning helper fills
in the bodies (each opens one unit of work, scopes by the user's tenant, and authorizes through
backend.kit.policy). Errors are DomainErrors with their HTTP status (404 not found / not yours,
409 "already revealed", 422 bad input).
"""

from __future__ import annotations

from typing import Any

from backend.kit.principals import SignedInUser
from backend.provisioning.schemas import (
    AvailabilityView,
    BackorderView,
    LogLine,
    ProviderHealthView,
    RevealedKey,
    ServerView,
)


# -- customers (and admins acting for a customer) ---------------------------------------------
def my_servers(user: SignedInUser) -> list[ServerView]:
    """The servers of the user's customer account, newest first (deleted ones left out)."""
    raise NotImplementedError


def server_action(user: SignedInUser, item_id: int, action: str) -> ServerView:
    """Ask a server to "start", "stop" or "reboot"; returns it with the action pending."""
    raise NotImplementedError


def reveal_ssh_key(user: SignedInUser, item_id: int) -> RevealedKey:
    """The server's private key, once (owners only); after that AlreadyRevealed (409). Audited."""
    raise NotImplementedError


def cancel_backorder(user: SignedInUser, item_id: int) -> None:
    """Cancel the backordered server's order: the subscription is canceled, nothing was charged."""
    raise NotImplementedError


def check_availability(user: SignedInUser, plan_key: str, options: dict[str, Any]) -> AvailabilityView:
    """For the order wizard: can the plan's server with these options be created now?"""
    raise NotImplementedError


# -- admins ----------------------------------------------------------------------------------
def servers_of_subscription(user: SignedInUser, subscription_number: str) -> list[ServerView]:
    raise NotImplementedError


def provisioning_log(user: SignedInUser, item_id: int) -> list[LogLine]:
    raise NotImplementedError


def retry_provisioning(user: SignedInUser, item_id: int) -> ServerView:
    """A failed server is tried again from the start (the provisioning job picks it up)."""
    raise NotImplementedError


def list_backorders(user: SignedInUser, *, include_closed: bool = False) -> list[BackorderView]:
    raise NotImplementedError


def admin_cancel_backorder(user: SignedInUser, backorder_id: int) -> None:
    raise NotImplementedError


def provider_health(user: SignedInUser) -> list[ProviderHealthView]:
    """Each provisioned service type's provider: token set (tenant / deployment / none), reachable."""
    raise NotImplementedError


def set_provider_token(user: SignedInUser, service_type_id: int, token: str) -> ProviderHealthView:
    """Store the service type's token encrypted (write-only: never shown again); "" removes it."""
    raise NotImplementedError
