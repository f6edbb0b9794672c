"""Server status sync: which provider accounts to poll, and what one list of states changes (SPEC §6, §10).

`poll_targets` is a system-wide read (every tenant): the live dashboard polls each provider account
(kind + token) once per interval, however many service types, tenants and viewers share it. An
account is known by `key` ("hetzner:3f2a9c0d1b4e5f60"), a hash of the token: logs and metrics name
the key, never the token.

`apply_states` writes one account's answer onto the ACTIVE items of one service type of one tenant
(through the tenant-scoped ItemRepository) and says which items changed, so only the viewers of
those tenants are woken.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from backend.crypto import DecryptionError
from backend.integrations.cloud_provider import ServerState
from backend.kit.repository import TenantScope
from backend.models import ItemStatus, PowerState, ProviderKind, ServerAction, ServiceType, SubscriptionItem
from backend.provisioning.providers import provider_token
from backend.provisioning.repository import ItemRepository

log = logging.getLogger(__name__)

# Hetzner's words (every provider's ServerState speaks them) -> what the dashboard shows.
POWER_STATES = {
    "running": PowerState.RUNNING,
    "off": PowerState.STOPPED,
    "starting": PowerState.STARTING,
    "initializing": PowerState.STARTING,
    "stopping": PowerState.STOPPING,
}
# The power state at which a pending action is done.
_DONE = {ServerAction.START: PowerState.RUNNING, ServerAction.STOP: PowerState.STOPPED}
_MOVING = {PowerState.STARTING, PowerState.STOPPING, PowerState.REBOOTING}


def account_key(kind: ProviderKind | str, token: str) -> str:
    """The provider account's name in logs, metrics and the hub: kind and 16 hex digits of SHA-256."""
    kind = ProviderKind(kind)
    return f"{kind.value}:{hashlib.sha256(f'{kind.value}:{token}'.encode()).hexdigest()[:16]}"


@dataclass(frozen=True, slots=True)
class PollTarget:
    """One provider account and the (tenant id, service type id) pairs whose servers it runs."""

    key: str
    kind: ProviderKind
    token: str = field(repr=False)
    service_types: tuple[tuple[int, int], ...]

    @property
    def tenant_ids(self) -> frozenset[int]:
        return frozenset(tenant for tenant, _ in self.service_types)


def poll_targets(session: Session, tenant_ids: Iterable[int] | None = None) -> list[PollTarget]:
    """Every provider account with live servers (ACTIVE items with a provider reference), across all
    tenants, or only those serving `tenant_ids`; one entry per account, its service types sorted."""
    # A system read over every tenant (like a coordinator finding work): the writes stay scoped.
    live = (
        select(SubscriptionItem.service_type_id)
        .where(
            SubscriptionItem.status == ItemStatus.ACTIVE,
            SubscriptionItem.provider_ref != "",
            SubscriptionItem.service_type_id.is_not(None),  # type: ignore[union-attr]
            SubscriptionItem.tenant_id == ServiceType.tenant_id,
        )
        .distinct()
    )
    statement = select(ServiceType).where(
        ServiceType.id.in_(live),  # type: ignore[union-attr]
        ServiceType.provider != ProviderKind.NONE,
    )
    if tenant_ids is not None:
        statement = statement.where(ServiceType.tenant_id.in_(list(tenant_ids)))  # type: ignore[attr-defined]
    grouped: dict[str, tuple[ProviderKind, str, list[tuple[int, int]]]] = {}
    for service_type in session.scalars(statement.order_by(ServiceType.tenant_id, ServiceType.id)):
        assert service_type.id is not None
        try:
            token = provider_token(service_type)
        except DecryptionError:
            log.warning(
                "service type %s: its provider token cannot be decrypted; not polled", service_type.id
            )
            continue
        if not token:
            continue
        key = account_key(service_type.provider, token)
        grouped.setdefault(key, (service_type.provider, token, []))[2].append(
            (service_type.tenant_id, service_type.id)
        )
    return [
        PollTarget(key=key, kind=kind, token=token, service_types=tuple(pairs))
        for key, (kind, token, pairs) in sorted(grouped.items())
    ]


def apply_states(
    session: Session, scope: TenantScope, service_type_id: int, states: Iterable[ServerState], now: datetime
) -> set[int]:
    """Write the provider's states onto the tenant's ACTIVE items of the service type (matched by
    provider_ref); returns the ids of the items whose power state, addresses or pending action changed.

    An item whose server is missing from the (complete) list reads UNKNOWN. A pending start or stop is
    done when the server is running or off; a pending reboot when it is running again after the
    provisioning unit (or a poll) saw it leave "running" (it marks the item REBOOTING when it asks)."""
    by_ref = {state.ref: state for state in states}
    repository = ItemRepository(session, scope)
    rows = repository.active_of_service_type(service_type_id)
    changed: set[int] = set()
    for item in rows:
        state = by_ref.get(item.provider_ref)
        before = (item.power_state, item.ipv4, item.ipv6, item.pending_action)
        power = POWER_STATES.get(state.status, PowerState.UNKNOWN) if state else PowerState.UNKNOWN
        if item.pending_action == ServerAction.REBOOT and power in (PowerState.STARTING, PowerState.STOPPING):
            power = PowerState.REBOOTING
        pending = item.pending_action
        if pending:
            wanted = _DONE.get(ServerAction(pending), PowerState.RUNNING)
            reboot_seen = pending != ServerAction.REBOOT or item.power_state in _MOVING
            if power == wanted and reboot_seen:
                pending = ""
        ipv4 = (state.ipv4 or item.ipv4) if state else item.ipv4
        ipv6 = (state.ipv6 or item.ipv6) if state else item.ipv6
        if (power, ipv4, ipv6, pending) != before:
            item.power_state, item.ipv4, item.ipv6, item.pending_action = power, ipv4, ipv6, pending
            assert item.id is not None
            changed.add(item.id)
    session.flush()
    if rows:  # when each was last seen: one statement, not one UPDATE per unchanged item
        session.execute(
            repository.scoped(update(SubscriptionItem))
            .where(SubscriptionItem.id.in_([item.id for item in rows]))  # type: ignore[union-attr]
            .values(status_checked_at=now)
            .execution_options(synchronize_session=False)
        )
    return changed
