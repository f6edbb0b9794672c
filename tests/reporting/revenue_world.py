"""A small hand-computed world for the revenue analytics (tests/reporting/test_revenue_*.py).

"Now" is 2026-06-15 12:00 UTC; the report covers March to May 2026 in EUR. MRR snapshots: idx 0 at
1 Mar (closing February), 1 at 1 Apr, 2 at 1 May, 3 at 1 Jun. Plans (EUR): Basic 10.00 / month,
Pro 240.00 / year (MRR 20.00), Hourly 0.01 / hour (x 730 = 7.30), Weekly 3.00 / week (x 52 / 12 =
13.00); Dollar 50.00 USD / month. Addon Backup 2.00 EUR / month.

Subscriptions (customer: what):
  C1 Alpha: S1 Basic since 10 Jan; Backup x2 from 10 Apr to 20 May, then Backup x1.
  C2 Beta: S2 Pro since 5 Mar; S8 Dollar since 1 Jan (USD, not in EUR figures).
  C3 Gamma: S3 Weekly 1 Feb - canceled 20 Apr; S9 still provisioning (not started, no MRR).
  C4 Delta: S4 Hourly started 1 Jan with a trial to 10 May (paid life from 10 May).
  C5 Epsilon: S5 Basic 1 Dec 2025 - canceled 15 Feb; S6 Basic again since 3 May.

Invoices (EUR unless said; net / tax / gross; buyer country, tax mode, status):
  I1 C1 2 Mar 10:00   100.00 / 19.00 / 119.00 DE domestic paid; CN2 20.00 / 3.80 / 23.80 on 10 May
  I2 C2 31 Mar 23:30  200.00 / 0 / 200.00 AT reverse charge, issued, due 14 Apr, 200.00 open
  I3 C3 15 Apr        50.00 / 9.50 / 59.50 DE domestic void; CN1 of all of it on 16 Apr
  I4 C4 6 May         30.00 / 6.00 / 36.00 FR EU consumers, overdue, due 20 May, 36.00 open
  I5 C1 27 Feb        10.00 / 1.90 / 11.90 DE overdue, due 13 Mar, 11.90 open (before the range)
  I6 C1 draft         (never counted)
  I7 C2 1 Apr         USD 500.00 (another currency)
  I8 C2 1 Jun         40.00 / 7.60 / 47.60 DE issued, due 29 Jun, 47.60 open (after the range)
  I9 C5 15 Feb        25.21 / 4.79 / 30.00 DE overdue, due 1 May, 15.00 open
Card money: payment 119.00 for I1 on 5 Mar (partially refunded: 23.80 on 11 May); a failed
payment of 50.00 on 2 Apr; 60.00 on 20 Apr, disputed 25 Apr and lost 15 May; a dispute of 10.00
opened 2 May; payouts 100.00 paid 10 Mar, 50.00 failed 10 Apr, 40.00 paid 28 May.
Another tenant has an EUR invoice of 999.00 on 10 Mar and a subscription: never in these figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from backend.kit.repository import TenantScope
from backend.models import (
    Addon,
    CreditNote,
    CustomerAccount,
    Dispute,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentProcessor,
    PaymentStatus,
    Payout,
    Plan,
    Refund,
    RefundStatus,
    Subscription,
    SubscriptionAddon,
    SubscriptionStatus,
    TaxMode,
    Tenant,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class RevenueWorld:
    scope: TenantScope
    customers: dict[str, int]
    plans: dict[str, int]
    invoices: dict[str, int]


class _Builder:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session, self.tenant_id = session, tenant_id

    def add(self, row: Any) -> Any:
        row.tenant_id = self.tenant_id
        self.session.add(row)
        self.session.flush()
        return row

    def plan(self, key: str, price: str, unit: str, currency: str = "EUR") -> Plan:
        return self.add(
            Plan(key=key, name=key.title(), currency=currency, base_price=Decimal(price), interval_unit=unit)
        )

    def subscription(
        self,
        number: str,
        customer: int,
        plan: Plan,
        status: SubscriptionStatus,
        started: datetime | None,
        **kw: Any,
    ) -> Subscription:
        snapshot = {
            "plan_id": plan.id,
            "price": str(plan.base_price),
            "interval_unit": str(plan.interval_unit),
            "interval_count": 1,
            "currency": plan.currency,
        }
        return self.add(
            Subscription(
                number=number,
                customer_account_id=customer,
                plan_id=plan.id,
                status=status,
                started_at=started,
                plan_snapshot=snapshot,
                **kw,
            )
        )

    def invoice(self, number: str | None, customer: int, net: str, tax: str, **kw: Any) -> Invoice:
        gross = Decimal(net) + Decimal(tax)
        kw.setdefault("balance_due", Decimal(0))
        return self.add(
            Invoice(
                number=number,
                customer_account_id=customer,
                net=Decimal(net),
                tax=Decimal(tax),
                gross=gross,
                **kw,
            )
        )

    def credit_note(self, number: str, invoice: Invoice, net: str, tax: str, issued: datetime) -> CreditNote:
        return self.add(
            CreditNote(
                invoice_id=invoice.id,
                number=number,
                net=Decimal(net),
                tax=Decimal(tax),
                gross=Decimal(net) + Decimal(tax),
                issued_at=issued,
            )
        )


def build_world(session: Session) -> RevenueWorld:
    """The world in a new tenant, beside another tenant with figures of its own."""
    tenant = Tenant(slug="revenue-world", name="Revenue World")
    other = Tenant(slug="revenue-other", name="Other")
    session.add_all([tenant, other])
    session.flush()
    assert tenant.id is not None and other.id is not None
    world = populate(session, tenant.id)
    o = _Builder(session, other.id)
    stranger = o.add(CustomerAccount(number="C-1", name="Stranger")).id
    o.invoice(
        "I1", stranger, "999.00", "0", status=InvoiceStatus.PAID, issued_at=at(3, 10), buyer_country="DE"
    )
    o.subscription("S1", stranger, o.plan("basic", "10.00", "month"), SubscriptionStatus.ACTIVE, at(1, 1))
    return world


def populate(session: Session, tenant_id: int, tag: str = "") -> RevenueWorld:
    """The customers, plans, subscriptions, documents and card money of the docstring, in `tenant_id`.
    `tag` ends the processor's ids (unique across tenants) where a database outlives one test."""
    b = _Builder(session, tenant_id)
    customers = {
        name: b.add(CustomerAccount(number=f"C-{i}", name=name)).id
        for i, name in enumerate(["Alpha", "Beta", "Gamma", "Delta", "Epsilon"], start=1)
    }
    alpha, beta, gamma, delta, epsilon = customers.values()
    basic, pro = b.plan("basic", "10.00", "month"), b.plan("pro", "240.00", "year")
    hourly, weekly = b.plan("hourly", "0.01", "hour"), b.plan("weekly", "3.00", "week")
    dollar = b.plan("dollar", "50.00", "month", currency="USD")
    backup = b.add(Addon(key="backup", name="Backup", price=Decimal("2.00")))
    active, canceled = SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELED

    s1 = b.subscription("S1", alpha, basic, active, at(1, 10))
    b.add(
        SubscriptionAddon(
            subscription_id=s1.id, addon_id=backup.id, quantity=2, added_at=at(4, 10), removed_at=at(5, 20)
        )
    )
    b.add(SubscriptionAddon(subscription_id=s1.id, addon_id=backup.id, quantity=1, added_at=at(5, 20)))
    b.subscription("S2", beta, pro, active, at(3, 5))
    b.subscription("S8", beta, dollar, active, at(1, 1))
    b.subscription("S3", gamma, weekly, canceled, at(2, 1), canceled_at=at(4, 20))
    b.subscription("S9", gamma, basic, SubscriptionStatus.PROVISIONING, None)
    b.subscription("S4", delta, hourly, active, at(1, 1), trial_end=at(5, 10))
    b.subscription("S5", epsilon, basic, canceled, at(12, 1, year=2025), canceled_at=at(2, 15))
    b.subscription("S6", epsilon, basic, active, at(5, 3))

    issued, paid, overdue = InvoiceStatus.ISSUED, InvoiceStatus.PAID, InvoiceStatus.OVERDUE
    domestic = {"buyer_country": "DE", "tax_mode": TaxMode.DOMESTIC}
    i1 = b.invoice("I1", alpha, "100.00", "19.00", status=paid, issued_at=at(3, 2, 10), **domestic)
    i2 = b.invoice(
        "I2", beta, "200.00", "0", status=issued, issued_at=at(3, 31, 23, 30), due_at=at(4, 14),
        balance_due=Decimal("200.00"), buyer_country="AT", tax_mode=TaxMode.REVERSE_CHARGE,
    )  # fmt: skip
    i3 = b.invoice("I3", gamma, "50.00", "9.50", status=InvoiceStatus.VOID, issued_at=at(4, 15), **domestic)
    b.credit_note("I3-CN1", i3, "50.00", "9.50", at(4, 16))
    b.credit_note("I1-CN1", i1, "20.00", "3.80", at(5, 10))
    i4 = b.invoice(
        "I4", delta, "30.00", "6.00", status=overdue, issued_at=at(5, 6), due_at=at(5, 20),
        balance_due=Decimal("36.00"), buyer_country="FR", tax_mode=TaxMode.EU_B2C,
    )  # fmt: skip
    i5 = b.invoice(
        "I5", alpha, "10.00", "1.90", status=overdue, issued_at=at(2, 27), due_at=at(3, 13),
        balance_due=Decimal("11.90"), **domestic,
    )  # fmt: skip
    b.invoice(None, alpha, "70.00", "13.30", status=InvoiceStatus.DRAFT, **domestic)
    b.invoice(
        "I7", beta, "500.00", "0", status=issued, issued_at=at(4, 1), currency="USD", balance_due=Decimal(500)
    )
    i8 = b.invoice(
        "I8", beta, "40.00", "7.60", status=issued, issued_at=at(6, 1), due_at=at(6, 29),
        balance_due=Decimal("47.60"), **domestic,
    )  # fmt: skip
    i9 = b.invoice(
        "I9", epsilon, "25.21", "4.79", status=overdue, issued_at=at(2, 15), due_at=at(5, 1),
        balance_due=Decimal("15.00"), **domestic,
    )  # fmt: skip

    stripe = PaymentProcessor.STRIPE

    def payment(
        key: str, invoice: Invoice, amount: str, status: PaymentStatus, when: datetime | None
    ) -> Payment:
        return b.add(
            Payment(
                invoice_id=invoice.id, customer_account_id=invoice.customer_account_id, processor=stripe,
                external_id=key, idempotency_key=key, amount=Decimal(amount), status=status,
                succeeded_at=when,
            )
        )  # fmt: skip

    p1 = payment(f"pay_1{tag}", i1, "119.00", PaymentStatus.PARTIALLY_REFUNDED, at(3, 5))
    payment(f"pay_2{tag}", i2, "50.00", PaymentStatus.FAILED, None)
    p3 = payment(f"pay_3{tag}", i9, "60.00", PaymentStatus.SUCCEEDED, at(4, 20))
    b.add(
        Refund(payment_id=p1.id, idempotency_key="re_1", external_id=f"re_1{tag}", amount=Decimal("23.80"),
               status=RefundStatus.SUCCEEDED, created_at=at(5, 11))
    )  # fmt: skip
    b.add(
        Dispute(processor=stripe, external_id=f"dp_1{tag}", payment_id=p3.id, invoice_id=i9.id,
                amount=Decimal("60.00"), status="lost", opened_at=at(4, 25), closed_at=at(5, 15))
    )  # fmt: skip
    b.add(Dispute(processor=stripe, external_id=f"dp_2{tag}", amount=Decimal("10.00"), opened_at=at(5, 2)))
    for key, amount, status, arrival in (
        ("po_1", "100.00", "paid", at(3, 10)),
        ("po_2", "50.00", "failed", at(4, 10)),
        ("po_3", "40.00", "paid", at(5, 28)),
    ):
        b.add(
            Payout(
                processor=stripe,
                external_id=f"{key}{tag}",
                amount=Decimal(amount),
                status=status,
                arrival_at=arrival,
            )
        )

    invoices = {"I1": i1.id, "I2": i2.id, "I3": i3.id, "I4": i4.id, "I5": i5.id, "I8": i8.id, "I9": i9.id}
    return RevenueWorld(
        TenantScope(tenant_id),
        customers,
        {"basic": basic.id, "pro": pro.id, "hourly": hourly.id, "weekly": weekly.id},
        {k: int(v) for k, v in invoices.items()},
    )
