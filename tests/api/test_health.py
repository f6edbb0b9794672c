"""GET /api/health reports database and Redis status."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backend.api.app import create_api
from backend.db import dispose_engines
from backend.settings import get_settings


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def apply(database_url: str, redis_url: str) -> TestClient:
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("REDIS_URL", redis_url)
        get_settings.cache_clear()
        dispose_engines()
        return TestClient(create_api())

    yield apply
    get_settings.cache_clear()
    dispose_engines()


@pytest.mark.parametrize("database", ["pg_url", "sqlite_url"])
def test_healthy_when_database_and_redis_answer(
    configure: object, redis_url: str, database: str, request: pytest.FixtureRequest
) -> None:
    client = configure(request.getfixturevalue(database), redis_url)  # type: ignore[operator]
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and "schema revision " in body["database"]["detail"]
    assert body["redis"] == {"ok": True, "detail": "ok"}


def test_degraded_with_503_when_redis_is_down(configure: object, sqlite_url: str) -> None:
    client = configure(sqlite_url, "redis://127.0.0.1:1/0")  # type: ignore[operator]
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["redis"]["ok"] is False
    assert response.json()["database"]["ok"] is True


def test_degraded_when_the_database_is_not_migrated(
    configure: object, redis_url: str, tmp_path: object
) -> None:
    client = configure(f"sqlite:///{tmp_path}/empty.db", redis_url)  # type: ignore[operator]
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["database"] == {
        "ok": False,
        "detail": "unreachable or not migrated: OperationalError",
    }
