"""Alembic environment: imports only the models and the settings (ARCHITECTURE rule 6)."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlalchemy.types import TypeDecorator

from backend.models import metadata
from backend.settings import ensure_sqlite_directory, get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render the product's column types as their plain SQL types, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _database_url() -> str:
    url = config.attributes.get("database_url") or get_settings().database_url
    ensure_sqlite_directory(url)
    return url


def _migrate(**connection_or_url: object) -> None:
    context.configure(
        **connection_or_url,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode recreates tables there.
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    _migrate(url=_database_url(), literal_binds=True)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection=connection)
        return
    connectable = engine_from_config(
        {"sqlalchemy.url": _database_url()}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        _migrate(connection=connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
