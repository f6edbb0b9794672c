"""A hand-built ledger for the export tests: rows written directly, with the times and amounts the
expected CSV files below spell out, in tenant A, and one row of each kind in tenant B.

January 2026 is the range asked for (`from=2026-01-01&to=2026-02-01`): rows exactly at its start
are in it, rows exactly at its end (1 February 00:00 UTC) and the second before its start are not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from backend.kit.repository import TenantScope
from backend.models import (
    CreditNote,
    CustomerAccount,
    CustomerProfile,
    CustomerType,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentProcessor,
    PaymentStatus,
    Plan,
    Subscription,
    SubscriptionStatus,
    TaxMode,
)
from backend.settings import load_settings
from backend.tenancy.service import create_tenant

JANUARY = (date(2026, 1, 1), date(2026, 2, 1))
START = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)  # the first instant of the range
LAST_SECOND = datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC)
END = datetime(2026, 2, 1, 0, 0, tzinfo=UTC)  # the first instant after it
BEFORE = datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@dataclass(frozen=True)
class Ledger:
    a: TenantScope
    b: TenantScope


def tenant(session: Session, label: str) -> TenantScope:
    slug = f"{label}-{uuid.uuid4().hex[:8]}"
    created = create_tenant(session, slug=slug, name=f"Export {label}", settings=load_settings())
    return TenantScope(created.id or 0)


def customer(
    session: Session, scope: TenantScope, number: str, name: str, created: datetime, **profile: object
) -> CustomerAccount:
    account = CustomerAccount(
        tenant_id=scope.tenant_id,
        number=number,
        name=name,
        customer_type=CustomerType.BUSINESS,
        created_at=created,
    )
    session.add(account)
    session.flush()
    session.add(
        CustomerProfile(
            tenant_id=scope.tenant_id,
            customer_account_id=account.id,
            name=name,
            country=str(profile.get("country", "DE")),
            email=str(profile.get("email", f"{number}@example.test")),
            company_name=str(profile.get("company_name", "")),
            vat_id=str(profile.get("vat_id", "")),
            billing_day=int(profile.get("billing_day", 1)),  # type: ignore[call-overload]
        )
    )
    session.flush()
    return account


def invoice(
    session: Session,
    scope: TenantScope,
    account: CustomerAccount,
    number: str | None,
    issued: datetime | None,
    net: str,
    tax: str,
    currency: str = "EUR",
    status: InvoiceStatus = InvoiceStatus.ISSUED,
) -> Invoice:
    gross = Decimal(net) + Decimal(tax)
    row = Invoice(
        tenant_id=scope.tenant_id,
        number=number,
        customer_account_id=account.id,
        status=status,
        currency=currency,
        net=Decimal(net),
        tax=Decimal(tax),
        gross=gross,
        balance_due=Decimal(0) if status == InvoiceStatus.PAID else gross,
        tax_mode=TaxMode.DOMESTIC,
        tax_country="DE",
        buyer_country="DE",
        issued_at=issued,
        due_at=issued + timedelta(days=14) if issued else None,
        paid_at=issued if status == InvoiceStatus.PAID else None,
    )
    session.add(row)
    session.flush()
    return row


def seed(session: Session, a: TenantScope | None = None, b: TenantScope | None = None) -> Ledger:
    """Tenant A's rows around January 2026 and tenant B's rows inside it (never exported for A),
    in two new tenants unless given."""
    a, b = a or tenant(session, "exa"), b or tenant(session, "exb")
    acme = customer(session, a, "C-0001", "ACME GmbH", START, company_name="ACME GmbH", vat_id="DE123456789")
    evil = customer(session, a, "C-0002", '=HYPERLINK("http://x")', LAST_SECOND, country="AT")
    customer(session, a, "C-0003", "Too Late", END)
    customer(session, a, "C-0000", "Too Early", BEFORE)
    # Invoices: 100.00 net + 19.00 tax = 119.00; 40.00 + 7.60 = 47.60 paid; 1500 JPY + 0 tax.
    invoice(session, a, acme, "INV-2026-00001", START, "100.00", "19.00")
    paid = invoice(
        session, a, evil, "INV-2026-00002", LAST_SECOND, "40.00", "7.60", status=InvoiceStatus.PAID
    )
    invoice(session, a, acme, "INV-2026-00003", utc(2026, 1, 15, 12), "1500", "0", currency="JPY")
    invoice(session, a, acme, "INV-2026-00004", END, "10.00", "1.90")  # February: out
    invoice(session, a, acme, "INV-2025-00099", BEFORE, "10.00", "1.90")  # December: out
    invoice(session, a, acme, None, None, "5.00", "0.95", status=InvoiceStatus.DRAFT)  # never issued
    cancelled = invoice(
        session, a, acme, "INV-2026-00005", utc(2026, 1, 20, 9), "20.00", "3.80", status=InvoiceStatus.VOID
    )
    session.add_all(
        [
            # A credit note of -20.00 net, -3.80 tax, -23.80 gross for the voided invoice.
            CreditNote(
                tenant_id=a.tenant_id,
                invoice_id=cancelled.id,
                number="INV-2026-00005-CN1",
                reason="Voided",
                currency="EUR",
                net=Decimal("-20.00"),
                tax=Decimal("-3.80"),
                gross=Decimal("-23.80"),
                issued_at=utc(2026, 1, 20, 9, 30),
            ),
            CreditNote(
                tenant_id=a.tenant_id,
                invoice_id=cancelled.id,
                number="INV-2026-00005-CN2",
                reason="Late",
                currency="EUR",
                net=Decimal("-1.00"),
                tax=Decimal("-0.19"),
                gross=Decimal("-1.19"),
                issued_at=END,
            ),
            Payment(
                tenant_id=a.tenant_id,
                invoice_id=paid.id,
                customer_account_id=evil.id,
                processor=PaymentProcessor.MANUAL,
                idempotency_key="pay-1",
                amount=Decimal("47.60"),
                currency="EUR",
                status=PaymentStatus.SUCCEEDED,
                kind="transfer",
                external_id=f"TRX-{a.tenant_id}",  # unique across tenants
                created_at=START,
                succeeded_at=START,
            ),
            Payment(
                tenant_id=a.tenant_id,
                invoice_id=None,
                customer_account_id=acme.id,
                processor=PaymentProcessor.STRIPE,
                idempotency_key="pay-2",
                amount=Decimal("119.00"),
                currency="EUR",
                status=PaymentStatus.FAILED,
                kind="checkout",
                created_at=END,
            ),
        ]
    )
    plan = Plan(tenant_id=a.tenant_id, key="web", name="Web Hosting", base_price=Decimal("9.00"))
    session.add(plan)
    session.flush()
    session.add_all(
        [
            Subscription(
                tenant_id=a.tenant_id,
                number="SUB-000001",
                customer_account_id=acme.id,
                plan_id=plan.id,
                status=SubscriptionStatus.ACTIVE,
                started_at=utc(2026, 1, 10),
                created_at=utc(2026, 1, 10),
                current_period_start=utc(2026, 1, 10),
                current_period_end=utc(2026, 2, 10),
            ),
            Subscription(
                tenant_id=a.tenant_id,
                number="SUB-000002",
                customer_account_id=acme.id,
                plan_id=plan.id,
                status=SubscriptionStatus.CANCELED,
                created_at=BEFORE,
                canceled_at=utc(2026, 1, 5),
            ),
        ]
    )
    # Tenant B: one of each inside January, none of which may appear in A's files.
    other = customer(session, b, "C-0001", "Other Tenant Kunde", utc(2026, 1, 3))
    other_invoice = invoice(session, b, other, "INV-2026-00001", utc(2026, 1, 3), "999.00", "0")
    other_plan = Plan(tenant_id=b.tenant_id, key="web", name="B Plan", base_price=Decimal("1.00"))
    session.add(other_plan)
    session.flush()
    session.add_all(
        [
            CreditNote(
                tenant_id=b.tenant_id,
                invoice_id=other_invoice.id,
                number="INV-2026-00001-CN1",
                currency="EUR",
                net=Decimal("-999.00"),
                gross=Decimal("-999.00"),
                issued_at=utc(2026, 1, 4),
            ),
            Payment(
                tenant_id=b.tenant_id,
                customer_account_id=other.id,
                processor=PaymentProcessor.MANUAL,
                idempotency_key="b-pay",
                amount=Decimal("999.00"),
                created_at=utc(2026, 1, 4),
            ),
            Subscription(
                tenant_id=b.tenant_id,
                number="SUB-000001",
                customer_account_id=other.id,
                plan_id=other_plan.id,
                status=SubscriptionStatus.ACTIVE,
                created_at=utc(2026, 1, 4),
            ),
        ]
    )
    session.flush()
    return Ledger(a, b)
