"""Probes: whether the database and Redis this deployment depends on answer."""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError


@dataclass(frozen=True, slots=True)
class ComponentHealth:
    ok: bool
    detail: str


def database_health(engine: Engine) -> ComponentHealth:
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        return ComponentHealth(False, f"unreachable or not migrated: {type(exc).__name__}")
    return ComponentHealth(True, f"{engine.dialect.name}, schema revision {revision}")


def redis_health(client: Redis | None) -> ComponentHealth:
    if client is None:
        return ComponentHealth(False, "not configured")
    try:
        client.ping()
    except (RedisError, OSError) as exc:
        return ComponentHealth(False, f"unreachable: {type(exc).__name__}")
    return ComponentHealth(True, "ok")
