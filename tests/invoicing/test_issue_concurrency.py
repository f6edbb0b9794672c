"""Issuing manual drafts from several requests at once, on real PostgreSQL transactions: the
numbers stay gapless and unique (the counter row is locked until commit), and a draft issued by
two requests at once is issued once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from backend import clock
from backend.audit.service import Actor
from backend.customers.service import open_customer_account
from backend.db import make_engine, unit_of_work
from backend.invoicing import manual_drafts
from backend.invoicing.errors import InvoiceNotDraft
from backend.invoicing.schemas import DraftInput, DraftLineInput
from backend.kit.repository import TenantScope
from backend.models import Invoice
from backend.settings import load_settings
from backend.tenancy.service import create_tenant
from tests.billing.world import utc

pytestmark = pytest.mark.postgres
NOW = utc(2027, 3, 1, 9)
DRAFTS = 8


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


def _drafts(engine: Engine, count: int) -> tuple[TenantScope, list[int]]:
    with clock.frozen(NOW), unit_of_work(engine) as session:
        tenant = create_tenant(
            session, slug=f"issue-{uuid.uuid4().hex[:8]}", name="Issue", settings=load_settings()
        )
        scope = TenantScope(tenant.id or 0)
        account = open_customer_account(session, scope, name="Kunde", email="k@example.test", country="DE")
        line = DraftLineInput(description="Work", unit_price=Decimal("10.00"))
        wanted = DraftInput(customer_account_id=account.id or 0, lines=[line])
        ids = [
            manual_drafts.create_draft(session, scope, Actor.admin(scope.tenant_id), wanted, NOW).id or 0
            for _ in range(count)
        ]
        return scope, ids


def _all_at_once(calls: list[Callable[[], None]]) -> list[BaseException]:
    barrier, errors = threading.Barrier(len(calls)), []

    def run(call: Callable[[], None]) -> None:
        barrier.wait()
        try:
            call()
        except BaseException as exc:  # collected: the test says which refusals it expects
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _issuer(engine: Engine, scope: TenantScope, draft_id: int) -> Callable[[], None]:
    def issue() -> None:
        with unit_of_work(engine) as session:
            manual_drafts.issue_invoice(session, scope, Actor.admin(scope.tenant_id), draft_id, NOW)

    return issue


def _numbers(engine: Engine, scope: TenantScope) -> list[str]:
    with unit_of_work(engine) as session:
        statement = select(Invoice.number).where(
            Invoice.tenant_id == scope.tenant_id, Invoice.number.is_not(None)
        )
        return sorted(str(number) for number in session.scalars(statement))


def test_drafts_issued_at_once_get_gapless_unique_numbers(pg_engine: Engine) -> None:
    scope, ids = _drafts(pg_engine, DRAFTS)
    assert _all_at_once([_issuer(pg_engine, scope, draft_id) for draft_id in ids]) == []
    assert _numbers(pg_engine, scope) == [f"INV-2027-{n:05d}" for n in range(1, DRAFTS + 1)]


def test_one_draft_issued_by_two_requests_at_once_is_issued_once(pg_engine: Engine) -> None:
    scope, [draft_id] = _drafts(pg_engine, 1)
    errors = _all_at_once([_issuer(pg_engine, scope, draft_id) for _ in range(2)])
    assert [type(error) for error in errors] == [InvoiceNotDraft]
    assert _numbers(pg_engine, scope) == ["INV-2027-00001"]
