"""The demo data follows the billing rules, is seeded once, and feeds the dashboards."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OpenPosition,
    Subscription,
    SubscriptionStatus,
    UserRole,
)
from backend.repositories.base import TenantScope
from backend.repositories.tenancy import CustomerAccountRepository, UserRepository
from backend.services import auth, dashboard
from backend.services.demo import ADMIN_LOGIN, BUSINESS_LOGIN, CUSTOMER_LOGIN, seed_demo
from backend.services.errors import AccountLocked, InvalidCredentials
from backend.services.tenants import scope_for_slug
from backend.settings import load_settings


@pytest.fixture
def scope(demo_session: Session) -> TenantScope:
    return scope_for_slug(demo_session, "demo")


def _invoices(session: Session, scope: TenantScope) -> list[Invoice]:
    statement = (
        select(Invoice).where(Invoice.tenant_id == scope.tenant_id).order_by(Invoice.issued_at, Invoice.id)
    )
    return list(session.scalars(statement))


def test_a_second_seed_changes_nothing(demo_session: Session, scope: TenantScope) -> None:
    before = demo_session.scalar(select(func.count()).select_from(Invoice))
    result = seed_demo(demo_session, load_settings())
    assert not result.created
    assert demo_session.scalar(select(func.count()).select_from(Invoice)) == before


def test_a_year_of_invoices_in_every_state(demo_session: Session, scope: TenantScope) -> None:
    invoices = _invoices(demo_session, scope)
    statuses = {invoice.status for invoice in invoices}
    assert {InvoiceStatus.PAID, InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE, InvoiceStatus.VOID} <= statuses
    months = {(i.issued_at.year, i.issued_at.month) for i in invoices if i.issued_at}
    assert len(months) == 12


def test_numbers_are_gapless_per_year_in_order_of_issue(demo_session: Session, scope: TenantScope) -> None:
    by_year: dict[int, list[int]] = defaultdict(list)
    for invoice in _invoices(demo_session, scope):
        match = re.fullmatch(r"INV-(\d{4})-(\d{5})", invoice.number or "")
        assert match, invoice.number
        by_year[int(match.group(1))].append(int(match.group(2)))
    for numbers in by_year.values():
        assert numbers == list(range(1, len(numbers) + 1))


def test_every_invoice_adds_up_line_by_line(demo_session: Session, scope: TenantScope) -> None:
    for invoice in _invoices(demo_session, scope):
        lines = list(demo_session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)))
        assert lines
        assert sum((line.net for line in lines), Decimal(0)) == invoice.net
        assert sum((line.tax for line in lines), Decimal(0)) == invoice.tax
        assert invoice.net + invoice.tax == invoice.gross
        for line in lines:
            assert line.tax == (line.net * line.tax_rate / 100).quantize(Decimal("0.01"), "ROUND_HALF_UP")
        expected_due = (
            Decimal(0) if invoice.status in {InvoiceStatus.PAID, InvoiceStatus.VOID} else invoice.gross
        )
        assert invoice.balance_due == expected_due


def test_a_voided_invoice_and_its_credit_note_net_to_zero(demo_session: Session, scope: TenantScope) -> None:
    voided = [i for i in _invoices(demo_session, scope) if i.status == InvoiceStatus.VOID]
    assert len(voided) == 1
    note = demo_session.scalars(select(CreditNote).where(CreditNote.invoice_id == voided[0].id)).one()
    assert note.number == f"{voided[0].number}-CN1"
    assert (voided[0].net + note.net, voided[0].tax + note.tax, voided[0].gross + note.gross) == (0, 0, 0)
    note_lines = demo_session.scalars(select(CreditNoteLine).where(CreditNoteLine.credit_note_id == note.id))
    assert sum((line.gross for line in note_lines), Decimal(0)) == note.gross


def test_every_invoice_line_was_an_open_position_and_the_running_month_is_unbilled(
    demo_session: Session, scope: TenantScope
) -> None:
    positions = list(
        demo_session.scalars(select(OpenPosition).where(OpenPosition.tenant_id == scope.tenant_id))
    )
    lines = list(demo_session.scalars(select(InvoiceLine).where(InvoiceLine.tenant_id == scope.tenant_id)))
    assert {line.open_position_id for line in lines} <= {p.id for p in positions}
    assert any(p.invoice_id is None for p in positions)


def test_subscriptions_in_several_states(demo_session: Session, scope: TenantScope) -> None:
    statuses = set(
        demo_session.scalars(select(Subscription.status).where(Subscription.tenant_id == scope.tenant_id))
    )
    assert {
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.PENDING_CANCEL,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.CANCELED,
    } <= statuses


def test_customer_dashboard_shows_subscriptions_and_the_open_balance(
    demo_session: Session, scope: TenantScope
) -> None:
    account = CustomerAccountRepository(demo_session, scope).by_number("C-10001")
    assert account and account.id
    overview = dashboard.customer_overview(demo_session, scope, account.id)
    assert overview.customer_name == "Erika Mustermann"
    assert {s.plan_name for s in overview.subscriptions} >= {"Cloud Server CX22", "Web Hosting Monthly"}
    assert any("erika-web-01" in server for s in overview.subscriptions for server in s.servers)
    unpaid = [
        i
        for i in _invoices(demo_session, scope)
        if i.customer_account_id == account.id and i.status in {InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE}
    ]
    expected = sum((i.gross for i in unpaid), Decimal(0))
    assert [(b.amount, b.unpaid_invoices) for b in overview.balances] == [
        (f"{expected:,.2f} EUR", len(unpaid))
    ]
    assert overview.balances[0].overdue_invoices == 1


def test_demo_logins_work_and_wrong_passwords_do_not(demo_session: Session, scope: TenantScope) -> None:
    admin = auth.authenticate(demo_session, scope, *ADMIN_LOGIN)
    assert admin.role == UserRole.ADMIN.value and admin.is_admin
    customer = auth.authenticate(demo_session, scope, CUSTOMER_LOGIN[0].upper(), CUSTOMER_LOGIN[1])
    assert customer.customer_account_id is not None and not customer.is_admin
    business = auth.authenticate(demo_session, scope, *BUSINESS_LOGIN)
    assert business.customer_account_id != customer.customer_account_id
    with pytest.raises(InvalidCredentials):
        auth.authenticate(demo_session, scope, CUSTOMER_LOGIN[0], "wrong-password")
    with pytest.raises(InvalidCredentials):
        auth.authenticate(demo_session, scope, "nobody@demo.example", CUSTOMER_LOGIN[1])


def test_locked_or_revoked_users_are_not_signed_in(demo_session: Session, scope: TenantScope) -> None:
    user = UserRepository(demo_session, scope).by_email(CUSTOMER_LOGIN[0])
    assert user and user.id
    assert auth.load_signed_in_user(demo_session, scope, user.id, user.token_version) is not None
    assert auth.load_signed_in_user(demo_session, scope, user.id, user.token_version + 1) is None
    user.locked = True
    demo_session.flush()
    with pytest.raises(AccountLocked):
        auth.authenticate(demo_session, scope, *CUSTOMER_LOGIN)
    assert auth.load_signed_in_user(demo_session, scope, user.id, user.token_version) is None


def test_passwords_are_stored_as_argon2_hashes(demo_session: Session, scope: TenantScope) -> None:
    user = UserRepository(demo_session, scope).by_email(ADMIN_LOGIN[0])
    assert user and user.password_hash.startswith("$argon2id$")
    assert ADMIN_LOGIN[1] not in user.password_hash


def test_admin_figures_of_the_demo(session: Session, frozen_clock: object) -> None:
    """Seeded on 2026-11-21: the business customer paid November's invoice, three invoices are open."""
    from backend.services.admin_overview import admin_overview

    seed_demo(session, load_settings())
    figures = admin_overview(session, scope_for_slug(session, "demo"))
    assert (figures.customers, figures.unpaid_invoices, figures.overdue_invoices) == (2, 3, 2)
    assert figures.open_amounts == ["95.53 EUR"]
    assert figures.paid_last_30_days == ["54.39 EUR"]


def test_nothing_is_dated_in_the_future_when_seeded_on_the_first_of_a_month(session: Session) -> None:
    from datetime import UTC, datetime

    from backend import clock

    with clock.frozen(datetime(2026, 12, 1, 0, 30, tzinfo=UTC)):
        seed_demo(session, load_settings())
        now = clock.now()
    scope = scope_for_slug(session, "demo")
    for invoice in _invoices(session, scope):
        assert invoice.issued_at and invoice.issued_at <= now
        assert invoice.paid_at is None or invoice.paid_at <= now
