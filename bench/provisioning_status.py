"""Live server status: the StatusHub's provider list calls for 200 open dashboards vs one call per viewer.

Set-up (not timed): a throwaway PostgreSQL database; a fake Hetzner API (tests/fakes/hetzner_server.py,
spoken to by the real hcloud client) with `TOKENS` projects holding `rows` running servers; 200
tenants (`VIEWERS`), each with one service type on one of the tokens (round robin) and its share of
the servers as ACTIVE items.

Timed: one StatusHub with a `INTERVAL` s poll interval and one open dashboard per tenant (200 viewers,
each reading its tenant's items from the database when woken) for `INTERVALS` intervals; during each
interval 1 % of the servers change state at the provider (powered off or on). Notes: list_servers
calls and HTTP list requests (50 servers a page), calls per token and interval (goal 1), calls per
minute at the default SERVER_STATUS_POLL_SECONDS=5 and the same for "every viewer polls its own
account" (the baseline this replaces) with their ratio, poll p50/max ms (list + apply for one
account), and viewer reads (only tenants whose servers changed are woken).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from typing import Any

from sqlalchemy import func, select

from backend.db import make_engine, unit_of_work
from backend.gateway.server_status import StatusHub, _Poller
from backend.integrations.hetzner_cloud import HetznerCloud
from backend.kit.principals import SignedInUser
from backend.models import SubscriptionItem
from backend.provisioning.schemas import ServerView
from bench import Measurement, register
from bench.pg import throwaway_database
from tests.fakes.hetzner_server import FakeHetzner
from tests.provisioning.prov_world import shop

VIEWERS = 200
TOKENS = 5
INTERVAL = 2.0
INTERVALS = 5
DEFAULT_POLL_SECONDS = 5
PAGE = 50  # Hetzner's largest page


class _TimedHub(StatusHub):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.poll_ms: list[float] = []

    async def poll_once(self, poller: _Poller) -> set[int]:
        started = time.perf_counter()
        try:
            return await super().poll_once(poller)
        finally:
            self.poll_ms.append((time.perf_counter() - started) * 1000)


@register("provisioning_status", default_rows=1_000)
def provisioning_status(rows: int) -> Measurement:
    """StatusHub list calls for 200 open dashboards on 5 provider tokens, against one call per viewer."""
    tokens = [f"bench-token-{n}" for n in range(TOKENS)]
    with throwaway_database() as url, FakeHetzner(tokens) as fake:
        engine = make_engine(url)
        servers: dict[str, list[int]] = {t: [] for t in tokens}
        viewers: list[SignedInUser] = []
        per_tenant = max(1, rows // VIEWERS)
        for n in range(VIEWERS):
            token = tokens[n % TOKENS]
            ids = [fake.add_server(token, f"t{n}-s{k}.bench.example") for k in range(per_tenant)]
            servers[token] += ids
            viewers.append(shop(engine, [str(i) for i in ids], token=token).viewer(n))
        total = sum(len(ids) for ids in servers.values())
        reads = 0

        def reader(user: SignedInUser) -> list[ServerView]:
            nonlocal reads
            reads += 1
            with unit_of_work(engine) as session:
                count = session.scalar(
                    select(func.count())
                    .select_from(SubscriptionItem)
                    .where(SubscriptionItem.tenant_id == user.tenant_id)
                )
            return [ServerView(0, "S", "VPS", "h", "running", "Running")] * int(count or 0)

        hub = _TimedHub(
            reader=reader,
            opener=lambda target: HetznerCloud(target.token, fake.endpoint, poll_interval=0.01),
            engine=engine,
            interval=INTERVAL,
        )
        rng = random.Random(15)
        flips = max(1, total // 100)

        async def follow(user: SignedInUser) -> None:
            async for _ in hub.watch(user):
                pass

        async def scenario() -> tuple[float, int]:
            tasks = [asyncio.create_task(follow(user)) for user in viewers]
            await asyncio.sleep(0)
            started = time.perf_counter()
            first_reads = 0
            for _ in range(INTERVALS):
                await asyncio.sleep(INTERVAL)
                if not first_reads:
                    first_reads = reads
                for token in tokens:
                    for server_id in rng.sample(servers[token], max(1, flips // TOKENS)):
                        current = fake.project(token).servers[server_id]["status"]
                        fake.set_status(token, server_id, "off" if current == "running" else "running")
            elapsed = time.perf_counter() - started
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await hub.close()
            return elapsed, first_reads

        fake.calls.clear()
        elapsed, first_reads = asyncio.run(scenario())
        engine.dispose()

    list_calls = sum(hub.list_calls.values())
    http_lists = fake.calls[("GET", "/servers")]
    pages = -(-total // TOKENS // PAGE)  # HTTP requests per list_servers of one account
    per_minute = 60 / DEFAULT_POLL_SECONDS
    hub_calls_per_min = TOKENS * per_minute
    # The baseline: every open dashboard polls the provider itself (its own servers, by label: one page).
    baseline_calls_per_min = VIEWERS * per_minute
    return Measurement(
        rows=total,
        seconds=elapsed,
        notes={
            "viewers": VIEWERS,
            "tokens": TOKENS,
            "interval_s": INTERVAL,
            "list_calls": list_calls,
            "http_list_requests": http_lists,
            "list_calls_per_min": round(list_calls / elapsed * 60),
            "calls_per_token_per_interval": round(list_calls / TOKENS / (elapsed / INTERVAL), 2),
            "calls_per_min_at_5s": round(hub_calls_per_min),
            "http_per_min_at_5s": round(hub_calls_per_min * pages),
            "baseline_calls_per_min_at_5s": round(baseline_calls_per_min),
            "ratio_calls": round(baseline_calls_per_min / hub_calls_per_min, 1),
            "ratio_http": round(baseline_calls_per_min / (hub_calls_per_min * pages), 1),
            "poll_p50_ms": round(statistics.median(hub.poll_ms), 1) if hub.poll_ms else 0,
            "poll_max_ms": round(max(hub.poll_ms), 1) if hub.poll_ms else 0,
            "viewer_reads": reads,
            "reads_after_first": reads - first_reads,
        },
    )
