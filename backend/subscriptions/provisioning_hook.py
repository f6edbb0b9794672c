"""The order's server: how every order path asks provisioning for one, without importing it.

Subscriptions sit below provisioning (pyproject's layers), so an order cannot call it; provisioning
installs its `OrderServers` here when its service module is imported (the web app and the API import
it), and each order path (the console's wizard through the gateway, the REST API) runs the same three
steps: `target` (in a unit of work: does the plan create a server, with which options?), `probe`
(the provider's answer about capacity, a network call made OUTSIDE any transaction) and `record` (in
the order's unit of work: the item, its key pair and hostname, a backorder if the customer accepted
one; a refused one raises and the order rolls back). Without provisioning installed (a process that
never imports it), every plan is billing only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models import Subscription


class OrderServers(Protocol):
    def target(self, session: Session, scope: TenantScope, plan_id: int, options: dict[str, Any]) -> Any:
        """What the order would create (opaque to subscriptions), or None for a billing-only plan."""
        ...

    def probe(self, target: Any) -> Any:
        """The provider's answer about capacity for `target` (outside any transaction)."""
        ...

    def record(
        self,
        session: Session,
        scope: TenantScope,
        actor: Actor,
        subscription: Subscription,
        target: Any,
        availability: Any,
        *,
        accept_backorder: bool,
        now: datetime,
    ) -> None:
        """The placed (PROVISIONING) subscription's server, in the order's transaction."""
        ...


_installed: OrderServers | None = None


def install_order_servers(servers: OrderServers | None) -> OrderServers | None:
    """Install provisioning's order step (or a test's); returns the one it replaced."""
    global _installed
    previous, _installed = _installed, servers
    return previous


def order_servers() -> OrderServers | None:
    return _installed
