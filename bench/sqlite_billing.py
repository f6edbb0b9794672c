"""Billing 10,000 subscriptions on the embedded SQLite default: open positions, then invoices.

The same work as `billing_engine` (one tenant, one monthly plan, every subscription due at once;
the coordinators find their units and run each in its own transaction, charging then the invoice
run), on a SQLite file in a temporary folder: what a self-hoster without PostgreSQL gets. It needs
no database server. Creating and migrating the file and inserting the customers and subscriptions
(through SQLAlchemy Core, so timestamps and money are stored exactly as the product stores them)
is not timed.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text
from sqlmodel import SQLModel

from backend.catalog.terms import PlanTerms
from backend.db import make_engine, unit_of_work
from backend.kit.repository import TenantScope
from backend.migrations import migrate_database
from backend.models import BillingTiming, IntervalUnit, TaxCategory
from bench import Measurement, register
from bench.billing_engine import DUE, bill_due


def _seed(engine: Engine, count: int) -> int:
    tables = SQLModel.metadata.tables
    with engine.begin() as conn:
        tenant_id = conn.execute(
            insert(tables["tenants"]).returning(tables["tenants"].c.id),
            {
                "slug": "bench-sqlite", "name": "Bench", "default_currency": "EUR",
                "time_zone": "Europe/Berlin", "issuer_legal_name": "Bench GmbH",
                "issuer_address": "Musterstrasse 1", "issuer_country": "DE",
                "issuer_vat_id": "DE123456789", "issuer_email": "b@bench.example",
                "payment_terms_days": 14, "settings": {}, "created_at": DUE,
            },
        ).scalar_one()  # fmt: skip
        plan_id = conn.execute(
            insert(tables["plans"]).returning(tables["plans"].c.id),
            {
                "tenant_id": tenant_id, "key": "web", "name": "Web hosting", "currency": "EUR",
                "base_price": Decimal("9.99"), "margin_percent": 0, "margin_fixed": Decimal(0),
                "tax_category": "standard", "interval_unit": "month", "interval_count": 1,
                "billing_timing": "advance", "allowed_options": {}, "included_credits": 0,
                "overage_price": Decimal(0), "rollover_cap": 0, "highlights": [], "created_at": DUE,
            },
        ).scalar_one()  # fmt: skip
        terms = PlanTerms(
            plan_id=plan_id, key="web", name="Web hosting", currency="EUR", price=Decimal("9.99"),
            tax_category=TaxCategory.STANDARD, interval_unit=IntervalUnit.MONTH, interval_count=1,
            billing_anchor_day=None, billing_timing=BillingTiming.ADVANCE, trial_days=0,
            minimum_commitment_days=0, notice_days=0, cancel_at_period_end=True,
        ).to_json()  # fmt: skip
        numbers = range(1, count + 1)
        conn.execute(
            insert(tables["customer_accounts"]),
            [
                {"tenant_id": tenant_id, "number": f"C{n}", "name": f"Customer {n}", "created_at": DUE}
                for n in numbers
            ],
        )
        accounts = conn.execute(
            select(tables["customer_accounts"].c.id).where(
                tables["customer_accounts"].c.tenant_id == tenant_id
            )
        ).scalars()
        ids = list(accounts)
        conn.execute(
            insert(tables["customer_profiles"]),
            [
                {
                    "tenant_id": tenant_id, "customer_account_id": i, "name": f"Customer {i}",
                    "customer_type": "private", "country": "DE", "email": f"c{i}@bench.example",
                    "billing_day": 1, "auto_billing": False, "created_at": DUE,
                }
                for i in ids
            ],
        )  # fmt: skip
        conn.execute(
            insert(tables["subscriptions"]),
            [
                {
                    "tenant_id": tenant_id, "number": f"SUB-{i}", "customer_account_id": i,
                    "plan_id": plan_id, "status": "active", "current_period_start": DUE,
                    "current_period_end": DUE, "next_billing_at": DUE, "options": {},
                    "plan_snapshot": terms, "started_at": DUE, "anchor_at": DUE, "period_index": 0,
                    "created_at": DUE,
                }
                for i in ids
            ],
        )  # fmt: skip
        conn.execute(text("ANALYZE"))
    return tenant_id


@register("sqlite_billing", default_rows=10_000)
def sqlite_billing(rows: int) -> Measurement:
    """Subscriptions due at once → open positions → invoices, on a SQLite file (no PostgreSQL)."""
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
        url = f"sqlite:///{Path(folder) / 'billing.db'}"
        migrate_database(url)
        engine = make_engine(url)
        tenant_id = _seed(engine, rows)
        units, positions, invoices, (started, charged, finished) = bill_due(engine, TenantScope(tenant_id))
        open_positions = SQLModel.metadata.tables["open_positions"]
        with unit_of_work(engine) as session:
            duplicates = session.execute(
                select(func.count()).select_from(
                    select(open_positions.c.subscription_id)
                    .where(open_positions.c.tenant_id == tenant_id)
                    .group_by(open_positions.c.subscription_id, open_positions.c.period_start)
                    .having(func.count() > 1)
                    .subquery()
                )
            ).scalar_one()
        engine.dispose()
    if positions != rows or invoices != rows or duplicates:
        raise RuntimeError(
            f"expected {rows} positions and invoices, got {positions}, {invoices}, {duplicates} dup"
        )
    return Measurement(
        rows=rows,
        seconds=finished - started,
        notes={
            "units": units,
            "charge_s": charged - started,
            "invoice_s": finished - charged,
            "duplicates": duplicates,
            "goal_s": 30,
        },
    )
