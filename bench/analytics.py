"""The revenue page on a large tenant: each chart query's p50, the page's data, its state size.

Set-up (plain SQL, not timed): one tenant with `rows` invoices (default 1,000,000) over two years,
rows / 10 subscriptions on four plans (monthly, yearly, weekly, hourly; 30 % canceled, 10 % with a
trial, 20 % with an addon), half as many customers, credit notes for the void invoices and 1 % of
the paid ones, a payment per paid invoice, refunds, disputes and a payout a day. Timed: each
aggregate query of the page for the last twelve months (p50 of 5 runs after one warm-up), then the
whole report as the page loads it. The state size is the JSON of the report plus its plotly figures.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg

from backend import clock
from backend.db import make_engine, unit_of_work
from backend.invoicing import daily_rollup
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.reporting import revenue
from backend.reporting.analytics.repository import RevenueFigures, TurnoverCell
from backend.reporting.mrr.repository import MrrFigures
from backend.reporting.revenue import Snapshots, bounds
from backend.reporting.revenue_schemas import RevenueQuery, RevenueReport
from bench import Measurement, register
from bench.pg import psycopg_conninfo, throwaway_database
from billing_console.components import revenue_charts as charts

NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
QUERY = RevenueQuery("EUR", date(2026, 2, 1), date(2027, 1, 15), "month")
RUNS = 5
STATE_GOAL_BYTES = 100 * 1024
# (key, price in micros, interval unit)
PLANS = (("monthly", 9_990_000, "month"), ("yearly", 99_000_000, "year"), ("weekly", 2_500_000, "week"),
         ("hourly", 20_000, "hour"))  # fmt: skip


def _seed(conninfo: str, rows: int) -> int:
    subscriptions, customers = max(rows // 10, 4), max(rows // 20, 2)
    with psycopg.connect(conninfo) as conn:
        tenant_id = conn.execute(
            "INSERT INTO tenants (slug, name, default_currency, time_zone, frontend_url, issuer_legal_name,"
            " issuer_address, issuer_country, issuer_vat_id, issuer_iban, issuer_bic, issuer_email,"
            " payment_terms_days, settings, created_at) VALUES ('analytics', 'Bench', 'EUR', 'UTC', '',"
            " 'Bench GmbH', '', 'DE', '', '', '', 'b@bench.example', 14, '{}', %s) RETURNING id",
            [NOW],
        ).fetchone()[0]
        plan_ids, snapshots = [], []
        for key, price, unit in PLANS:
            plan_ids.append(
                conn.execute(
                    "INSERT INTO plans (tenant_id, key, name, description, currency, base_price,"
                    " margin_percent, margin_fixed, tax_category, interval_unit, interval_count,"
                    " billing_timing, trial_days, minimum_commitment_days, notice_days, cancel_at_period_end,"
                    " allowed_options, included_credits, overage_price, rollover_cap, highlights, sort_order,"
                    " active, created_at) VALUES (%s, %s, %s, '', 'EUR', %s, 0, 0, 'standard', %s, 1,"
                    " 'advance', 0, 0, 0, true, '{}', 0, 0, 0, '[]', 0, true, %s) RETURNING id",
                    [tenant_id, key, key.title(), price, unit, NOW],
                ).fetchone()[0]
            )
            snapshots.append(
                json.dumps(
                    {
                        "plan_id": plan_ids[-1],
                        "key": key,
                        "name": key.title(),
                        "currency": "EUR",
                        "price": str(Decimal(price).scaleb(-6)),
                        "interval_unit": unit,
                        "interval_count": 1,
                    }
                )
            )
        addon_id = conn.execute(
            "INSERT INTO addons (tenant_id, key, name, description, currency, price, tax_category,"
            " interval_unit, interval_count, active, created_at) VALUES (%s, 'backup', 'Backup', '', 'EUR',"
            " 2000000, 'standard', 'month', 1, true, %s) RETURNING id",
            [tenant_id, NOW],
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO customer_accounts (tenant_id, number, name, customer_type, created_at)"
            " SELECT %s, 'C' || n, 'Customer ' || n, 'private', %s FROM generate_series(1, %s::bigint) n",
            [tenant_id, NOW, customers],
        )
        first = conn.execute(
            "SELECT min(id) FROM customer_accounts WHERE tenant_id = %s", [tenant_id]
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO subscriptions (tenant_id, number, customer_account_id, plan_id, status, options,"
            " plan_snapshot, started_at, trial_end, canceled_at, period_index, created_at)"
            " SELECT %(t)s, 'SUB-' || n, %(first)s + n %% %(customers)s, (%(plans)s::bigint[])[1 + n %% 4],"
            " CASE WHEN n %% 10 < 3 THEN 'canceled' ELSE 'active' END, '{}',"
            " ((%(snaps)s::text[])[1 + n %% 4])::json, s.start,"
            " CASE WHEN n %% 10 = 5 THEN s.start + interval '14 days' END,"
            " CASE WHEN n %% 10 < 3 THEN s.start + ((n * 7919) %% 600) * interval '1 day' END, 0, s.start"
            " FROM generate_series(1, %(subs)s::bigint) n,"
            " LATERAL (SELECT %(now)s - ((n * 104729) %% 1095) * interval '1 day' AS start) s",
            {"t": tenant_id, "first": first, "customers": customers, "plans": plan_ids, "snaps": snapshots,
             "subs": subscriptions, "now": NOW},
        )  # fmt: skip
        conn.execute(
            "INSERT INTO subscription_addons (tenant_id, subscription_id, addon_id, quantity, added_at)"
            " SELECT tenant_id, id, %s, 1 + id %% 3, started_at + interval '30 days' FROM subscriptions"
            " WHERE tenant_id = %s AND id %% 5 = 0",
            [addon_id, tenant_id],
        )
        conn.execute(
            "INSERT INTO invoices (tenant_id, number, customer_account_id, status, currency, net, tax, gross,"
            " balance_due, tax_mode, tax_country, buyer_country, buyer_vat_id, tax_note, buyer_snapshot,"
            " issuer_snapshot, issued_at, due_at, paid_at, dunning_level, payment_attempts, pdf_storage_key,"
            " pdf_sha256, created_at)"
            " SELECT %(t)s, CASE WHEN k < 2 THEN NULL ELSE 'INV-' || n END, %(first)s + n %% %(customers)s,"
            " st.status, 'EUR', v.net, v.net * 19 / 100, v.net + v.net * 19 / 100,"
            " CASE WHEN st.status IN ('issued', 'overdue') THEN v.net + v.net * 19 / 100 ELSE 0 END,"
            " (ARRAY['domestic', 'reverse_charge', 'eu_b2c', 'outside_eu'])[1 + n %% 4], 'DE',"
            " (ARRAY['DE', 'AT', 'FR', 'NL', 'SE', 'IT', 'ES', 'US'])[1 + n %% 8], '', '', '{}', '{}',"
            " CASE WHEN k < 2 THEN NULL ELSE v.issued END, v.issued + interval '14 days',"
            " CASE WHEN st.status = 'paid' THEN v.issued + interval '3 days' END, 0, 0, '', '', v.issued"
            " FROM generate_series(1, %(rows)s::bigint) n,"
            " LATERAL (SELECT n %% 100 AS k) kk,"
            " LATERAL (SELECT 1000000 * (5 + n %% 200) AS net,"
            "   %(now)s - ((n * 7919) %% 730) * interval '1 day'"
            "   - (n %% 86400) * interval '1 second' AS issued) v,"
            " LATERAL (SELECT CASE WHEN k < 2 THEN 'draft' WHEN k < 5 THEN 'void' WHEN k < 10 THEN 'issued'"
            "   WHEN k < 15 THEN 'overdue' ELSE 'paid' END AS status) st",
            {"t": tenant_id, "first": first, "customers": customers, "rows": rows, "now": NOW},
        )  # fmt: skip
        conn.execute(
            "INSERT INTO credit_notes (tenant_id, invoice_id, number, reason, currency, net, tax, gross,"
            " refund_amount, issued_at, pdf_storage_key, pdf_sha256, created_at)"
            " SELECT tenant_id, id, number || '-CN1', '', currency,"
            " CASE WHEN status = 'void' THEN net ELSE net / 10 END,"
            " CASE WHEN status = 'void' THEN tax ELSE tax / 10 END,"
            " CASE WHEN status = 'void' THEN gross ELSE net / 10 + tax / 10 END, 0,"
            " issued_at + interval '2 days', '', '', issued_at FROM invoices"
            " WHERE tenant_id = %s AND (status = 'void' OR (status = 'paid' AND id %% 100 = 17))",
            [tenant_id],
        )
        conn.execute(
            "INSERT INTO payments (tenant_id, invoice_id, customer_account_id, processor, external_id,"
            " idempotency_key, amount, currency, status, attempt, kind, checkout_url, refunded_amount,"
            " failure_code, note, failure_reason, succeeded_at, created_at)"
            " SELECT tenant_id, id, customer_account_id, 'stripe', 'pi_' || id, 'k' || id, gross, currency,"
            " 'succeeded', 1, 'checkout', '', 0, '', '', '', paid_at, paid_at FROM invoices"
            " WHERE tenant_id = %s AND status = 'paid'",
            [tenant_id],
        )
        conn.execute(
            "INSERT INTO refunds (tenant_id, payment_id, external_id, idempotency_key, amount, currency,"
            " status, reason, origin, created_at) SELECT tenant_id, id, 're_' || id, 're' || id, amount / 4,"
            " currency, 'succeeded', '', 'admin', succeeded_at + interval '5 days' FROM payments"
            " WHERE tenant_id = %s AND id %% 100 = 3",
            [tenant_id],
        )
        conn.execute(
            "INSERT INTO disputes (tenant_id, processor, external_id, payment_id, invoice_id, charge_ref,"
            " amount, currency, reason, status, opened_at, closed_at) SELECT tenant_id, 'stripe',"
            " 'dp_' || id, id, invoice_id, '', amount, currency, 'fraudulent',"
            " CASE WHEN id %% 1000 = 7 THEN 'lost' ELSE 'needs_response' END,"
            " succeeded_at + interval '10 days',"
            " CASE WHEN id %% 1000 = 7 THEN succeeded_at + interval '40 days' END FROM payments"
            " WHERE tenant_id = %s AND id %% 500 = 7",
            [tenant_id],
        )
        conn.execute(
            "INSERT INTO payouts (tenant_id, processor, external_id, amount, currency, status,"
            " failure_message, arrival_at, created_at) SELECT %s, 'stripe', 'po_' || d, 1000000000, 'EUR',"
            " CASE WHEN d %% 50 = 0 THEN 'failed' ELSE 'paid' END, '', %s - d * interval '1 day',"
            " %s - d * interval '1 day' FROM generate_series(1, 730) d",
            [tenant_id, NOW, NOW],
        )
        conn.execute("ANALYZE")
    return tenant_id


def _p50(run: Callable[[], Any]) -> float:
    run()  # warm-up: plans cached, pages in memory
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _cell_key(cell: TurnoverCell) -> tuple[str, str, str]:
    return (cell.bucket, cell.country, cell.tax_mode)


def state_bytes(report: RevenueReport) -> int:
    """The JSON of what `RevenueState` holds after loading: the report and its plotly figures."""
    c, figures = (
        report.currency,
        [
            charts.turnover_figure(report.turnover, report.currency),
            charts.mrr_figure(report.mrr, report.currency),
            charts.churn_figure(report.mrr),
            charts.share_figure(report.by_plan, report.currency),
            charts.share_figure(report.by_country, report.currency),
            charts.share_figure(report.by_tax_mode, report.currency),
            charts.share_figure(report.receivables, report.currency),
            charts.volume_figure(report.volume, report.currency),
        ],
    )
    payload = json.dumps({"report": asdict(report), "currency": c}, separators=(",", ":"))
    return len(payload.encode()) + sum(len(f.to_json().encode()) for f in figures)


@register("analytics", default_rows=1_000_000)
def analytics(rows: int) -> Measurement:
    """The revenue page's queries on `rows` invoices and rows / 10 subscriptions, on PostgreSQL."""
    with throwaway_database() as url:
        tenant_id = _seed(psycopg_conninfo(url), rows)
        engine = make_engine(url)
        scope, admin = TenantScope(tenant_id), Actor.admin(tenant_id)
        start, end = bounds(QUERY)
        notes: dict[str, float | int] = {}
        with clock.frozen(NOW), unit_of_work(engine) as session:
            # Before the rollup: turnover from the documents alone, the reference for the check below.
            raw = RevenueFigures(session, scope)
            notes["turnover_month_raw_p50_ms"] = round(
                _p50(lambda: raw.turnover_cube("EUR", start, end, "month")), 1
            )
            expected = sorted(raw.turnover_cube("EUR", start, end, "month"), key=_cell_key)
        with clock.frozen(NOW), unit_of_work(engine) as session:
            # What the hourly job would have done by NOW (not timed as a query): every closed day.
            started = time.perf_counter()
            notes["rollup_days"] = daily_rollup.roll_up_closed_days(session, scope, NOW)
            session.commit()
            notes["rollup_fill_s"] = round(time.perf_counter() - started, 1)
        with clock.frozen(NOW), unit_of_work(engine) as session:
            figures, mrr = RevenueFigures(session, scope), MrrFigures(session, scope)
            snapshots = Snapshots.of(QUERY.first_day, QUERY.last_day, NOW)
            queries: dict[str, Callable[[], Any]] = {
                # turnover by month (or week), by country and by tax mode: one statement
                "turnover_month": lambda: figures.turnover_cube("EUR", start, end, "month"),
                "turnover_week": lambda: figures.turnover_cube("EUR", start, end, "week"),
                "mrr_movement": lambda: mrr.mrr_movement("EUR", snapshots.instants),
                "mrr_by_plan": lambda: mrr.mrr_by_plan("EUR", snapshots.instants[-1]),
                "receivables": lambda: figures.receivables("EUR", NOW),
                "volume": lambda: figures.volume("EUR", start, end),
            }
            for name, run in queries.items():
                notes[f"{name}_p50_ms"] = round(_p50(run), 1)
            rolled = sorted(figures.turnover_cube("EUR", start, end, "month"), key=_cell_key)
            assert rolled == expected, "turnover read through the rollup differs from the documents' own"
            report = revenue.revenue_report(session, scope, admin, QUERY)
            page_ms = _p50(lambda: revenue.revenue_report(session, scope, admin, QUERY))
            size = state_bytes(report)
        engine.dispose()
    notes.update(
        {
            "page_p50_ms": round(page_ms, 1),
            "state_kb": round(size / 1024, 1),
            "state_vs_goal": round(size / STATE_GOAL_BYTES, 3),
            "slowest_query_ms": max(
                v for k, v in notes.items() if k.endswith("_p50_ms") and not k.endswith("_raw_p50_ms")
            ),
            "subscriptions": max(rows // 10, 4),
        }
    )
    return Measurement(rows=rows, seconds=page_ms / 1000, notes=notes)
