"""Coordinators for the job tests, and an entry point that runs the CLI with them registered.

The units write real domain rows: one open position per customer account, with a source reference
that makes the insert idempotent (the same mechanism subscription billing relies on). Each unit
also counts its executions in Redis, so a test can tell "ran twice" from "changed data twice".

    python -m tests.jobs.support worker --burst      # `billing-console worker --burst` + these
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import datetime
from decimal import Decimal

from redis import Redis
from sqlalchemy import text
from sqlmodel import Session

from backend.billing.repository import OpenPositionRepository
from backend.customers.repository import CustomerAccountRepository
from backend.kit.coordination import Coordinator
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import CustomerAccount, TaxCategory
from backend.scheduling.coordinators import register
from backend.settings import load_settings
from backend.tenancy.service import create_tenant

TENANT_SLUG = "jobs-test"
SOURCE_PREFIX = "jobs-test:"
EXECUTIONS_KEY = "jobs-test:executions"
CUSTOMERS_PER_TENANT = 3
# Seconds the first unit to start sleeps after writing, inside its open transaction (once per Redis).
SLOW_FIRST_RUN = "JOBS_TEST_SLOW_FIRST_RUN"
SLOW_KEY = "jobs-test:slow-unit"
# Where the slow first unit waits: "python" (time.sleep, the default), "database" (pg_sleep) or
# "uninterruptible" (SIGALRM blocked, as in a C call that never returns to Python).
SLOW_MODE = "JOBS_TEST_SLOW_MODE"


def _redis() -> Redis:
    return Redis.from_url(os.environ["REDIS_URL"])


def _executions(key: str) -> int:
    return int(_redis().hincrby(EXECUTIONS_KEY, key, 1))


def find_customer_units(session: Session, scope: TenantScope, now: datetime) -> list[str]:
    """Units only in the test tenant, so other tests' tenants in the same database change nothing."""
    tenant = TenantDirectory(session).by_id(scope.tenant_id)
    if tenant is None or tenant.slug != TENANT_SLUG:
        return []
    customers = CustomerAccountRepository(session, scope).list(limit=CUSTOMERS_PER_TENANT)
    return [f"customer:{c.id}" for c in customers]


def ensure_test_tenant(session: Session) -> int:
    """The tenant the test coordinators work in, with its customers (created once per database)."""
    tenant = TenantDirectory(session).by_slug(TENANT_SLUG)
    if tenant is None:
        tenant = create_tenant(session, slug=TENANT_SLUG, name="Jobs Test Hosting", settings=load_settings())
        assert tenant.id is not None
        customers = CustomerAccountRepository(session, TenantScope(tenant.id))
        for number in range(1, CUSTOMERS_PER_TENANT + 1):
            customers.add(CustomerAccount(number=f"JT-{number}", name=f"Jobs test customer {number}"))
    assert tenant.id is not None
    return tenant.id


def charge_customer(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    execution = _executions(f"{scope.tenant_id}:{key}")
    inserted = OpenPositionRepository(session, scope).add_charges(
        [
            {
                "customer_account_id": int(key.removeprefix("customer:")),
                "subscription_id": None,
                "source_ref": f"{SOURCE_PREFIX}{key}",
                "description": "Job test charge",
                "period_start": None,
                "period_end": None,
                "quantity": Decimal(1),
                "unit_price": Decimal("1.00"),
                "amount": Decimal("1.00"),
                "currency": "EUR",
                "tax_category": TaxCategory.STANDARD,
            }
        ],
        now,
    )
    session.flush()
    slow = os.environ.get(SLOW_FIRST_RUN)
    if slow and execution == 1 and _redis().set(SLOW_KEY, key, nx=True):
        mode = os.environ.get(SLOW_MODE, "python")
        if mode == "database":
            session.execute(text("SELECT pg_sleep(:s)"), {"s": float(slow)})
        else:
            if mode == "uninterruptible":
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(float(slow))
    return inserted


def fail_always(session: Session, scope: TenantScope, key: str, now: datetime) -> int:
    _executions(f"{scope.tenant_id}:{key}")
    raise RuntimeError(f"unit {key} cannot be done")


CHARGES = register(
    Coordinator(
        name="jobs_test_charges",
        queue="billing",
        description="Test: one open position per customer",
        find_units=find_customer_units,
        run_unit=charge_customer,
        interval_seconds=60,
    )
)
MIRROR = register(
    Coordinator(
        name="jobs_test_mirror",
        queue="default",
        description="Test: the same units under another coordinator",
        find_units=find_customer_units,
        run_unit=charge_customer,
        interval_seconds=3600,
    )
)
FAILING = register(
    Coordinator(
        name="jobs_test_failing",
        queue="default",
        description="Test: every unit fails",
        find_units=find_customer_units,
        run_unit=fail_always,
        interval_seconds=60,
    )
)
TEST_COORDINATORS = [CHARGES, MIRROR, FAILING]


if __name__ == "__main__":
    from billing_console.cli import main

    sys.exit(main(sys.argv[1:]))
