"""Tenants A and B, built once per database and test module, and a savepoint per test.

Building the pair takes a second (it bills months through the real services); the tables hold
hundreds of probes. So the pair is built inside a transaction that is never committed (no other
test or process ever sees it, whatever it does with the database), and each test runs in a
savepoint of that transaction that is rolled back afterwards: every probe starts from the same
world. SQLite needs the documented pysqlite recipe for SAVEPOINT (explicit BEGIN). At the end of
the module the fixture checks both promises: the pair is as built, and no row of it was committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, RootTransaction, event, func, select
from sqlmodel import Session, SQLModel

from backend import clock
from backend.db import make_engine
from backend.kit import passwords
from tests.isolation.probes import rows_of_tenant
from tests.isolation.world import NOW, Side, build_pair


@dataclass(frozen=True)
class Pair:
    session: Session
    a: Side
    b: Side


@dataclass(frozen=True)
class _Built:
    engine: Engine
    connection: Connection
    transaction: RootTransaction
    a: Side
    b: Side
    slugs: tuple[str, str]
    rows: list[Any]  # every row of A and B right after the build

    def current_rows(self) -> list[Any]:
        with Session(bind=self.connection, join_transaction_mode="create_savepoint") as session:
            return [rows_of_tenant(session, side.tenant_id) for side in (self.a, self.b)]


def _savepoints_on_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def _build(url: str) -> _Built:
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        _savepoints_on_sqlite(engine)
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    with pytest.MonkeyPatch.context() as patch:
        # Five sign-ups: cheap hashes keep the build fast (nobody signs in with these passwords).
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        suffix = uuid.uuid4().hex[:8]
        a, b = build_pair(session, suffix)
    session.commit()  # releases the session's savepoint: the pair stays in the open transaction
    session.close()
    built = _Built(engine, connection, transaction, a, b, (f"iso-a-{suffix}", f"iso-b-{suffix}"), [])
    built.rows.extend(built.current_rows())
    return built


@pytest.fixture(scope="module")
def _built_pairs() -> Iterator[dict[str, _Built | Exception]]:
    built: dict[str, _Built | Exception] = {}
    yield built
    for world in built.values():
        if isinstance(world, Exception):
            continue
        left_as_built = world.current_rows() == world.rows
        world.transaction.rollback()
        world.connection.close()
        with world.engine.connect() as connection:
            tenants = SQLModel.metadata.tables["tenants"]
            leaked = connection.scalar(select(func.count()).where(tenants.c.slug.in_(world.slugs)))
        world.engine.dispose()
        assert left_as_built, "a test left a change in tenant A or B: later tests saw it"
        assert leaked == 0, "tenants A and B reached the database: other tests see them"


@pytest.fixture
def pair(engine: Engine, _built_pairs: dict[str, _Built | Exception]) -> Iterator[Pair]:
    """Tenants A and B on the parametrized database, at NOW; everything a test does is undone."""
    url = engine.url.render_as_string(hide_password=False)
    if url not in _built_pairs:
        try:
            _built_pairs[url] = _build(url)
        except Exception as exc:
            _built_pairs[url] = exc  # fail the module's other tests at once instead of rebuilding
            raise
    world = _built_pairs[url]
    if isinstance(world, Exception):
        pytest.fail(f"building tenants A and B failed: {world!r}")
    savepoint = world.connection.begin_nested()
    session = Session(bind=world.connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        with clock.frozen(NOW):
            yield Pair(session, world.a, world.b)
    finally:
        session.close()
        if savepoint.is_active:
            savepoint.rollback()


@pytest.fixture(autouse=True)
def _document_store(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Documents the probes render land in a directory of the test's own, not the checkout's var/."""
    from backend.settings import get_settings

    monkeypatch.setenv("DOCUMENT_STORAGE_PATH", str(tmp_path / "documents"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
