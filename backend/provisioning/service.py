"""Provisioning (SPEC §6): a server per order, created, polled, powered and deleted by a unit of the
provisioning coordinator, and billed only once it runs ("provision, then bill").

At order (the order's unit of work): `order_target` reads what the plan's server would be, the
gateway asks the provider for its availability OUTSIDE the transaction (`probe`), then
`provision_order` records the item (hostname reserved, key pair made, sealed), the log entry, and
either nothing more (the unit creates it) or, when the provider has no capacity and the customer
accepted it, an OPEN backorder with the subscription PENDING_BACKORDER.

The unit (`advance`) moves one item per call; every provider call happens after the session was
committed, and every answer is recorded in its own short transaction with the item locked and
re-checked, so a rerun (or a unit killed half-way) never does anything twice: before creating, the
servers labelled with the tenant and the item are looked up and adopted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.audit import service as audit
from backend.catalog.cloud_init import render
from backend.catalog.plans import find_plan, list_plans
from backend.catalog.repository import ServiceTypeRepository
from backend.customers.service import customer_account
from backend.dunning.hooks import install_suspension_hook
from backend.integrations.cloud_provider import (
    Availability,
    CloudProvider,
    ProviderError,
    ServerNotFound,
    ServerSpec,
    ServerState,
)
from backend.kit.errors import NotFoundError
from backend.kit.policy import SYSTEM, Action, authorize
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import (
    Backorder,
    ProviderKind,
    ServiceType,
    Subscription,
    SubscriptionItem,
    SubscriptionStatus,
)
from backend.models.enums import BackorderStatus, ItemStatus, PowerState, ServerAction
from backend.provisioning import keys
from backend.provisioning.errors import (
    BackorderNotOpen,
    BadHostname,
    HostnameTaken,
    KeyAlreadyRevealed,
    NoKeyToReveal,
    NotRetryable,
    ServerNotOperable,
    ServerUnavailable,
    UnknownServerAction,
)
from backend.provisioning.hooks import ProvisioningSuspension
from backend.provisioning.providers import provider_of, seal_token, token_source
from backend.provisioning.repository import BackorderRepository, ItemRepository, LogRepository
from backend.provisioning.schemas import (
    AvailabilityView,
    BackorderView,
    LogLine,
    OfferView,
    ProviderHealthView,
    RevealedKey,
    ServerView,
)
from backend.subscriptions.provisioning_hook import install_order_servers
from backend.subscriptions.repository import SubscriptionRepository
from backend.subscriptions.service import Lifecycle

DEFAULT_IMAGE = "ubuntu-24.04"
# Retryable provider errors: tried again after 30 s, 1, 2, 4 min ...; given up after MAX_ATTEMPTS
# tries or GIVE_UP_AFTER since the order, whichever comes first.
MAX_ATTEMPTS = 5
FIRST_BACKOFF = timedelta(seconds=30)
GIVE_UP_AFTER = timedelta(minutes=30)
# A power action or a deletion the provider failed is tried again with the same backoff, at most
# hourly, for as long as it takes (a server is never forgotten while it may still run).
LATEST_RETRY = timedelta(hours=1)


def _later(item: SubscriptionItem, now: datetime) -> None:
    """Schedule the item's next try after a failed provider call (30 s, 1, 2, 4 min ... 1 h)."""
    item.attempts += 1
    item.next_attempt_at = now + min(FIRST_BACKOFF * 2 ** (item.attempts - 1), LATEST_RETRY)


# Backorders: asked again after 5 min, doubling up to 6 hours, until fulfilled or canceled.
BACKORDER_FIRST = timedelta(minutes=5)
BACKORDER_MAX = timedelta(hours=6)
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_STATE_LABELS = {
    "pending": "Waiting to be set up",
    "provisioning": "Setting up",
    "running": "Running",
    "off": "Stopped",
    "starting": "Starting",
    "stopping": "Stopping",
    "rebooting": "Rebooting",
    "failed": "Setup failed",
    "backordered": "Backordered (waiting for capacity)",
    "suspended": "Stopped (payment overdue)",
    "deleted": "Deleted",
}

# Tests (and the demo) may replace how a service type's provider is opened, e.g. to point the
# real client at a fake server; production uses `provider_of`.
ProviderOpener = Callable[[ServiceType], CloudProvider]
_opener: list[ProviderOpener] = [provider_of]


def use_provider_opener(opener: ProviderOpener | None) -> None:
    _opener[0] = opener or provider_of


def open_provider_of(service_type: ServiceType) -> CloudProvider:
    return _opener[0](service_type)


# --- ordering --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderTarget:
    """The server an order of a provisioned plan asks for."""

    service_type_id: int
    provider: CloudProvider
    server_type: str
    location: str
    image: str


def order_target(
    session: Session, scope: TenantScope, plan_id: int, options: dict[str, Any]
) -> OrderTarget | None:
    """What server ordering `plan_id` with `options` creates; None for a billing-only plan."""
    plan = find_plan(session, scope, plan_id)
    if plan is None or plan.service_type_id is None:
        return None
    service_type = ServiceTypeRepository(session, scope).get(plan.service_type_id)
    if service_type is None or service_type.provider == ProviderKind.NONE:
        return None
    assert service_type.id is not None
    defaults = service_type.provider_defaults or {}
    allowed = plan.allowed_options or {}

    def chosen(key: str) -> str:
        if options.get(key):
            return str(options[key])
        fixed = allowed.get(key)
        if fixed and not isinstance(fixed, list | dict):
            return str(fixed)
        if isinstance(fixed, list) and len(fixed) == 1:
            return str(fixed[0])
        return str(defaults.get(key, ""))

    return OrderTarget(
        service_type_id=service_type.id,
        provider=open_provider_of(service_type),
        server_type=chosen("server_type"),
        location=chosen("location"),
        image=str(defaults.get("image") or DEFAULT_IMAGE),
    )


def probe(target: OrderTarget) -> Availability:
    """The provider's answer for the target (a network call: never inside a transaction). A provider
    that cannot answer is taken as available: the provisioning unit then retries or fails the item
    with the reason, and nothing is billed."""
    try:
        return target.provider.availability(target.server_type, target.location)
    except ProviderError:
        return Availability(available=True)


def availability_view(availability: Availability | None) -> AvailabilityView:
    if availability is None:
        return AvailabilityView(provisioned=False, available=True)
    return AvailabilityView(
        provisioned=True,
        available=availability.available,
        reason=availability.reason,
        alternatives=[
            OfferView(o.server_type, o.location, f"{o.server_type} in {o.location}")
            for o in availability.alternatives
        ],
        backorder_possible=not availability.available,
    )


def provision_order(
    session: Session,
    scope: TenantScope,
    actor: audit.Actor,
    subscription: Subscription,
    target: OrderTarget,
    availability: Availability,
    *,
    accept_backorder: bool,
    now: datetime,
) -> SubscriptionItem:
    """Record the server of a just placed (PROVISIONING) subscription, in the order's transaction:
    the item with its reserved hostname and sealed key pair, and a backorder if there is no capacity."""
    authorize(actor, scope, Action.ORDER_SUBSCRIPTION, owner_account_id=subscription.customer_account_id)
    assert subscription.id is not None
    if not availability.available and not accept_backorder:
        alternatives = ", ".join(f"{o.server_type} in {o.location}" for o in availability.alternatives)
        raise ServerUnavailable(
            availability.reason or f"{target.server_type} is not available in {target.location}", alternatives
        )
    service_type = ServiceTypeRepository(session, scope).get(target.service_type_id)
    if service_type is None or SubscriptionRepository(session, scope).get(subscription.id) is None:
        raise NotFoundError("Subscription or service type not found.")
    items = ItemRepository(session, scope)
    hostname = _hostname(items, service_type, subscription)
    item = items.add(
        SubscriptionItem(
            subscription_id=subscription.id,
            provider=service_type.provider,
            service_type_id=service_type.id,
            server_type=target.server_type,
            location=target.location,
            image=target.image,
            hostname=hostname,
            status=ItemStatus.PENDING,
            created_at=now,
        )
    )
    assert item.id is not None
    pair = keys.new_key_pair(hostname)
    item.ssh_public_key = pair.public_key
    item.ssh_private_key_encrypted = keys.seal(pair.private_key, scope.tenant_id, item.id)
    log = LogRepository(session, scope)
    log.write(
        item.id,
        "ordered",
        f"{target.server_type} in {target.location}, image {target.image}",
        now,
        "customer",
    )
    if not availability.available:
        subscription.status = SubscriptionStatus.PENDING_BACKORDER
        BackorderRepository(session, scope).add(
            Backorder(
                subscription_id=subscription.id,
                item_id=item.id,
                reason=availability.reason[:500],
                next_attempt_at=now + BACKORDER_FIRST,
                created_at=now,
            )
        )
        log.write(item.id, "backordered", availability.reason or "no capacity", now, "customer")
    session.flush()
    return item


def _hostname(items: ItemRepository, service_type: ServiceType, subscription: Subscription) -> str:
    """The customer's `hostname` option if it is a valid DNS label, else `<plan key>-<number>`;
    under the service type's `domain` default when set. Unique among the tenant's live servers."""
    domain = str((service_type.provider_defaults or {}).get("domain") or "").strip(".").lower()
    wanted = str(subscription.options.get("hostname") or "").strip().lower()
    if wanted:
        if not _LABEL.match(wanted):
            raise BadHostname(wanted)
        name = f"{wanted}.{domain}" if domain else wanted
        if items.hostname_taken(name):
            raise HostnameTaken(name)
        return name
    plan_key = str(subscription.plan_snapshot.get("key") or "server")
    number = subscription.number.rsplit("-", 1)[-1].lstrip("0") or "0"
    base = re.sub(r"[^a-z0-9-]+", "-", plan_key.lower()).strip("-")[: 63 - len(number) - 4] or "server"
    label, suffix = f"{base}-{number}", 1
    while True:
        name = f"{label}.{domain}" if domain else label
        if not items.hostname_taken(name):
            return name
        suffix += 1
        label = f"{base}-{number}-{suffix}"


def _customer_number(session: Session, scope: TenantScope, account_id: int) -> str:
    account = customer_account(session, scope, account_id)
    return account.number if account else ""


# --- the unit ------------------------------------------------------------------------------


def items_with_work(session: Session, scope: TenantScope, now: datetime) -> list[int]:
    """Items the provisioning unit has something to do for at `now`."""
    items = ItemRepository(session, scope)
    return sorted(set(items.with_work(now)) | set(BackorderRepository(session, scope).due(now)))


class Provisioner:
    """Moves one tenant's servers along (the provisioning coordinator's unit)."""

    def __init__(self, session: Session, scope: TenantScope) -> None:
        self.session = session
        self.scope = scope
        self.items = ItemRepository(session, scope)
        self.backorders = BackorderRepository(session, scope)
        self.log = LogRepository(session, scope)
        self.subscriptions = SubscriptionRepository(session, scope)

    def advance(self, item_id: int, now: datetime) -> bool:
        """One step (or a few, when the provider answers at once) of one item; True if it changed."""
        authorize(SYSTEM, self.scope, Action.PROVISION_SERVERS)
        item = self.items.get(item_id)
        if item is None or item.status == ItemStatus.DEPROVISIONED:
            return False
        subscription = self.subscriptions.get(item.subscription_id)
        assert subscription is not None
        if subscription.status == SubscriptionStatus.CANCELED:
            return self._teardown(item_id, now)
        if subscription.status == SubscriptionStatus.PENDING_BACKORDER and not self._retry_backorder(
            item_id, now
        ):
            return False
        if self._fresh(item_id).status == ItemStatus.PENDING and not self._create(item_id, now):
            return True
        if self._fresh(item_id).status == ItemStatus.PROVISIONING:
            return self._poll_new(item_id, now) or True
        if self._fresh(item_id).status == ItemStatus.ACTIVE:
            return self._power(item_id, now)
        return False

    # each step reads the item again: the previous one committed
    def _fresh(self, item_id: int) -> SubscriptionItem:
        item = self.items.get(item_id)
        assert item is not None
        self.session.refresh(item)
        return item

    def _provider(self, item: SubscriptionItem) -> CloudProvider:
        assert item.service_type_id is not None
        service_type = ServiceTypeRepository(self.session, self.scope).get(item.service_type_id)
        if service_type is None:
            raise ProviderError("The server's service type no longer exists.")
        return open_provider_of(service_type)

    def _labels(self, item: SubscriptionItem) -> dict[str, str]:
        return {"billing-tenant": str(self.scope.tenant_id), "billing-item": str(item.id)}

    def _locked(self, item_id: int) -> SubscriptionItem:
        item = self.items.lock(item_id)
        assert item is not None
        return item

    def _retry_backorder(self, item_id: int, now: datetime) -> bool:
        """Ask the provider again; True when capacity is back (the backorder is fulfilled)."""
        item = self._fresh(item_id)
        backorder = self.backorders.of_item(item_id)
        if backorder is None or backorder.status != BackorderStatus.OPEN:
            return False
        if backorder.next_attempt_at is not None and backorder.next_attempt_at > now:
            return False
        try:
            provider = self._provider(item)
            self.session.commit()
            availability = provider.availability(item.server_type, item.location)
        except ProviderError as error:
            availability = Availability(available=False, reason=str(error))
        backorder = self.backorders.lock(backorder.id)  # type: ignore[arg-type]
        assert backorder is not None
        if backorder.status != BackorderStatus.OPEN:
            self.session.commit()
            return False
        subscription = self.subscriptions.lock(backorder.subscription_id)
        assert subscription is not None
        if not availability.available:
            backorder.attempts += 1
            backorder.next_attempt_at = now + min(BACKORDER_FIRST * 2 ** (backorder.attempts), BACKORDER_MAX)
            backorder.reason = (availability.reason or backorder.reason)[:500]
            self.session.commit()
            return False
        backorder.status, backorder.fulfilled_at = BackorderStatus.FULFILLED, now
        backorder.attempts += 1
        if subscription.status == SubscriptionStatus.PENDING_BACKORDER:
            subscription.status = SubscriptionStatus.PROVISIONING
        self.log.write(item_id, "availability", "capacity is back: the server is created now", now)
        self.session.commit()
        return True

    def _create(self, item_id: int, now: datetime) -> bool:
        """Create the server (or adopt the one a killed unit created); True once it has a reference."""
        item = self._fresh(item_id)
        subscription = self.subscriptions.get(item.subscription_id)
        assert subscription is not None and item.service_type_id is not None
        service_type = ServiceTypeRepository(self.session, self.scope).get(item.service_type_id)
        labels = self._labels(item)
        try:
            provider = self._provider(item)
            user_data = render(
                service_type.cloud_init_template if service_type else "",
                {
                    "hostname": item.hostname,
                    "ssh_public_key": item.ssh_public_key,
                    "customer_number": _customer_number(
                        self.session, self.scope, subscription.customer_account_id
                    ),
                    "subscription_number": subscription.number,
                    "plan_key": str(subscription.plan_snapshot.get("key", "")),
                    "server_type": item.server_type,
                    "location": item.location,
                },
            )
            spec = ServerSpec(
                name=item.hostname,
                server_type=item.server_type,
                location=item.location,
                image=item.image,
                ssh_public_key=item.ssh_public_key,
                user_data=user_data,
                labels=labels,
            )
            self.session.commit()  # nothing is held while the provider works
            found = provider.find(labels)
            state = found[0] if found else provider.create(spec)
        except (ProviderError, ValueError) as error:
            self._failed(item_id, error, now)
            return False
        item = self._locked(item_id)
        if item.status != ItemStatus.PENDING:
            self.session.commit()
            return item.status == ItemStatus.PROVISIONING
        item.provider_ref = state.ref
        item.status, item.attempts, item.next_attempt_at = ItemStatus.PROVISIONING, 0, None
        self.log.write(item_id, "create", f"server {state.ref} {'adopted' if found else 'created'}", now)
        self.session.commit()
        return True

    def _poll_new(self, item_id: int, now: datetime) -> bool:
        """Is the new server running yet? Then it is active and its billing starts now."""
        item = self._fresh(item_id)
        try:
            provider = self._provider(item)
            self.session.commit()
            state = provider.status(item.provider_ref)
        except ServerNotFound as error:
            self._failed(item_id, ProviderError(f"the new server vanished ({error})"), now)
            return True
        except ProviderError as error:
            self._failed(item_id, error, now)
            return True
        if state.status != "running":
            item = self._locked(item_id)
            item.status_checked_at = now
            self.session.commit()
            return False
        item = self._locked(item_id)
        if item.status != ItemStatus.PROVISIONING:
            self.session.commit()
            return False
        self._record_state(item, state, now)
        item.status, item.power_state, item.activated_at = ItemStatus.ACTIVE, PowerState.RUNNING, now
        self.log.write(item_id, "running", f"running at {state.ipv4 or state.ipv6}; billing starts now", now)
        Lifecycle(self.session, self.scope, SYSTEM).begin_service(item.subscription_id, now)
        self.session.commit()
        return True

    def _record_state(self, item: SubscriptionItem, state: ServerState, now: datetime) -> None:
        item.ipv4, item.ipv6 = state.ipv4 or item.ipv4, state.ipv6 or item.ipv6
        item.status_checked_at = now

    def _failed(self, item_id: int, error: Exception, now: datetime) -> None:
        """A retryable error is tried again later (backoff); any other fails the item at once."""
        self.session.rollback()
        item = self._locked(item_id)
        retryable = isinstance(error, ProviderError) and error.retryable
        attempts = item.attempts + 1
        if retryable and attempts < MAX_ATTEMPTS and now - item.created_at < GIVE_UP_AFTER:
            item.attempts, item.next_attempt_at = attempts, now + FIRST_BACKOFF * 2 ** (attempts - 1)
            self.log.write(item_id, "retry", f"attempt {attempts} failed, tried again later: {error}", now)
        else:
            item.attempts, item.next_attempt_at = attempts, None
            item.status, item.failure_reason = ItemStatus.FAILED, f"The provider refused the server: {error}"
            self.log.write(item_id, "failed", str(error), now)
        self.session.commit()

    def _power(self, item_id: int, now: datetime) -> bool:
        """Do a pending power action, or follow one in progress to its end."""
        item = self._fresh(item_id)
        action = item.pending_action
        try:
            provider = self._provider(item)
            self.session.commit()
            if action:
                getattr(provider, action)(item.provider_ref)
            state = provider.status(item.provider_ref) if not action else None
        except ProviderError as error:
            self.session.rollback()
            item = self._locked(item_id)
            if error.retryable:
                _later(item, now)
            else:
                item.pending_action = ""
            self.log.write(item_id, f"{action or 'status'}", f"failed: {error}", now)
            self.session.commit()
            return True
        item = self._locked(item_id)
        item.attempts, item.next_attempt_at = 0, None
        if action:
            if item.pending_action == action:
                item.pending_action = ""
                item.power_state = {
                    "start": PowerState.STARTING,
                    "stop": PowerState.STOPPING,
                    "reboot": PowerState.REBOOTING,
                }[action]
                self.log.write(item_id, action, f"{action} asked of the provider", now)
            self.session.commit()
            return True
        assert state is not None
        self._record_state(item, state, now)
        changed = False
        if state.status == "running" and item.power_state != PowerState.STOPPING:
            changed, item.power_state = item.power_state != PowerState.RUNNING, PowerState.RUNNING
        elif state.status == "off" and item.power_state != PowerState.STARTING:
            changed, item.power_state = item.power_state != PowerState.STOPPED, PowerState.STOPPED
        if changed:
            self.log.write(item_id, "status", f"now {item.power_state.value}", now)
        self.session.commit()
        return changed

    def _teardown(self, item_id: int, now: datetime) -> bool:
        """The subscription ended: delete the server (or any a killed unit created) and free the
        hostname; an open backorder is canceled."""
        item = self._fresh(item_id)
        labels = self._labels(item)
        ref = item.provider_ref
        try:
            provider = self._provider(item)
            self.session.commit()
            refs = [ref] if ref else [state.ref for state in provider.find(labels)]
            for server in refs:
                provider.delete(server)
        except ServerNotFound:
            pass
        except ProviderError as error:
            self.session.rollback()
            item = self._locked(item_id)
            _later(item, now)
            self.log.write(item_id, "delete", f"delete failed, tried again later: {error}", now)
            self.session.commit()
            return False
        item = self._locked(item_id)
        if item.status == ItemStatus.DEPROVISIONED:
            self.session.commit()
            return False
        item.status, item.power_state = ItemStatus.DEPROVISIONED, PowerState.STOPPED
        item.deprovisioned_at, item.pending_action = now, ""
        backorder = self.backorders.of_item(item_id)
        if backorder is not None and backorder.status == BackorderStatus.OPEN:
            backorder.status, backorder.canceled_at = BackorderStatus.CANCELED, now
        self.log.write(item_id, "delete", f"server {ref or '(none created)'} deleted", now)
        self.session.commit()
        return True


# --- dunning: its suspension hook (backend.provisioning.hooks) is installed when this module loads ---

install_suspension_hook(ProvisioningSuspension())


# --- every order path: its server (backend.subscriptions.provisioning_hook) ---------------------


class OrderServers:
    """Provisioning's step of an order, for the order paths that cannot import it (the REST API)."""

    def target(
        self, session: Session, scope: TenantScope, plan_id: int, options: dict[str, Any]
    ) -> OrderTarget | None:
        return order_target(session, scope, plan_id, options)

    def probe(self, target: OrderTarget) -> Availability:
        return probe(target)

    def record(
        self,
        session: Session,
        scope: TenantScope,
        actor: audit.Actor,
        subscription: Subscription,
        target: OrderTarget,
        availability: Availability,
        *,
        accept_backorder: bool,
        now: datetime,
    ) -> None:
        provision_order(
            session,
            scope,
            actor,
            subscription,
            target,
            availability,
            accept_backorder=accept_backorder,
            now=now,
        )


install_order_servers(OrderServers())


# --- operations ------------------------------------------------------------------------------


def _state(item: SubscriptionItem, subscription: Subscription) -> str:
    if item.status == ItemStatus.DEPROVISIONED:
        return "deleted"
    if subscription.status == SubscriptionStatus.PENDING_BACKORDER:
        return "backordered"
    if item.status == ItemStatus.FAILED:
        return "failed"
    if item.status in (ItemStatus.PENDING, ItemStatus.PROVISIONING):
        return item.status.value
    if item.suspended_at is not None:
        return "suspended"
    return {
        PowerState.STOPPED: "off",
        PowerState.STARTING: "starting",
        PowerState.STOPPING: "stopping",
        PowerState.REBOOTING: "rebooting",
    }.get(item.power_state, "running")


def server_view(
    item: SubscriptionItem, subscription: Subscription, *, customer_name: str = "", for_admin: bool = False
) -> ServerView:
    """The server as its viewer sees it; the provider and its reference of the server only for admins
    (a reseller's customers need not learn whose cloud runs it)."""
    assert item.id is not None
    state = _state(item, subscription)
    return ServerView(
        item_id=item.id,
        subscription_number=subscription.number,
        plan_name=str(subscription.plan_snapshot.get("name", "")),
        hostname=item.hostname,
        state=state,
        state_label=_STATE_LABELS.get(state, state),
        ipv4=item.ipv4,
        ipv6=item.ipv6,
        server_type=item.server_type,
        location=item.location,
        failure_reason=item.failure_reason if state == "failed" else "",
        key_revealed=item.ssh_key_revealed_at is not None,
        key_available=bool(item.ssh_private_key_encrypted)
        and item.ssh_key_revealed_at is None
        and state != "deleted",
        can_operate=state in ("running", "off") and not item.pending_action,
        pending_action=item.pending_action,
        customer_name=customer_name,
        provider=item.provider.value if for_admin else "",
        provider_ref=item.provider_ref if for_admin else "",
    )


class Servers:
    """The server operations of one tenant, done by `actor` in the caller's unit of work."""

    def __init__(self, session: Session, scope: TenantScope, actor: audit.Actor) -> None:
        self.session = session
        self.scope = scope
        self.actor = actor
        self.items = ItemRepository(session, scope)
        self.backorders = BackorderRepository(session, scope)
        self.log = LogRepository(session, scope)
        self.subscriptions = SubscriptionRepository(session, scope)

    def _who(self) -> str:
        return "admin" if self.actor.role is not None and self.actor.role.value == "admin" else "customer"

    def _authorized(
        self, action: Action, item_id: int, *, lock: bool = False, look_first: bool = False
    ) -> tuple[SubscriptionItem, Subscription]:
        """The item `action` is about, once the policy lets the actor act on it (404 when it is not
        the tenant's, 403 when it is another customer's), as Lifecycle._authorized asks twice."""
        if not look_first:
            authorize(self.actor, self.scope, action, owner_account_id=self.actor.customer_account_id)
        item = self.items.lock(item_id) if lock else self.items.get(item_id)
        if item is None or item.service_type_id is None:
            raise NotFoundError("Server not found.")
        subscription = self.subscriptions.get(item.subscription_id)
        assert subscription is not None
        authorize(self.actor, self.scope, action, owner_account_id=subscription.customer_account_id)
        return item, subscription

    def of_customer(self, customer_account_id: int) -> list[ServerView]:
        authorize(self.actor, self.scope, Action.READ_SERVERS, owner_account_id=customer_account_id)
        return [
            server_view(item, subscription)
            for item, subscription in self.items.of_customer(customer_account_id)
            if item.service_type_id is not None and item.status != ItemStatus.DEPROVISIONED
        ]

    def of_subscription(self, subscription_number: str) -> list[ServerView]:
        authorize(
            self.actor, self.scope, Action.READ_SERVERS, owner_account_id=self.actor.customer_account_id
        )
        subscription = self.subscriptions.by_number(subscription_number)
        if subscription is None:
            raise NotFoundError("Subscription not found.")
        authorize(
            self.actor, self.scope, Action.READ_SERVERS, owner_account_id=subscription.customer_account_id
        )
        assert subscription.id is not None
        account = customer_account(self.session, self.scope, subscription.customer_account_id)
        admin = self._who() == "admin"
        return [
            server_view(item, subscription, customer_name=account.name if account else "", for_admin=admin)
            for item in self.items.of_subscription(subscription.id)
        ]

    def get(self, item_id: int) -> ServerView:
        item, subscription = self._authorized(Action.READ_SERVERS, item_id)
        return server_view(item, subscription)

    def action(self, item_id: int, action: str, now: datetime) -> ServerView:
        """Ask for a power action; the unit carries it out."""
        try:
            wanted = ServerAction(action)
        except ValueError:
            raise UnknownServerAction(action) from None
        item, subscription = self._authorized(Action.OPERATE_SERVER, item_id, lock=True)
        state = _state(item, subscription)
        why = {
            "suspended": "it is stopped while a payment is overdue",
            "failed": "its setup failed",
            "deleted": "it was deleted",
            "backordered": "it is not created yet",
            "pending": "it is not set up yet",
            "provisioning": "it is not set up yet",
        }.get(state)
        if why is None and item.pending_action:
            why = f"a {item.pending_action} is already under way"
        if why is None and state in ("starting", "stopping", "rebooting"):
            why = f"it is {state}"
        if why:
            raise ServerNotOperable(item.hostname, why)
        item.pending_action = wanted.value
        assert item.id is not None
        self.log.write(item.id, wanted.value, f"{wanted.value} asked for", now, self._who())
        self._audit(f"server.{wanted.value}", item, {"action": wanted.value})
        self.session.flush()
        return server_view(item, subscription)

    def reveal_key(self, item_id: int, now: datetime) -> RevealedKey:
        """The private key, once. Looked up before the policy is asked with its owner (as paying an
        invoice is): an admin is refused a key that exists, and told 404 for one that does not."""
        authorize(
            self.actor, self.scope, Action.READ_SERVERS, owner_account_id=self.actor.customer_account_id
        )
        item, _ = self._authorized(Action.REVEAL_SSH_KEY, item_id, lock=True, look_first=True)
        assert item.id is not None
        if item.ssh_key_revealed_at is not None:
            self._audit(
                "server.reveal_key_refused", item, {"revealed_at": item.ssh_key_revealed_at.isoformat()}
            )
            raise KeyAlreadyRevealed(item.hostname)
        if not item.ssh_private_key_encrypted or item.status == ItemStatus.DEPROVISIONED:
            raise NoKeyToReveal(item.hostname)
        private = keys.unseal(item.ssh_private_key_encrypted, self.scope.tenant_id, item.id)
        item.ssh_key_revealed_at = now
        self.log.write(item.id, "key_revealed", "the SSH key was revealed", now, self._who())
        self._audit("server.reveal_key", item, {"fingerprint": keys.fingerprint(item.ssh_public_key)})
        self.session.flush()
        return RevealedKey(item.hostname, private, item.ssh_public_key, keys.fingerprint(item.ssh_public_key))

    def cancel_backorder_of_item(self, item_id: int, now: datetime) -> None:
        self._authorized(Action.CANCEL_BACKORDER, item_id)
        backorder = self.backorders.of_item(item_id)
        if backorder is None:
            raise NotFoundError("Backorder not found.")
        assert backorder.id is not None
        self._cancel_backorder(backorder.id, now)

    def cancel_backorder(self, backorder_id: int, now: datetime) -> None:
        """Admin: cancel any backorder of the tenant by its id (customers cancel theirs by server)."""
        authorize(self.actor, self.scope, Action.READ_PROVISIONING)
        authorize(
            self.actor, self.scope, Action.CANCEL_BACKORDER, owner_account_id=self.actor.customer_account_id
        )
        backorder = self.backorders.get(backorder_id)
        if backorder is None:
            raise NotFoundError("Backorder not found.")
        self._authorized(Action.CANCEL_BACKORDER, backorder.item_id)
        self._cancel_backorder(backorder_id, now)

    def _cancel_backorder(self, backorder_id: int, now: datetime) -> None:
        backorder = self.backorders.lock(backorder_id)
        assert backorder is not None
        if backorder.status != BackorderStatus.OPEN:
            raise BackorderNotOpen()
        backorder.status, backorder.canceled_at = BackorderStatus.CANCELED, now
        subscription = self.subscriptions.lock(backorder.subscription_id)
        assert subscription is not None
        if subscription.status == SubscriptionStatus.PENDING_BACKORDER:
            Lifecycle(self.session, self.scope, self.actor).end_unstarted(
                subscription, now, "backorder.cancel"
            )
        item = self.items.lock(backorder.item_id)
        assert item is not None and item.id is not None
        item.status, item.deprovisioned_at = ItemStatus.DEPROVISIONED, now
        self.log.write(
            item.id, "delete", "backorder canceled: nothing was created or billed", now, self._who()
        )
        self._audit("backorder.cancel", item, {"backorder": backorder_id})
        self.session.flush()

    def retry(self, item_id: int, now: datetime) -> ServerView:
        authorize(self.actor, self.scope, Action.RETRY_PROVISIONING)
        item, subscription = self._authorized(Action.RETRY_PROVISIONING, item_id, lock=True)
        if item.status != ItemStatus.FAILED:
            raise NotRetryable(item.hostname)
        assert item.id is not None
        item.status, item.attempts, item.next_attempt_at, item.failure_reason = (
            ItemStatus.PENDING,
            0,
            None,
            "",
        )
        self.log.write(item.id, "retry", "retried by an admin", now, "admin")
        self._audit("server.retry_provisioning", item, {"status": "pending"})
        self.session.flush()
        return server_view(item, subscription)

    def log_of(self, item_id: int) -> list[Any]:
        authorize(self.actor, self.scope, Action.READ_PROVISIONING)
        self._authorized(Action.READ_PROVISIONING, item_id)
        return self.log.of_item(item_id)

    def backorder_list(
        self, *, include_closed: bool
    ) -> list[tuple[Backorder, SubscriptionItem, Subscription, str]]:
        authorize(self.actor, self.scope, Action.READ_PROVISIONING)
        rows = []
        for backorder in self.backorders.listed(include_closed=include_closed):
            item = self.items.get(backorder.item_id)
            subscription = self.subscriptions.get(backorder.subscription_id)
            assert item is not None and subscription is not None
            account = customer_account(self.session, self.scope, subscription.customer_account_id)
            rows.append((backorder, item, subscription, account.name if account else ""))
        return rows

    def health_probes(self) -> list[HealthProbe]:
        """One probe per provisioned service type, its provider opened now (run it outside the
        transaction: it calls the provider)."""
        authorize(self.actor, self.scope, Action.READ_PROVISIONING)
        probes = []
        for service_type in ServiceTypeRepository(self.session, self.scope).in_catalog_order(
            active_only=False
        ):
            if service_type.provider == ProviderKind.NONE:
                continue
            assert service_type.id is not None
            try:
                provider: CloudProvider | ProviderError = open_provider_of(service_type)
            except ProviderError as error:
                provider = error
            probes.append(
                HealthProbe(
                    service_type.id,
                    service_type.key,
                    service_type.name,
                    service_type.provider.value,
                    token_source(service_type),
                    self.items.live_count_of_service_type(service_type.id),
                    provider,
                )
            )
        return probes

    def set_token(self, service_type_id: int, token: str) -> ServiceType:
        authorize(self.actor, self.scope, Action.MANAGE_PROVIDER_TOKENS)
        service_type = ServiceTypeRepository(self.session, self.scope).get(service_type_id)
        if service_type is None or service_type.provider == ProviderKind.NONE:
            raise NotFoundError("Service type not found (or it creates no servers).")
        service_type.provider_secrets_encrypted = seal_token(service_type, token.strip())
        audit.record(
            self.session,
            self.scope,
            self.actor,
            "service_type.provider_token_set" if token.strip() else "service_type.provider_token_removed",
            object_type="service_type",
            object_id=service_type.key,
            after={"token_source": token_source(service_type)},
        )
        self.session.flush()
        return service_type

    def _audit(self, action: str, item: SubscriptionItem, after: dict[str, Any]) -> None:
        audit.record(
            self.session,
            self.scope,
            self.actor,
            action,
            object_type="server",
            object_id=item.hostname,
            after={key: str(value) for key, value in after.items()},
        )


def backorder_view(
    row: tuple[Backorder, SubscriptionItem, Subscription, str], fmt: Callable[[datetime | None], str]
) -> BackorderView:
    backorder, item, subscription, name = row
    assert backorder.id is not None
    return BackorderView(
        id=backorder.id,
        subscription_number=subscription.number,
        customer_name=name,
        hostname=item.hostname,
        server_type=item.server_type,
        location=item.location,
        status=backorder.status.value,
        reason=backorder.reason,
        attempts=backorder.attempts,
        created=fmt(backorder.created_at),
        next_attempt=fmt(backorder.next_attempt_at) if backorder.status == BackorderStatus.OPEN else "",
    )


def log_line(entry: Any, fmt: Callable[[datetime | None], str]) -> LogLine:
    return LogLine(at=fmt(entry.at), event=entry.event, message=entry.message, actor=entry.actor)


@dataclass(frozen=True, slots=True)
class HealthProbe:
    service_type_id: int
    key: str
    name: str
    provider_kind: str
    token_source: str
    servers: int
    provider: CloudProvider | ProviderError

    def run(self) -> ProviderHealthView:
        """Ask the provider (a network call: never inside a transaction)."""
        if isinstance(self.provider, ProviderError):
            ok, detail = False, str(self.provider)
        else:
            try:
                health = self.provider.health()
                ok, detail = health.ok, health.detail
            except ProviderError as error:
                ok, detail = False, str(error)
        return ProviderHealthView(
            service_type_id=self.service_type_id,
            service_type_key=self.key,
            service_type_name=self.name,
            provider=self.provider_kind,
            token_source=self.token_source,
            ok=ok,
            detail=detail,
            servers=self.servers,
        )


def time_format(session: Session, scope: TenantScope) -> Callable[[datetime | None], str]:
    """Formats moments in the tenant's time zone ("2027-03-01 10:05")."""
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    zone = ZoneInfo(tenant.time_zone if tenant else "UTC")

    def fmt(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else ""

    return fmt


def plan_id_of(session: Session, scope: TenantScope, plan_key: str) -> int:
    """The id of the tenant's active plan `plan_key` (NotFoundError otherwise)."""
    plan = next((p for p in list_plans(session, scope, active_only=True) if p.key == plan_key), None)
    if plan is None or plan.id is None:
        raise NotFoundError("There is no plan to order at this address.")
    return plan.id
