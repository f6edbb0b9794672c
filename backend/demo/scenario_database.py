"""The scenario runner's database: SQLite in a throwaway folder, at the newest migration.

Migrating takes seconds, so a process migrates once and copies the empty schema for every later run.
Nothing is fsynced: the database is deleted with its folder when the run ends.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from backend.db import make_engine
from backend.migrations import migrate_database


@contextmanager
def throwaway_engine(folder: str) -> Iterator[Engine]:
    """A SQLite database at the newest migration in `folder`, without fsync (it is thrown away)."""
    path = Path(folder) / "scenario.db"
    _migrated_database(path)
    engine = make_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _no_fsync)
    try:
        yield engine
    finally:
        engine.dispose()


_schema: list[sqlite3.Connection] = []  # the migrated empty database, in memory, once per process


def _migrated_database(path: Path) -> None:
    """An empty database at the newest migration at `path`. The first run of a process migrates it
    with `migrate_database` and keeps a copy in memory; later runs copy that (a second, not one)."""
    if not _schema:
        migrate_database(f"sqlite:///{path}")
        schema = sqlite3.connect(":memory:", check_same_thread=False)
        with closing(sqlite3.connect(path)) as migrated:
            migrated.backup(schema)
        _schema.append(schema)
        return
    with closing(sqlite3.connect(path)) as target:
        _schema[0].backup(target)


def _no_fsync(connection: Any, _record: Any) -> None:
    connection.execute("PRAGMA synchronous=OFF")
