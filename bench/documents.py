"""Invoice documents: one-page render time, the worker's memory, and 1 vs 2 RQ workers.

- `p50_ms`: one one-page invoice as HTML -> PDF/A-3b -> Factur-X embedded, in this process, with
  factur-x's XSD check off (drafthorse still builds the XML against its schema); goal <= 100 ms.
  `p50_cpu_ms` is its CPU time (comparable on a busy machine), `p50_checked_ms` the wall time as
  deployed (factur-x's XSD check on). `load_1min` says how busy the machine was.
- `worker_rss_mb`: the peak RSS of a worker process rendering documents; goal <= 250 MB.
- `two_to_one_ratio`: N issued invoices (one line each, in a throwaway database) rendered by the
  `document_rendering` unit jobs with 1, then 2 burst workers; goal >= 1.7. The invoices' ids are
  spread over at least four units (id ranges of 500), so a small N (`--rows 40`) keeps both workers
  busy too; 1,000 is the default.
Set-up (database, invoices, queued jobs) is not timed; worker start-up is.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psutil
from redis import Redis
from sqlalchemy import func, insert, select

from backend import clock
from backend.db import make_engine, unit_of_work
from backend.documents import rendering
from backend.documents.content import invoice_content
from backend.documents.tasks import DOCUMENT_RENDERING
from backend.kit.coordination import BUCKET_SIZE
from backend.kit.repository import TenantScope
from backend.models import CustomerAccount, Invoice, InvoiceLine, InvoiceStatus, Tenant
from bench import Measurement, register
from bench.pg import throwaway_database
from jobs import dispatch

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
ISSUED = datetime(2027, 2, 1, 9, tzinfo=UTC)
SHOWN = {"language": "en", "time_zone": "Europe/Berlin", "color": "#1f4e79", "logo": ""}
ISSUER = {
    "legal_name": "Bench Hosting GmbH",
    "address": "Musterstrasse 1\n10115 Berlin",
    "country": "DE",
    "vat_id": "DE123456789",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
    "email": "billing@bench.example",
}
BUYER = {
    "name": "Erika Muster",
    "address_line1": "Weg 2",
    "postal_code": "80331",
    "city": "München",
    "country": "DE",
}


def _invoice_row(tenant_id: int, customer_id: int, n: int) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "number": f"INV-2027-{n:05d}",
        "customer_account_id": customer_id,
        "status": InvoiceStatus.ISSUED,
        "currency": "EUR",
        "net": Decimal("9.99"),
        "tax": Decimal("1.90"),
        "gross": Decimal("11.89"),
        "balance_due": Decimal("11.89"),
        "tax_country": "DE",
        "buyer_country": "DE",
        "buyer_snapshot": BUYER,
        "issuer_snapshot": {**ISSUER, "document": SHOWN},
        "issued_at": ISSUED,
        "due_at": ISSUED + timedelta(days=14),
        "created_at": ISSUED,
    }


def _line_row(tenant_id: int, invoice_id: int) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "invoice_id": invoice_id,
        "position": 1,
        "description": "Web hosting (monthly)",
        "period_start": ISSUED - timedelta(days=31),
        "period_end": ISSUED,
        "quantity": Decimal(1),
        "unit_price": Decimal("9.99"),
        "tax_rate": Decimal(19),
        "net": Decimal("9.99"),
        "tax": Decimal("1.90"),
        "gross": Decimal("11.89"),
    }


def _one_page_ms(samples: int) -> tuple[float, float, float]:
    """p50 of rendering one one-page invoice (in-memory rows): wall time with the XSD check off,
    CPU time of the same (what the render costs whatever else the machine runs), and wall time
    with the check on."""
    invoice = Invoice(**_invoice_row(1, 1, 1))
    line = InvoiceLine(**_line_row(1, 1))
    content = invoice_content(invoice, [line], "C-00001", SHOWN)
    rendering.render_pdf(content, check_xsd=False)  # warm: imports, fonts, templates
    wall: dict[bool, list[float]] = {False: [], True: []}
    cpu: list[float] = []
    for checked in (False, True):
        for _ in range(samples):
            started, started_cpu = time.perf_counter(), time.process_time()
            rendering.render_pdf(content, check_xsd=checked)
            wall[checked].append((time.perf_counter() - started) * 1000)
            if not checked:
                cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall[False]), statistics.median(cpu), statistics.median(wall[True])


def _seed(url: str, count: int) -> int:
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        tenant = Tenant(slug=f"bench-docs-{os.getpid()}", name="Bench", settings={})
        session.add(tenant)
        session.flush()
        assert tenant.id is not None
        customer = CustomerAccount(tenant_id=tenant.id, number="C-00001", name="Erika Muster")
        session.add(customer)
        session.flush()
        assert customer.id is not None
        ids = _spread_ids(count)
        rows = [_invoice_row(tenant.id, customer.id, n) | {"id": i} for n, i in enumerate(ids, start=1)]
        session.execute(insert(Invoice), rows)
        session.execute(insert(InvoiceLine), [_line_row(tenant.id, i) for i in ids])
        tenant_id = tenant.id
    engine.dispose()
    return tenant_id


def _spread_ids(count: int) -> list[int]:
    """Invoice ids spread evenly over at least four units of 500 ids, so two workers have balanced
    work even for a small `count` (1,000 consecutive ids would fill units of 500, 500 and a few)."""
    units = max(4, -(-count // BUCKET_SIZE))
    per_unit = -(-count // units)
    return [BUCKET_SIZE * (1 + n // per_unit) + n % per_unit for n in range(count)]


def _render_with_workers(count: int, workers: int) -> tuple[float, int, float]:
    """Seconds until `workers` burst workers rendered every document, how many have one, and the
    peak RSS (MB) of one worker process."""
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    with throwaway_database() as url, tempfile.TemporaryDirectory() as storage:
        tenant_id = _seed(url, count)
        engine = make_engine(url)
        with unit_of_work(engine) as session:
            keys = DOCUMENT_RENDERING.find_units(session, TenantScope(tenant_id), clock.now())
        for key in keys:
            dispatch.enqueue_unit(redis, DOCUMENT_RENDERING, tenant_id, key)
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "DOCUMENT_STORAGE_PATH": storage}
        command = [sys.executable, "-m", "billing_console.cli", "worker", "--burst", "--queues", "documents"]
        started = time.perf_counter()
        processes = [
            subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(workers)
        ]
        peak = 0.0
        while any(process.poll() is None for process in processes):
            peak = max(peak, *(_tree_rss_mb(process.pid) for process in processes))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        if any(process.returncode != 0 for process in processes):
            raise RuntimeError("a worker failed")
        with unit_of_work(engine) as session:
            rendered = session.scalar(
                select(func.count()).where(Invoice.tenant_id == tenant_id, Invoice.pdf_sha256 != "")
            )
        engine.dispose()
    redis.flushdb()
    return seconds, int(rendered or 0), peak


def _tree_rss_mb(pid: int) -> float:
    """RSS of a worker and any process it started (the warm worker renders in its own process)."""
    try:
        process = psutil.Process(pid)
        children = process.children(recursive=True)
        return max([process.memory_info().rss, *(child.memory_info().rss for child in children)]) / 2**20
    except psutil.Error:
        return 0.0


@register("documents", default_rows=1_000)
def documents(rows: int) -> Measurement:
    """Invoice PDFs: ms per one-page invoice with Factur-X, worker RSS, 1 vs 2 RQ workers."""
    p50, p50_cpu, p50_checked = _one_page_ms(min(rows, 50))
    one = _render_with_workers(rows, 1)
    two = _render_with_workers(rows, 2)
    for _, rendered, _ in (one, two):
        if rendered != rows:
            raise RuntimeError(f"expected {rows} documents, {rendered} were rendered")
    return Measurement(
        rows=rows,
        seconds=two[0],
        notes={
            "p50_ms": p50,
            "p50_cpu_ms": p50_cpu,
            "p50_checked_ms": p50_checked,
            "worker_rss_mb": max(one[2], two[2]),
            "one_worker_s": one[0],
            "two_workers_s": two[0],
            "two_to_one_ratio": one[0] / two[0],
            "load_1min": os.getloadavg()[0],
        },
    )
