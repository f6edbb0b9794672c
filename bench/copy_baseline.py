"""The physical baseline: how fast PostgreSQL takes invoice-shaped rows through binary COPY.

One "row" is one issued invoice with two lines, written to the migrated `invoices` and
`invoice_lines` tables. Service-level benchmarks divide their rate by this one, measured in the
same run, to show how far the application is from what the database itself can take.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from backend.models.enums import CustomerType, InvoiceStatus, TaxCategory, TaxMode
from backend.money import MICROS
from bench import Measurement, register
from bench.pg import psycopg_conninfo, throwaway_database

CUSTOMERS = 1_000
LINES_PER_INVOICE = 2
# A fixed instant keeps runs comparable; the benchmark data never depends on the clock.
ISSUED_AT = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
DUE_AT = ISSUED_AT + timedelta(days=14)
PERIOD_END = datetime(2026, 2, 1, tzinfo=UTC)

INVOICE_COLUMNS = (
    "id, tenant_id, number, customer_account_id, status, currency, net, tax, gross, balance_due,"
    " tax_mode, tax_country, buyer_vat_id, tax_note, buyer_snapshot, issuer_snapshot, issued_at, due_at,"
    " pdf_storage_key, pdf_sha256, created_at"
)
INVOICE_TYPES = [
    "int8", "int8", "varchar", "int8", "varchar", "varchar", "int8", "int8", "int8", "int8",
    "varchar", "varchar", "varchar", "varchar", "json", "json", "timestamptz", "timestamptz",
    "varchar", "varchar", "timestamptz",
]  # fmt: skip
LINE_COLUMNS = (
    "tenant_id, invoice_id, position, description, period_start, period_end, quantity, unit_price,"
    " tax_category, tax_rate, net, tax, gross"
)
LINE_TYPES = [
    "int8", "int8", "int4", "varchar", "timestamptz", "timestamptz", "numeric", "int8",
    "varchar", "numeric", "int8", "int8", "int8",
]  # fmt: skip


def _micros(amount: str) -> int:
    """Money columns hold integer micros (backend.money.MoneyAmount)."""
    return int(Decimal(amount) * MICROS)


TAX_RATE = Decimal("19.0000")
# (description, quantity, unit price, net, tax, gross): the two lines add up to the invoice totals.
LINES = (
    ("Managed server M, January 2026", Decimal(1),
     _micros("80"), _micros("80"), _micros("15.2"), _micros("95.2")),
    ("Backup space 10 GB, January 2026", Decimal(2),
     _micros("10"), _micros("20"), _micros("3.8"), _micros("23.8")),
)  # fmt: skip
NET, TAX, GROSS = _micros("100"), _micros("19"), _micros("119")


def _create_tenant_and_customers(conn: psycopg.Connection) -> tuple[int, list[int]]:
    """Plain SQL set-up, not timed; a fresh slug lets the function run twice on one database."""
    tenant_id = conn.execute(
        "INSERT INTO tenants (slug, name, default_currency, time_zone, frontend_url, issuer_legal_name,"
        " issuer_address, issuer_country, issuer_vat_id, issuer_iban, issuer_bic, issuer_email,"
        " payment_terms_days, settings, created_at)"
        " VALUES (%s, 'Benchmark Hosting GmbH', 'EUR', 'Europe/Berlin', '', 'Benchmark Hosting GmbH',"
        " 'Musterstrasse 1, 10115 Berlin', 'DE', 'DE123456789', 'DE89370400440532013000', 'COBADEFFXXX',"
        " 'billing@bench.example', 14, '{}', %s) RETURNING id",
        [f"bench-{secrets.token_hex(4)}", ISSUED_AT],
    ).fetchone()[0]
    customer_ids = [
        row[0]
        for row in conn.execute(
            "INSERT INTO customer_accounts (tenant_id, number, name, customer_type, created_at)"
            " SELECT %s, 'C' || lpad(n::text, 6, '0'), 'Customer ' || n, %s, %s"
            " FROM generate_series(1, %s) AS n RETURNING id",
            [tenant_id, CustomerType.BUSINESS.value, ISSUED_AT, CUSTOMERS],
        )
    ]
    return tenant_id, customer_ids


def _reserve_ids(conn: psycopg.Connection, table: str, count: int) -> int:
    """Take one block of `count` ids from the table's sequence and return the first one.

    COPY cannot return generated ids, so the invoice ids the lines refer to are reserved up front,
    as a bulk loader would. Nothing else writes to a throwaway database meanwhile.
    """
    last = conn.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
        [table, table, count],
    ).fetchone()[0]
    return last - count + 1


def _invoice_rows(tenant_id: int, customer_ids: list[int], first_id: int, count: int) -> Iterator[tuple]:
    buyer = {"name": "Customer", "country": "DE", "address": "Hauptstrasse 5, 80331 Muenchen"}
    issuer = {"name": "Benchmark Hosting GmbH", "country": "DE", "vat_id": "DE123456789"}
    for offset in range(count):
        yield (
            first_id + offset, tenant_id, f"INV-2026-{offset + 1:07d}",
            customer_ids[offset % len(customer_ids)], InvoiceStatus.ISSUED.value, "EUR",
            NET, TAX, GROSS, GROSS, TaxMode.DOMESTIC.value, "DE", "", "", buyer, issuer,
            ISSUED_AT, DUE_AT, "", "", ISSUED_AT,
        )  # fmt: skip


def _line_rows(tenant_id: int, first_id: int, count: int) -> Iterator[tuple]:
    category = TaxCategory.STANDARD.value
    for invoice_id in range(first_id, first_id + count):
        for position, (description, quantity, unit_price, net, tax, gross) in enumerate(LINES, start=1):
            yield (
                tenant_id, invoice_id, position, description, ISSUED_AT, PERIOD_END, quantity, unit_price,
                category, TAX_RATE, net, tax, gross,
            )  # fmt: skip


def _copy(cur: psycopg.Cursor, table: str, columns: str, types: list[str], rows: Iterator[tuple]) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def measure_copy_baseline(conninfo: str, invoices: int) -> dict[str, Any]:
    """COPY `invoices` issued invoices with two lines each into a migrated database and time it.

    The time covers reserving ids, producing the tuples, both COPYs and the commit; the tenant and
    customer set-up before it is not timed. `rows_per_s` counts invoices (each with its lines).
    """
    with psycopg.connect(conninfo) as conn:
        tenant_id, customer_ids = _create_tenant_and_customers(conn)
        conn.commit()
        started = time.perf_counter()
        first_id = _reserve_ids(conn, "invoices", invoices)
        with conn.cursor() as cur:
            _copy(
                cur,
                "invoices",
                INVOICE_COLUMNS,
                INVOICE_TYPES,
                _invoice_rows(tenant_id, customer_ids, first_id, invoices),
            )
            _copy(cur, "invoice_lines", LINE_COLUMNS, LINE_TYPES, _line_rows(tenant_id, first_id, invoices))
        conn.commit()
        seconds = time.perf_counter() - started
    return {
        "invoices": invoices,
        "lines": invoices * LINES_PER_INVOICE,
        "seconds": seconds,
        "rows_per_s": invoices / seconds,
    }


@register("copy_baseline", default_rows=100_000)
def copy_baseline(rows: int) -> Measurement:
    """Binary COPY of issued invoices (2 lines each) into a freshly migrated throwaway database."""
    with throwaway_database() as url:
        figures = measure_copy_baseline(psycopg_conninfo(url), rows)
    return Measurement(
        rows=figures["invoices"],
        seconds=figures["seconds"],
        notes={
            "lines": figures["lines"],
            "table_rows_per_s": (figures["invoices"] + figures["lines"]) / figures["seconds"],
        },
    )
