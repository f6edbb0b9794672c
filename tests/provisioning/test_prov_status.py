"""Status sync: which accounts are polled, what a list of states changes on the items, and the hub
that polls each account once per interval for all open dashboards."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from backend.db import unit_of_work
from backend.gateway.server_status import StatusHub
from backend.integrations.cloud_provider import ServerState
from backend.integrations.hetzner_cloud import HetznerCloud
from backend.kit.principals import SignedInUser
from backend.kit.repository import TenantScope
from backend.models import ItemStatus, PowerState, ProviderKind, SubscriptionItem
from backend.provisioning.schemas import ServerView
from backend.provisioning.status import PollTarget, account_key, apply_states, poll_targets
from tests.fakes.hetzner_server import FakeHetzner
from tests.provisioning.prov_world import Shop, shop

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def items(engine: Engine, ids: list[int]) -> list[SubscriptionItem]:
    with unit_of_work(engine) as session:
        rows = session.scalars(select(SubscriptionItem).where(SubscriptionItem.id.in_(ids)))  # type: ignore[union-attr]
        return sorted(rows, key=lambda i: ids.index(i.id))  # type: ignore[arg-type]


def set_item(engine: Engine, item_id: int, **values: object) -> None:
    with unit_of_work(engine) as session:
        item = session.get(SubscriptionItem, item_id)
        assert item is not None
        for name, value in values.items():
            setattr(item, name, value)


# ---------------------------------------------------------------- poll_targets


def test_one_target_per_account_across_tenants_named_without_the_token(engine: Engine) -> None:
    token_a, token_b = "tok-shared-" + "a" * 8, "tok-own-" + "b" * 8
    one = shop(engine, ["1", "2"], token=token_a)
    two = shop(engine, ["3"], token=token_a)
    three = shop(engine, ["4"], token=token_b)
    shop(engine, ["5"], token=token_a, item_status=ItemStatus.DEPROVISIONED)  # nothing live: not polled
    shop(engine, ["6"], token=token_b, provider=ProviderKind.NONE)  # billing only: never polled

    mine = {one.tenant_id, two.tenant_id, three.tenant_id}
    targets = {t.key: t for t in poll_targets_of(engine, None) if t.tenant_ids & mine}
    key_a, key_b = account_key("hetzner", token_a), account_key("hetzner", token_b)
    assert set(targets) == {key_a, key_b}
    assert set(targets[key_a].service_types) >= {
        (one.tenant_id, one.service_type_id),
        (two.tenant_id, two.service_type_id),
    }
    assert targets[key_b].service_types == ((three.tenant_id, three.service_type_id),)
    assert targets[key_a].token == token_a
    assert token_a not in key_a and token_a not in repr(targets[key_a])
    assert key_a.startswith("hetzner:") and len(key_a) == len("hetzner:") + 16

    only_two = poll_targets_of(engine, {two.tenant_id})
    assert [t.service_types for t in only_two] == [((two.tenant_id, two.service_type_id),)]


def poll_targets_of(engine: Engine, tenants: set[int] | None) -> list[PollTarget]:
    with unit_of_work(engine) as session:
        return poll_targets(session, tenants)


# ---------------------------------------------------------------- apply_states


def state(ref: str, status: str, ipv4: str = "", ipv6: str = "") -> ServerState:
    return ServerState(ref=ref, name=f"s{ref}", status=status, ipv4=ipv4, ipv6=ipv6)


def test_states_map_onto_the_items_and_only_changes_are_reported(engine: Engine) -> None:
    s = shop(engine, ["11", "12", "13", "14", "15", "16"], token="tok-map")
    a, b, c, d, e, f = s.item_ids
    set_item(engine, b, power_state=PowerState.STOPPED)  # already what the provider says
    set_item(engine, f, power_state=PowerState.RUNNING)  # its server will be missing from the list
    states = [
        state("11", "running", "192.0.2.11", "2001:db8::11"),
        state("12", "off"),
        state("13", "starting"),
        state("14", "initializing"),
        state("15", "stopping"),
        state("99", "running"),  # a server of the account that no item of this service type has
    ]
    with unit_of_work(engine) as session:
        changed = apply_states(session, TenantScope(s.tenant_id), s.service_type_id, states, NOW)
    assert changed == {a, c, d, e, f}
    rows = items(engine, s.item_ids)
    assert [r.power_state for r in rows] == [
        PowerState.RUNNING,
        PowerState.STOPPED,
        PowerState.STARTING,
        PowerState.STARTING,
        PowerState.STOPPING,
        PowerState.UNKNOWN,  # "16" is not in the account's list: gone
    ]
    assert (rows[0].ipv4, rows[0].ipv6) == ("192.0.2.11", "2001:db8::11")
    assert all(r.status_checked_at == NOW for r in rows)

    with unit_of_work(engine) as session:  # the same answer again changes nothing
        assert apply_states(session, TenantScope(s.tenant_id), s.service_type_id, states, NOW) == set()


def test_a_pending_action_is_cleared_when_its_state_is_reached(engine: Engine) -> None:
    s = shop(engine, ["21", "22", "23", "24"], token="tok-pending")
    start, stop, reboot_asked, reboot_sent = s.item_ids
    set_item(engine, start, pending_action="start", power_state=PowerState.STOPPED)
    set_item(engine, stop, pending_action="stop", power_state=PowerState.RUNNING)
    set_item(engine, reboot_asked, pending_action="reboot", power_state=PowerState.RUNNING)
    set_item(engine, reboot_sent, pending_action="reboot", power_state=PowerState.REBOOTING)
    states = [state("21", "running"), state("22", "stopping"), state("23", "running"), state("24", "running")]
    with unit_of_work(engine) as session:
        changed = apply_states(session, TenantScope(s.tenant_id), s.service_type_id, states, NOW)
    rows = items(engine, s.item_ids)
    assert [(r.pending_action, r.power_state) for r in rows] == [
        ("", PowerState.RUNNING),
        ("stop", PowerState.STOPPING),
        ("reboot", PowerState.RUNNING),  # not sent yet: the server never left "running"
        ("", PowerState.RUNNING),
    ]
    assert changed == {start, stop, reboot_sent}

    with unit_of_work(engine) as session:  # a reboot seen under way reads "rebooting"
        apply_states(session, TenantScope(s.tenant_id), s.service_type_id, [state("23", "starting")], NOW)
    assert items(engine, [reboot_asked])[0].power_state == PowerState.REBOOTING


def test_apply_states_never_touches_another_tenants_items(engine: Engine) -> None:
    mine = shop(engine, ["31"], token="tok-scope")
    other = shop(engine, ["31"], token="tok-scope")
    with unit_of_work(engine) as session:
        # the other tenant's service type under my scope: nothing of theirs is found
        assert (
            apply_states(
                session, TenantScope(mine.tenant_id), other.service_type_id, [state("31", "off")], NOW
            )
            == set()
        )
    assert items(engine, other.item_ids)[0].power_state == PowerState.UNKNOWN


# ---------------------------------------------------------------- the hub


class Reads:
    """The injected reader: counts the reads per tenant and returns one view per call."""

    def __init__(self) -> None:
        self.by_tenant: dict[int, int] = {}

    def __call__(self, user: SignedInUser) -> list[ServerView]:
        self.by_tenant[user.tenant_id] = self.by_tenant.get(user.tenant_id, 0) + 1
        return [ServerView(0, "S-1", "VPS", "h.example.net", "running", "Running")]


def hetzner_shop(engine: Engine, fake: FakeHetzner, token: str, servers: int) -> tuple[Shop, list[int]]:
    fake.project(token)
    ids = [fake.add_server(token, f"{token}-{n}.example.net") for n in range(servers)]
    return shop(engine, [str(i) for i in ids], token=token), ids


def opener(fake: FakeHetzner):  # type: ignore[no-untyped-def]
    return lambda target: HetznerCloud(target.token, fake.endpoint, poll_interval=0.01)


async def follow(watch, seen: list[list[ServerView]]) -> None:  # type: ignore[no-untyped-def]
    async for servers in watch:
        seen.append(servers)


INTERVAL = 0.2


def test_fifty_viewers_on_one_account_make_one_list_call_per_interval(
    engine: Engine, hetzner: FakeHetzner
) -> None:
    s, _ = hetzner_shop(engine, hetzner, "tok-fifty", 3)
    reads = Reads()

    async def scenario() -> tuple[int, int, float, set[str]]:
        hub = StatusHub(reader=reads, opener=opener(hetzner), engine=engine, interval=INTERVAL)
        seen: list[list[list[ServerView]]] = [[] for _ in range(50)]
        started = time.monotonic()
        tasks = [asyncio.create_task(follow(hub.watch(s.viewer(n)), seen[n])) for n in range(50)]
        await asyncio.sleep(INTERVAL * 5 + INTERVAL / 2)
        elapsed = time.monotonic() - started
        keys = hub.poller_keys
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.sleep(0)
        assert hub.viewer_count == 0 and hub.poller_keys == set()
        calls = hetzner.calls[("GET", "/servers")]
        await asyncio.sleep(INTERVAL * 2)  # stopped: no more calls
        assert hetzner.calls[("GET", "/servers")] == calls
        await hub.close()
        return calls, min(len(x) for x in seen), elapsed, keys

    calls, fewest, elapsed, keys = asyncio.run(scenario())
    assert keys == {account_key("hetzner", "tok-fifty")}
    # one call at the start, then one per interval: about 6 in 1.1 s, never one per viewer (300)
    assert 3 <= calls <= elapsed / INTERVAL + 1
    assert fewest >= 1  # every viewer got its first list


def test_two_accounts_are_polled_separately_and_a_change_wakes_only_its_tenant(
    engine: Engine, hetzner: FakeHetzner
) -> None:
    a, a_servers = hetzner_shop(engine, hetzner, "tok-a", 2)
    b, _ = hetzner_shop(engine, hetzner, "tok-b", 2)
    reads = Reads()

    async def scenario() -> tuple[dict[str, int], set[str]]:
        hub = StatusHub(reader=reads, opener=opener(hetzner), engine=engine, interval=INTERVAL)
        tasks = [
            asyncio.create_task(follow(hub.watch(shop_.viewer(n)), [])) for shop_ in (a, b) for n in range(3)
        ]
        await asyncio.sleep(INTERVAL * 2.5)  # first polls: every item goes UNKNOWN -> RUNNING, both woken
        before = dict(reads.by_tenant)
        hetzner.set_status("tok-a", a_servers[0], "off")
        await asyncio.sleep(INTERVAL * 2.5)
        after = dict(reads.by_tenant)
        keys = hub.poller_keys
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await hub.close()
        return {
            "a": after[a.tenant_id] - before[a.tenant_id],
            "b": after[b.tenant_id] - before[b.tenant_id],
        }, keys

    woken, keys = asyncio.run(scenario())
    assert keys == {account_key("hetzner", "tok-a"), account_key("hetzner", "tok-b")}
    assert woken == {"a": 3, "b": 0}  # each of a's three viewers read once; b's none
    assert items(engine, [a.item_ids[0]])[0].power_state == PowerState.STOPPED
    assert hetzner.calls[("GET", "/servers")] >= 2


def test_two_tenants_on_one_token_share_one_poller(engine: Engine, hetzner: FakeHetzner) -> None:
    a, _ = hetzner_shop(engine, hetzner, "tok-shared", 1)
    hetzner.add_server("tok-shared", "second.example.net")
    b = shop(engine, [str(hetzner.servers("tok-shared")[1]["id"])], token="tok-shared")

    async def scenario() -> set[str]:
        hub = StatusHub(reader=Reads(), opener=opener(hetzner), engine=engine, interval=INTERVAL)
        tasks = [asyncio.create_task(follow(hub.watch(x.viewer()), [])) for x in (a, b)]
        await asyncio.sleep(INTERVAL * 1.5)  # b joined after the first poll: its items come with the second
        keys = hub.poller_keys
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await hub.close()
        return keys

    assert asyncio.run(scenario()) == {account_key("hetzner", "tok-shared")}
    assert 2 <= hetzner.calls[("GET", "/servers")] <= 3  # two pollers would have made 4 or more
    assert [i.power_state for i in items(engine, a.item_ids + b.item_ids)] == [PowerState.RUNNING] * 2


def test_a_failed_list_call_is_tried_again_at_the_next_interval(engine: Engine, hetzner: FakeHetzner) -> None:
    s, _ = hetzner_shop(engine, hetzner, "tok-flaky", 1)
    hetzner.fail_next("GET", "/servers", 503, "unavailable")

    async def scenario() -> None:
        hub = StatusHub(reader=Reads(), opener=opener(hetzner), engine=engine, interval=INTERVAL)
        task = asyncio.create_task(follow(hub.watch(s.viewer()), []))
        await asyncio.sleep(INTERVAL * 1.5)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await hub.close()

    asyncio.run(scenario())
    assert hetzner.calls[("GET", "/servers")] == 2
    assert items(engine, s.item_ids)[0].power_state == PowerState.RUNNING
