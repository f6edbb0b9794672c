"""The catalog tests run on PostgreSQL and SQLite (the `session` fixture is parametrized over both
and rolled back), each in a tenant of its own."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from backend.kit.repository import TenantScope
from tests.catalog.support import tenant_scope


@pytest.fixture
def scope(session: Session) -> TenantScope:
    return tenant_scope(session, "acme")
