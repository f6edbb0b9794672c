"""Provisioning (backend/provisioning): servers, backorders and their log, the provisioning job and
dunning's suspension hook, each run by tenant B with tenant A's ids.

A has three servers on its active subscription (tests/isolation/server_probes.py): a running one
with its sealed key, an open backorder and a log entry, a failed one and a pending one (the job's
work). B has none. The server operations of `Servers` look the item up in the actor's scope first:
B's admin gets 404 for every id of A.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.audit.service import SYSTEM
from backend.integrations.cloud_provider import Availability
from backend.kit.repository import CrossTenantWrite
from backend.models import Plan, Subscription, SubscriptionItem
from backend.provisioning import hooks, tasks
from backend.provisioning import service as provisioning
from backend.provisioning.repository import BackorderRepository, ItemRepository, LogRepository
from backend.provisioning.service import OrderTarget, Provisioner, Servers
from backend.subscriptions import ordering
from backend.subscriptions.service import Lifecycle
from tests.isolation import server_probes as sp
from tests.isolation.probes import Probe, Raises, nothing
from tests.isolation.repository_probes import R
from tests.isolation.service_probes import NOT_FOUND, S, number_of, of, unit
from tests.isolation.world import NOW, Side


def servers_of_b(result: Any, b: Side, session: Session) -> None:
    """A list of server views: each one a server of B."""
    assert isinstance(result, list), result
    for view in result:
        item = session.get(SubscriptionItem, view.item_id)
        assert item is not None and item.tenant_id == b.tenant_id, f"tenant B got {view!r}"


def _servers(session: Session, me: Side) -> Servers:
    return Servers(session, me.scope, me.actor)


PROVISIONING_REPOSITORY_PROBES: list[Probe] = [
    R(ItemRepository.lock, lambda s, me, a: (sp.server(s, a),)),
    R(ItemRepository.of_subscription, lambda s, me, a: (a.active_sub,)),
    R(ItemRepository.live_of_subscription, lambda s, me, a: (a.active_sub,)),
    R(ItemRepository.of_customer, lambda s, me, a: (a.customer_id,)),
    R(ItemRepository.hostname_taken, lambda s, me, a: (f"srv-{a.tenant_id}.probe",)),
    R(ItemRepository.live_count_of_service_type, lambda s, me, a: (sp.cloud_service_type(s, a),)),
    R(ItemRepository.with_work, lambda s, me, a: (NOW,)),
    R(BackorderRepository.of_item, lambda s, me, a: (sp.server(s, a),)),
    R(BackorderRepository.lock, lambda s, me, a: (sp.backorder(s, a),)),
    R(BackorderRepository.due, lambda s, me, a: (NOW,)),
    R(BackorderRepository.listed, lambda s, me, a: {"include_closed": True}),
    R(LogRepository.of_item, lambda s, me, a: (sp.server(s, a),)),
    # B's entry would name A's server: refused before anything is written (A's own is written).
    R(LogRepository.write, lambda s, me, a: (sp.server(s, a), "probe", "", NOW), Raises(CrossTenantWrite)),
]


def _target(session: Session, a: Side) -> OrderTarget:
    return OrderTarget(sp.cloud_service_type(session, a), None, "cx22", "fsn1", "ubuntu-24.04")  # type: ignore[arg-type]


PROVISIONING_PROBES: list[Probe] = [
    S(
        tasks.find_provisioning_units,
        lambda s, me, a: tasks.find_provisioning_units(s, me.scope, NOW),
        nothing,
    ),
    # A's own run would ask the provider (there is none in this world) for its pending server.
    S(
        tasks.run_provisioning_unit,
        lambda s, me, a: tasks.run_provisioning_unit(s, me.scope, unit(sp.pending_server(s, a)), NOW),
        nothing,
        control=False,
    ),
    S(provisioning.items_with_work, lambda s, me, a: provisioning.items_with_work(s, me.scope, NOW), nothing),
    S(
        Provisioner.advance,
        lambda s, me, a: Provisioner(s, me.scope).advance(sp.server(s, a), NOW),
        nothing,
        control=False,  # A's running server has nothing to do; its pending one would call the provider
    ),
    S(
        provisioning.order_target,
        lambda s, me, a: provisioning.order_target(s, me.scope, sp.cloud_plan(s, a), {}),
        nothing,
    ),
    # B's scope does not see A's service type: nothing is recorded for A's subscription.
    S(
        provisioning.provision_order,
        lambda s, me, a: provisioning.provision_order(
            s,
            me.scope,
            me.actor,
            of(s, Subscription, a.active_sub),
            _target(s, a),
            Availability(available=True),
            accept_backorder=False,
            now=NOW,
        ),
    ),
    S(
        provisioning.OrderServers.target,
        lambda s, me, a: provisioning.OrderServers().target(s, me.scope, sp.cloud_plan(s, a), {}),
        nothing,
    ),
    S(
        provisioning.OrderServers.record,
        lambda s, me, a: provisioning.OrderServers().record(
            s,
            me.scope,
            me.actor,
            of(s, Subscription, a.active_sub),
            _target(s, a),
            Availability(available=True),
            accept_backorder=False,
            now=NOW,
        ),
    ),
    S(provisioning.plan_id_of, lambda s, me, a: provisioning.plan_id_of(s, me.scope, "spare")),
    S(
        provisioning.time_format,
        lambda s, me, a: provisioning.time_format(s, me.scope)(NOW),
        lambda result, b, session: None,
        control=False,  # formats in the scope's own tenant's zone: nothing of A to reach
        filtered=False,
    ),
    S(Servers.of_customer, lambda s, me, a: _servers(s, me).of_customer(a.customer_id), nothing),
    S(
        Servers.of_subscription,
        lambda s, me, a: _servers(s, me).of_subscription(number_of(s, a.active_sub)),
        servers_of_b,
    ),
    S(Servers.get, lambda s, me, a: _servers(s, me).get(sp.server(s, a))),
    S(Servers.action, lambda s, me, a: _servers(s, me).action(sp.server(s, a), "stop", NOW)),
    S(
        Servers.reveal_key,
        lambda s, me, a: Servers(s, me.scope, sp.owner_of(me)).reveal_key(sp.server(s, a), NOW),
    ),
    S(
        Servers.cancel_backorder_of_item,
        lambda s, me, a: _servers(s, me).cancel_backorder_of_item(sp.server(s, a), NOW),
    ),
    S(Servers.cancel_backorder, lambda s, me, a: _servers(s, me).cancel_backorder(sp.backorder(s, a), NOW)),
    S(Servers.retry, lambda s, me, a: _servers(s, me).retry(sp.failed_server(s, a), NOW)),
    S(Servers.log_of, lambda s, me, a: _servers(s, me).log_of(sp.server(s, a))),
    S(Servers.backorder_list, lambda s, me, a: _servers(s, me).backorder_list(include_closed=True), nothing),
    S(Servers.health_probes, lambda s, me, a: _servers(s, me).health_probes(), nothing),
    S(Servers.set_token, lambda s, me, a: _servers(s, me).set_token(sp.cloud_service_type(s, a), "hz-is0")),
    # Dunning's hook in B's scope finds no server of A's subscription to stop or start.
    S(
        hooks.ProvisioningSuspension.suspend,
        lambda s, me, a: hooks.ProvisioningSuspension().suspend(s, me.scope, a.active_sub, NOW),
        nothing,
    ),
    S(
        hooks.ProvisioningSuspension.unsuspend,
        lambda s, me, a: hooks.ProvisioningSuspension().unsuspend(s, me.scope, a.active_sub, NOW),
        nothing,
    ),
    S(
        ordering.Ordering.begin_service,
        lambda s, me, a: Lifecycle(s, me.scope, SYSTEM).begin_service(a.active_sub, NOW),
    ),
    S(
        ordering.is_provisioned,
        lambda s, me, a: ordering.is_provisioned(s, me.scope, of(s, Plan, sp.cloud_plan(s, a))),
        NOT_FOUND,
    ),
    S(
        Lifecycle.end_unstarted,
        lambda s, me, a: Lifecycle(s, me.scope, me.actor).end_unstarted(
            of(s, Subscription, a.active_sub), NOW, "probe"
        ),
        Raises(CrossTenantWrite),
        filtered=False,  # the subscription row is handed in: check_owned refuses A's, no query filters it
    ),
]
