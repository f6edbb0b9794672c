"""Signed Stripe webhook events per second on one web process, with 10 % duplicates.

Set-up (not timed): a throwaway PostgreSQL database with one tenant, one customer and `rows` issued
invoices of 11.89 EUR, each with the pending Checkout payment the console writes before it sends the
customer to Stripe; then the API (backend.api.app, the routes the console serves) in ONE uvicorn
process, with the deployment's Stripe webhook secret and the job layer bound to a real Redis, as the
console's web process has it.

Timed: `rows` `checkout.session.completed` events, plus 10 % of them sent again (Stripe's retries),
shuffled, each signed with the real scheme at sending time, posted by `CLIENTS` concurrent clients
to `POST /api/webhooks/stripe`. Notes: events/s (all deliveries, duplicates included), p50 and p99
latency in ms (goals: >= 500 events/s, p99 <= 50 ms). The route stores each event and queues its
handling; then `WORKERS` worker processes (`billing-console worker --burst --queues payments`) handle
the queue, timed separately: `handled_per_s` (events handled per second, worker start-up included).
Counted in the database afterwards: `double_payments`, receipts recorded on the invoices beyond one
per invoice (goal 0), and `unpaid_invoices` (goal 0).
"""

from __future__ import annotations

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import stripe
from redis import Redis
from sqlalchemy import func, insert, select

from backend.db import make_engine, unit_of_work
from backend.models import (
    AuditLogEntry,
    CustomerAccount,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentProcessor,
    PaymentStatus,
    Tenant,
)
from bench import Measurement, register
from bench.pg import throwaway_database

SECRET = "whsec_bench_webhooks"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")  # flushed before and after
CLIENTS = 8
WORKERS = 2
DUPLICATE_SHARE = 0.10
ISSUED = datetime(2027, 2, 1, 9, tzinfo=UTC)
GROSS = Decimal("11.89")


def _seed(url: str, count: int) -> tuple[int, list[tuple[int, int]]]:
    """The tenant and (invoice id, payment id) of each invoice waiting for its card payment."""
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        tenant = Tenant(slug=f"bench-hooks-{os.getpid()}", name="Bench", settings={})
        session.add(tenant)
        session.flush()
        customer = CustomerAccount(tenant_id=tenant.id, number="C-00001", name="Erika Muster")
        session.add(customer)
        session.flush()
        invoices = [
            {
                "tenant_id": tenant.id,
                "number": f"INV-2027-{n:05d}",
                "customer_account_id": customer.id,
                "status": InvoiceStatus.ISSUED,
                "currency": "EUR",
                "net": Decimal("9.99"),
                "tax": Decimal("1.90"),
                "gross": GROSS,
                "balance_due": GROSS,
                "tax_country": "DE",
                "buyer_country": "DE",
                "buyer_snapshot": {},
                "issuer_snapshot": {},
                "issued_at": ISSUED,
                "due_at": ISSUED + timedelta(days=14),
                "created_at": ISSUED,
            }
            for n in range(1, count + 1)
        ]
        invoice_ids = list(session.scalars(insert(Invoice).returning(Invoice.id), invoices))
        payments = [
            {
                "tenant_id": tenant.id,
                "invoice_id": invoice_id,
                "customer_account_id": customer.id,
                "processor": PaymentProcessor.STRIPE,
                "external_id": f"cs_bench_{invoice_id}",
                "idempotency_key": f"checkout:{invoice_id}:1",
                "amount": GROSS,
                "currency": "EUR",
                "status": PaymentStatus.PENDING,
                "kind": "checkout",
                "created_at": ISSUED,
            }
            for invoice_id in invoice_ids
        ]
        payment_ids = list(session.scalars(insert(Payment).returning(Payment.id), payments))
        tenant_id = int(tenant.id or 0)
    engine.dispose()
    return tenant_id, list(zip(invoice_ids, payment_ids, strict=True))


def _event(tenant_id: int, invoice_id: int, payment_id: int) -> bytes:
    metadata = {"tenant_id": str(tenant_id), "invoice_id": str(invoice_id), "payment_id": str(payment_id)}
    session = {
        "id": f"cs_bench_{invoice_id}", "object": "checkout.session", "mode": "payment",
        "status": "complete", "payment_status": "paid", "amount_total": 1189, "currency": "eur",
        "client_reference_id": str(invoice_id), "metadata": metadata,
        "payment_intent": f"pi_bench_{invoice_id}",
    }  # fmt: skip
    event = {
        "id": f"evt_bench_{invoice_id}", "object": "event", "type": "checkout.session.completed",
        "created": int(ISSUED.timestamp()), "livemode": False, "data": {"object": session},
    }  # fmt: skip
    return json.dumps(event).encode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def api_with_jobs() -> Any:
    """The API as the console's web process serves it: the job layer bound (uvicorn's factory)."""
    from backend.api.app import create_api
    from jobs.monitoring import bind_rq

    bind_rq(os.environ["REDIS_URL"])
    return create_api()


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_WEBHOOK_SECRET": SECRET,
    }  # fmt: skip


def _start_api(url: str, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "bench.webhooks:api_with_jobs", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning",
        "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=_env(url))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the API did not start")


def _post_all(port: int, bodies: list[bytes]) -> tuple[float, list[float], list[int]]:
    url = f"http://127.0.0.1:{port}/api/webhooks/stripe"
    local = threading.local()

    def post(body: bytes) -> tuple[float, int]:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=30)
        header = stripe.WebhookSignature.generate_signature_header(
            body.decode(), SECRET, timestamp=int(time.time())
        )
        started = time.perf_counter()
        answer = client.post(
            url, content=body, headers={"Stripe-Signature": header, "Content-Type": "application/json"}
        )
        return (time.perf_counter() - started) * 1000, answer.status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(post, bodies))
    seconds = time.perf_counter() - started
    return seconds, [ms for ms, _ in results], [status for _, status in results]


def _handle_all(url: str) -> float:
    """Seconds until `WORKERS` burst workers have handled every queued event and exited."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "billing_console.cli", "worker", "--burst", "--queues", "payments"]
    workers = [
        subprocess.Popen(command, env=_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(WORKERS)
    ]
    for worker in workers:
        if worker.wait(timeout=3600) != 0:
            raise RuntimeError(f"a worker exited with {worker.returncode}")
    return time.perf_counter() - started


def _count(url: str, tenant_id: int) -> tuple[int, int]:
    """Receipts recorded on invoices, and invoices still unpaid."""
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        receipts = session.scalar(
            select(func.count()).where(
                AuditLogEntry.tenant_id == tenant_id, AuditLogEntry.action == "invoice.payment_received"
            )
        )
        unpaid = session.scalar(
            select(func.count()).where(Invoice.tenant_id == tenant_id, Invoice.status != InvoiceStatus.PAID)
        )
    engine.dispose()
    return int(receipts or 0), int(unpaid or 0)


@register("webhooks", default_rows=3_000)
def webhooks(rows: int) -> Measurement:
    """Signed Stripe events/s on one web process with 10 % duplicates; p50/p99 ms; double payments."""
    Redis.from_url(REDIS_URL).flushdb()
    with throwaway_database() as url:
        tenant_id, waiting = _seed(url, rows)
        bodies = [_event(tenant_id, invoice_id, payment_id) for invoice_id, payment_id in waiting]
        randomizer = random.Random(14)
        bodies += randomizer.sample(bodies, int(len(bodies) * DUPLICATE_SHARE))
        randomizer.shuffle(bodies)
        port = _free_port()
        api = _start_api(url, port)
        try:
            _post_all(port, [b"{}"] * CLIENTS)  # warm: connections, imports (answered 400, unsigned)
            seconds, latencies, statuses = _post_all(port, bodies)
        finally:
            api.terminate()
            api.wait(timeout=30)
        handling_s = _handle_all(url)
        receipts, unpaid = _count(url, tenant_id)
    Redis.from_url(REDIS_URL).flushdb()
    latencies.sort()
    refused = sum(1 for status in statuses if status != 200)
    return Measurement(
        rows=len(bodies),
        seconds=seconds,
        notes={
            "events_per_s": len(bodies) / seconds,
            "p50_ms": statistics.median(latencies),
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "duplicates": len(bodies) - rows,
            "handled_per_s": rows / handling_s,
            "workers": WORKERS,
            "non_200": refused,
            "double_payments": receipts - (rows - unpaid),
            "unpaid_invoices": unpaid,
            "load_1min": os.getloadavg()[0],
        },
    )
