"""The database itself enforces the rules that make billing safe, on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session

from backend.models import (
    CustomerAccount,
    CustomerProfile,
    InboundWebhookEvent,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OpenPosition,
    PaymentProcessor,
    Plan,
    Tenant,
)


def _tenant(session: Session, slug: str) -> Tenant:
    tenant = Tenant(slug=slug, name=slug.title())
    session.add(tenant)
    session.flush()
    return tenant


def _account(session: Session, tenant: Tenant, number: str = "C-1") -> CustomerAccount:
    account = CustomerAccount(tenant_id=tenant.id, number=number, name="Someone")
    session.add(account)
    session.flush()
    return account


def _expect_integrity_error(session: Session, row: object) -> None:
    savepoint = session.begin_nested()
    session.add(row)
    with pytest.raises(IntegrityError):
        session.flush()
    savepoint.rollback()


def test_a_charge_source_reference_is_unique_per_tenant(session: Session) -> None:
    a, b = _tenant(session, "a"), _tenant(session, "b")
    account_a, account_b = _account(session, a), _account(session, b)
    ref = "subscription:1:period:2026-11-01"
    session.add(
        OpenPosition(tenant_id=a.id, customer_account_id=account_a.id, source_ref=ref, description="x")
    )
    session.flush()
    _expect_integrity_error(
        session,
        OpenPosition(tenant_id=a.id, customer_account_id=account_a.id, source_ref=ref, description="y"),
    )
    session.add(
        OpenPosition(tenant_id=b.id, customer_account_id=account_b.id, source_ref=ref, description="z")
    )
    session.flush()


def test_invoice_numbers_are_unique_per_tenant_and_drafts_have_none(session: Session) -> None:
    a, b = _tenant(session, "a"), _tenant(session, "b")
    account_a, account_b = _account(session, a), _account(session, b)
    session.add_all(
        [
            Invoice(tenant_id=a.id, customer_account_id=account_a.id),
            Invoice(tenant_id=a.id, customer_account_id=account_a.id),
            Invoice(tenant_id=a.id, customer_account_id=account_a.id, number="INV-2026-00001"),
            Invoice(tenant_id=b.id, customer_account_id=account_b.id, number="INV-2026-00001"),
        ]
    )
    session.flush()
    _expect_integrity_error(
        session, Invoice(tenant_id=a.id, customer_account_id=account_a.id, number="INV-2026-00001")
    )


def test_a_webhook_event_is_stored_once_per_processor(session: Session) -> None:
    def event(processor: PaymentProcessor) -> InboundWebhookEvent:
        return InboundWebhookEvent(
            processor=processor,
            event_id="evt_123",
            event_type="checkout.session.completed",
            payload_sha256="0" * 64,
        )

    session.add(event(PaymentProcessor.STRIPE))
    session.add(event(PaymentProcessor.MANUAL))
    session.flush()
    _expect_integrity_error(session, event(PaymentProcessor.STRIPE))


def test_foreign_keys_are_enforced(session: Session) -> None:
    _expect_integrity_error(session, CustomerAccount(tenant_id=987654, number="C-1", name="Nobody"))


def test_totals_that_do_not_add_up_are_refused(session: Session) -> None:
    tenant = _tenant(session, "a")
    account = _account(session, tenant)
    _expect_integrity_error(
        session,
        Invoice(
            tenant_id=tenant.id,
            customer_account_id=account.id,
            net=Decimal("10"),
            tax=Decimal("1.9"),
            gross=Decimal("11.91"),
            status=InvoiceStatus.ISSUED,
        ),
    )
    invoice = Invoice(tenant_id=tenant.id, customer_account_id=account.id)
    session.add(invoice)
    session.flush()
    _expect_integrity_error(
        session,
        InvoiceLine(
            tenant_id=tenant.id,
            invoice_id=invoice.id,
            position=1,
            description="x",
            net=Decimal("1"),
            tax=Decimal("0.19"),
            gross=Decimal("1.20"),
        ),
    )


def test_catalog_rules_hold_in_the_database(session: Session) -> None:
    tenant = _tenant(session, "a")
    account = _account(session, tenant)
    _expect_integrity_error(session, Plan(tenant_id=tenant.id, key="p", name="P", interval_count=0))
    _expect_integrity_error(session, Plan(tenant_id=tenant.id, key="p", name="P", base_price=Decimal("-1")))
    _expect_integrity_error(
        session,
        CustomerProfile(
            tenant_id=tenant.id,
            customer_account_id=account.id,
            name="n",
            country="DE",
            email="a@b.example",
            billing_day=29,
        ),
    )


def test_money_is_exact_and_timestamps_stay_aware_utc(session: Session) -> None:
    tenant = _tenant(session, "a")
    account = _account(session, tenant)
    for _ in range(10):
        session.add(
            Invoice(
                tenant_id=tenant.id,
                customer_account_id=account.id,
                net=Decimal("0.1"),
                gross=Decimal("0.1"),
                balance_due=Decimal("0.1"),
            )
        )
    session.flush()
    summed = session.scalar(select(func.sum(Invoice.net)).where(Invoice.tenant_id == tenant.id))
    assert summed == Decimal("1")
    session.expire_all()
    stored = session.get(Tenant, tenant.id)
    assert stored is not None and stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_naive_timestamps_are_refused(session: Session) -> None:
    tenant = Tenant(slug="naive", name="Naive", created_at=datetime(2026, 1, 1))
    session.add(tenant)
    with pytest.raises(StatementError, match="timezone-aware"):
        session.flush()
