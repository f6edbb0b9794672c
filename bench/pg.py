"""Throwaway PostgreSQL databases for benchmark runs, migrated by the project's Alembic scripts."""

from __future__ import annotations

import os
import secrets
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from backend.migrations import migrate_database

ADMIN_URL_ENV = "BENCH_DATABASE_URL"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be reached with the admin URL; the message says which URL and why."""


def admin_url() -> str:
    """The SQLAlchemy URL of a database the benchmark may CREATE and DROP databases from."""
    return os.environ.get(ADMIN_URL_ENV, DEFAULT_ADMIN_URL)


def psycopg_conninfo(url: str) -> str:
    """Turn a SQLAlchemy URL (`postgresql+psycopg://...`) into a libpq URI psycopg accepts."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _connect_admin() -> psycopg.Connection:
    url = admin_url()
    try:
        return psycopg.connect(psycopg_conninfo(url), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise PostgresUnavailable(
            f"PostgreSQL is not reachable at {shown} ({exc}). "
            f"Start it or point {ADMIN_URL_ENV} at a server where this user may create databases."
        ) from exc


def _drop_database(name: str) -> None:
    with _connect_admin() as conn:
        # DROP DATABASE refuses while a connection is open, e.g. one left by an interrupted COPY.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


class _CtrlCGuard:
    """The first Ctrl-C interrupts the benchmark; later ones cannot cut the DROP DATABASE short.

    Installed only where Ctrl-C raises KeyboardInterrupt (main thread, default handler), so an
    outer guard or a shell that ignores SIGINT keeps its behaviour.
    """

    def __init__(self) -> None:
        self._previous = signal.getsignal(signal.SIGINT)
        self._installed = (
            threading.current_thread() is threading.main_thread()
            and self._previous is signal.default_int_handler
        )
        self._interrupted = False
        self._cleaning = False
        self._deferred = False
        if self._installed:
            signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._cleaning:
            self._deferred = True
        elif not self._interrupted:
            self._interrupted = True
            raise KeyboardInterrupt

    @contextmanager
    def cleaning(self) -> Iterator[None]:
        """Defer Ctrl-C while cleaning up, then deliver it unless one is already unwinding the stack."""
        self._cleaning = True
        try:
            yield
        finally:
            if self._installed:
                signal.signal(signal.SIGINT, self._previous)
        if self._deferred and not self._interrupted:
            raise KeyboardInterrupt


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Create `bench_<pid>_<random>`, migrate it, yield its SQLAlchemy URL, and always drop it."""
    name = f"bench_{os.getpid()}_{secrets.token_hex(4)}"
    admin = _connect_admin()
    guard = _CtrlCGuard()
    url = make_url(admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        with admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        migrate_database(url)
        yield url
    finally:
        with guard.cleaning():
            # IF EXISTS: an interrupted CREATE may or may not have created it.
            _drop_database(name)
