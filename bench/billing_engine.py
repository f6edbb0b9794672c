"""Billing 100,000 subscriptions that fall due at once: open positions, then accumulated invoices.

Set-up (tenant, plan, customers with billing profiles, due subscriptions) is plain SQL and not
timed. The clock covers what the coordinators do in production: find the due units, then run
each unit in its own transaction, first subscription billing, then the invoice run.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
from sqlalchemy import Engine, text

from backend.billing import tasks as billing_tasks
from backend.catalog.terms import PlanTerms
from backend.db import make_engine, unit_of_work
from backend.invoicing import tasks as invoicing_tasks
from backend.kit.repository import TenantScope
from backend.models import BillingTiming, IntervalUnit, TaxCategory
from bench import Measurement, register
from bench.copy_baseline import measure_copy_baseline
from bench.pg import psycopg_conninfo, throwaway_database

DUE = datetime(2027, 3, 1, 5, 0, tzinfo=UTC)  # 06:00 in Berlin on the 1st: everyone's billing day
NOW = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)


def _seed(conninfo: str, count: int, due: datetime = DUE, billing_day: int = 1) -> int:
    with psycopg.connect(conninfo) as conn:
        tenant_id = conn.execute(
            "INSERT INTO tenants (slug, name, default_currency, time_zone, frontend_url, issuer_legal_name,"
            " issuer_address, issuer_country, issuer_vat_id, issuer_iban, issuer_bic, issuer_email,"
            " payment_terms_days, settings, created_at) VALUES (%s, 'Bench', 'EUR', 'Europe/Berlin', '',"
            " 'Bench GmbH', 'Musterstrasse 1', 'DE', 'DE123456789', '', '', 'b@bench.example', 14, '{}', %s)"
            " RETURNING id",
            [f"bench-{secrets.token_hex(4)}", due],
        ).fetchone()[0]
        plan_id = conn.execute(
            "INSERT INTO plans (tenant_id, key, name, description, currency, base_price, margin_percent,"
            " margin_fixed, tax_category, interval_unit, interval_count, billing_timing, trial_days,"
            " minimum_commitment_days, notice_days, cancel_at_period_end, allowed_options, included_credits,"
            " overage_price, rollover_cap, highlights, sort_order, active, created_at) VALUES (%s, 'web',"
            " 'Web hosting', '', 'EUR', 9990000, 0, 0, 'standard', 'month', 1, 'advance', 0, 0, 0, true,"
            " '{}', 0, 0, 0, '[]', 0, true, %s) RETURNING id",
            [tenant_id, due],
        ).fetchone()[0]
        terms = PlanTerms(
            plan_id=plan_id, key="web", name="Web hosting", currency="EUR", price=Decimal("9.99"),
            tax_category=TaxCategory.STANDARD, interval_unit=IntervalUnit.MONTH, interval_count=1,
            billing_anchor_day=None, billing_timing=BillingTiming.ADVANCE, trial_days=0,
            minimum_commitment_days=0, notice_days=0, cancel_at_period_end=True,
        )  # fmt: skip
        conn.execute(
            "INSERT INTO customer_accounts (tenant_id, number, name, customer_type, created_at)"
            " SELECT %s, 'C' || n, 'Customer ' || n, 'private', %s FROM generate_series(1, %s) n",
            [tenant_id, due, count],
        )
        conn.execute(
            "INSERT INTO customer_profiles (tenant_id, customer_account_id, name, company_name,"
            " customer_type, address_line1, address_line2, postal_code, city, country, email, phone,"
            " vat_id, vat_id_status,"
            " vat_id_source, billing_day, payment_customer_ref, default_payment_method_ref, auto_billing,"
            " created_at) SELECT tenant_id, id, name, '', 'private', '', '', '', '', 'DE', 'c' || id ||"
            " '@bench.example', '', '', 'unchecked', '', %s, '', '', false, created_at"
            " FROM customer_accounts WHERE tenant_id = %s",
            [billing_day, tenant_id],
        )
        conn.execute(
            "INSERT INTO subscriptions (tenant_id, number, customer_account_id, plan_id, status,"
            " current_period_start, current_period_end, next_billing_at, options, plan_snapshot, started_at,"
            " anchor_at, period_index, created_at) SELECT tenant_id, 'SUB-' || id, id, %s, 'active', %s, %s,"
            " %s, '{}', %s, %s, %s, 0, %s FROM customer_accounts WHERE tenant_id = %s",
            [plan_id, due, due, due, json.dumps(terms.to_json()), due, due, due, tenant_id],
        )
        conn.execute("ANALYZE")
    return tenant_id


def _run_coordinator(engine, scope: TenantScope, find, run) -> tuple[int, int]:
    with unit_of_work(engine) as session:
        keys = find(session, scope, NOW)
    changed = 0
    for key in keys:
        with unit_of_work(engine) as session:
            changed += run(session, scope, key, NOW)
    return len(keys), changed


def bill_due(engine: Engine, scope: TenantScope) -> tuple[int, int, int, tuple[float, float, float]]:
    """Charging, then the invoice run, as the coordinators do: units, positions and invoices made,
    and the perf_counter at the start, after charging and at the end."""
    started = time.perf_counter()
    units, positions = _run_coordinator(
        engine, scope, billing_tasks.find_billing_units, billing_tasks.run_billing_unit
    )
    charged = time.perf_counter()
    _, invoices = _run_coordinator(
        engine, scope, invoicing_tasks.find_invoice_run_units, invoicing_tasks.run_invoice_run_unit
    )
    return units, positions, invoices, (started, charged, time.perf_counter())


@register("billing_engine", default_rows=100_000)
def billing_engine(rows: int) -> Measurement:
    """Subscriptions due at once → open positions → accumulated invoices, on PostgreSQL."""
    with throwaway_database() as url:
        baseline = measure_copy_baseline(psycopg_conninfo(url), rows)
    with throwaway_database() as url:
        tenant_id = _seed(psycopg_conninfo(url), rows)
        engine = make_engine(url)
        units, positions, invoices, (started, charged, finished) = bill_due(engine, TenantScope(tenant_id))
        with unit_of_work(engine) as session:
            duplicates = session.execute(
                text(
                    "SELECT count(*) FROM (SELECT subscription_id, period_start FROM open_positions"
                    " WHERE tenant_id = :t GROUP BY 1, 2 HAVING count(*) > 1) d"
                ),
                {"t": tenant_id},
            ).scalar_one()
        engine.dispose()
    if positions != rows or invoices != rows or duplicates:
        raise RuntimeError(
            f"expected {rows} positions and invoices, got {positions}, {invoices}, {duplicates} dup"
        )
    seconds = finished - started
    return Measurement(
        rows=rows,
        seconds=seconds,
        notes={
            "units": units,
            "charge_s": charged - started,
            "invoice_s": finished - charged,
            "copy_baseline_invoices_per_s": float(baseline["rows_per_s"]),
            "ratio_to_copy": (rows / seconds) / baseline["rows_per_s"],
            "duplicates": duplicates,
        },
    )
