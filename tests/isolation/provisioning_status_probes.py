"""The isolation table of the server status sync (backend/provisioning/status.py): tenant B's scope
with tenant A's service type finds none of A's servers, so a poll never writes A's items in B's name.
A's world has one live server ("srv-a1") of its VPS service type."""

from __future__ import annotations

from backend.integrations.cloud_provider import ServerState
from backend.provisioning import status
from backend.provisioning.repository import ItemRepository
from tests.isolation.probes import nothing
from tests.isolation.repository_probes import R
from tests.isolation.service_probes import S
from tests.isolation.world import NOW

A_SERVER_OFF = [ServerState(ref="srv-a1", name="a1.example", status="off", ipv4="192.0.2.1")]

PROVISIONING_STATUS_REPOSITORY_PROBES = [
    R(ItemRepository.active_of_service_type, lambda s, me, a: (a.service_type_id,)),
]
PROVISIONING_STATUS_PROBES = [
    S(
        status.apply_states,
        lambda s, me, a: status.apply_states(s, me.scope, a.service_type_id, A_SERVER_OFF, NOW),
        nothing,
    ),
]
