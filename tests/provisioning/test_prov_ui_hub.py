"""The live dashboard learns what the provisioning unit changed in the worker (issue 15).

A first server goes from "Setting up" (PROVISIONING) to running when the unit sees it boot; that
write happens in the worker, and no list call of the provider reports it (the item was not ACTIVE
yet, so no poller served it). The hub compares a digest of its watched tenants' servers every
interval and wakes only the viewers of the tenant whose servers moved.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from backend.gateway.server_status import StatusHub
from backend.models import ItemStatus
from tests.fakes.hetzner_server import FakeHetzner
from tests.provisioning.prov_world import shop
from tests.provisioning.test_prov_status import INTERVAL, Reads, follow, opener, set_item


def test_a_server_the_unit_activates_wakes_its_tenants_viewers_only(
    engine: Engine, hetzner: FakeHetzner
) -> None:
    hetzner.project("tok-new")
    a = shop(engine, ["101"], token="tok-new", item_status=ItemStatus.PROVISIONING)
    b = shop(engine, ["102"], token="tok-new", item_status=ItemStatus.PROVISIONING)
    reads = Reads()

    async def scenario() -> dict[str, int]:
        hub = StatusHub(reader=reads, opener=opener(hetzner), engine=engine, interval=INTERVAL)
        tasks = [asyncio.create_task(follow(hub.watch(s.viewer(n)), [])) for s in (a, b) for n in range(2)]
        await asyncio.sleep(INTERVAL * 2.5)
        assert hub.poller_keys == set()  # nothing ACTIVE yet: no provider is polled
        before = dict(reads.by_tenant)
        set_item(engine, a.item_ids[0], status=ItemStatus.ACTIVE)  # the unit saw it running
        await asyncio.sleep(INTERVAL * 2.5)
        after = dict(reads.by_tenant)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await hub.close()
        return {"a": after[a.tenant_id] - before[a.tenant_id], "b": after[b.tenant_id] - before[b.tenant_id]}

    woken = asyncio.run(scenario())
    assert woken["b"] == 0
    assert woken["a"] >= 2  # each of a's two viewers read its servers again (a later poll may add one)
