"""Applying the Alembic migrations and telling whether a database is at the newest one."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from backend.db import get_engine
from backend.settings import PROJECT_ROOT, get_settings


def _config(database_url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url or get_settings().database_url
    config.attributes["configure_logger"] = False
    return config


def migrate_database(database_url: str | None = None) -> None:
    """alembic upgrade head on `database_url` (default: DATABASE_URL)."""
    command.upgrade(_config(database_url), "head")


def schema_is_current(database_url: str | None = None) -> bool:
    """Whether the database is at the newest migration (False while unreachable or behind)."""
    heads = set(ScriptDirectory.from_config(_config(database_url)).get_heads())
    try:
        with get_engine(database_url).connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads
    except SQLAlchemyError:
        return False
