"""The demo is made by the billing engine, is seeded once, and feeds the dashboards.

The shared demo is seeded at `DEMO_AS_OF` (Thursday 12 November 2026, 11:00 in Berlin); its story
starts on 1 November 2025. Amounts below are worked out by hand from the story in
`backend/demo/service.py`, the plan prices and the German standard VAT rate (19 %, unchanged
since 2007); Nordwind (Sweden, VIES-valid VAT ID) is billed under reverse charge at 0 %.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend import clock
from backend.audit.service import Actor
from backend.customers.repository import CustomerAccountRepository
from backend.demo.service import ADMIN_LOGIN, BUSINESS_LOGIN, CUSTOMER_LOGIN, seed_demo
from backend.identity import auth
from backend.identity.repository import UserRepository
from backend.kit.errors import AccountLocked, InvalidCredentials
from backend.kit.repository import TenantScope
from backend.models import (
    AuditLogEntry,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OpenPosition,
    Subscription,
    SubscriptionStatus,
    TaxMode,
    UserRole,
)
from backend.reporting import dashboard
from backend.reporting.overview import admin_overview
from backend.settings import load_settings
from backend.tenancy.service import scope_for_slug
from tests.conftest import DEMO_AS_OF

D = Decimal


@pytest.fixture
def scope(demo_session: Session) -> TenantScope:
    return scope_for_slug(demo_session, "demo")


def _invoices(session: Session, scope: TenantScope) -> list[Invoice]:
    statement = (
        select(Invoice).where(Invoice.tenant_id == scope.tenant_id).order_by(Invoice.issued_at, Invoice.id)
    )
    return list(session.scalars(statement))


def _lines(session: Session, invoice: Invoice) -> list[InvoiceLine]:
    statement = select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position)
    return list(session.scalars(statement))


def _by_number(session: Session, scope: TenantScope) -> dict[str, Invoice]:
    return {invoice.number or "": invoice for invoice in _invoices(session, scope)}


def test_a_second_seed_changes_nothing(demo_session: Session, scope: TenantScope) -> None:
    before = demo_session.scalar(select(func.count()).select_from(Invoice))
    with clock.frozen(datetime(2027, 3, 1, 12, tzinfo=UTC)):
        result = seed_demo(demo_session, load_settings())
    assert not result.created
    assert demo_session.scalar(select(func.count()).select_from(Invoice)) == before


def test_a_year_of_invoices_in_every_state(demo_session: Session, scope: TenantScope) -> None:
    invoices = _invoices(demo_session, scope)
    # Two customers, one invoice each on the 1st of December 2025 ... November 2026.
    assert len(invoices) == 24
    months = {(i.issued_at.year, i.issued_at.month) for i in invoices if i.issued_at}
    assert months == {(2025, 12)} | {(2026, month) for month in range(1, 12)}
    statuses = [invoice.status for invoice in invoices]
    # Erika: November's invoice issued (due on the 15th), September's overdue, May's voided.
    # Nordwind: August's overdue. The other 20 are paid.
    assert sorted(statuses) == sorted(
        [InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE, InvoiceStatus.OVERDUE, InvoiceStatus.VOID]
        + [InvoiceStatus.PAID] * 20
    )


def test_numbers_are_gapless_per_year_in_order_of_issue(demo_session: Session, scope: TenantScope) -> None:
    by_year: dict[int, list[int]] = defaultdict(list)
    for invoice in _invoices(demo_session, scope):
        match = re.fullmatch(r"INV-(\d{4})-(\d{5})", invoice.number or "")
        assert match, invoice.number
        assert invoice.issued_at and int(match.group(1)) == invoice.issued_at.year
        by_year[int(match.group(1))].append(int(match.group(2)))
    assert by_year == {2025: [1, 2], 2026: list(range(1, 23))}


def test_every_invoice_adds_up_with_the_rate_of_the_customers_tax_mode(
    demo_session: Session, scope: TenantScope
) -> None:
    for invoice in _invoices(demo_session, scope):
        lines = _lines(demo_session, invoice)
        assert lines
        assert sum((line.net for line in lines), D(0)) == invoice.net
        assert sum((line.tax for line in lines), D(0)) == invoice.tax
        assert invoice.net + invoice.tax == invoice.gross
        if invoice.tax_mode == TaxMode.DOMESTIC:
            assert (invoice.tax_country, invoice.buyer_country) == ("DE", "DE")
            expected_rate = D(19)  # German standard rate
        else:
            assert invoice.tax_mode == TaxMode.REVERSE_CHARGE
            assert (invoice.tax_country, invoice.buyer_vat_id) == ("SE", "SE556677889901")
            assert "Reverse charge" in invoice.tax_note
            expected_rate = D(0)
        for line in lines:
            assert line.tax_rate == expected_rate
            assert line.tax == (line.net * expected_rate / 100).quantize(D("0.01"), "ROUND_HALF_UP")
        paid_or_void = invoice.status in {InvoiceStatus.PAID, InvoiceStatus.VOID}
        assert invoice.balance_due == (D(0) if paid_or_void else invoice.gross)


def test_invoices_hold_plan_price_times_periods(demo_session: Session, scope: TenantScope) -> None:
    invoices = _by_number(demo_session, scope)

    def totals(number: str) -> tuple[Decimal, Decimal, Decimal]:
        return invoices[number].net, invoices[number].tax, invoices[number].gross

    # Erika's first invoice (1 Dec 2025): hosting 3 Nov - 3 Dec 9.90 (tax 1.881 -> 1.88); the server's
    # trial ended 17 Nov 10:00, then a stub to the anchor on 1 Dec 10:00: 14 of the 30 days of
    # 1 Nov - 1 Dec, 5.39 x 14/30 = 2.5153 -> 2.52 (tax 0.4788 -> 0.48), backups 2.00 x 14/30 =
    # 0.9333 -> 0.93 (tax 0.1767 -> 0.18). Net 13.35, tax 2.54, gross 15.89.
    assert totals("INV-2025-00001") == (D("13.35"), D("2.54"), D("15.89"))
    # Nordwind's first invoice: retainer 49.00, yearly hosting 99.00, monthly hosting 9.90, server
    # stub 19 Nov 09:10 - 1 Dec 09:10 = 12 of 30 days, 5.39 x 12/30 = 2.156 -> 2.16; 0 % tax.
    assert totals("INV-2025-00002") == (D("160.06"), D(0), D("160.06"))
    # Erika in a plain month (October 2026 invoice): server 5.39 + backups 2.00 + Pro 19.90 = 27.29;
    # tax 1.0241 -> 1.02, 0.38, 3.781 -> 3.78 = 5.18; gross 32.47.
    assert totals("INV-2026-00019") == (D("27.29"), D("5.18"), D("32.47"))
    # Nordwind after its second hosting ended (from June 2026): server 5.39 + retainer 49.00.
    assert totals("INV-2026-00020") == (D("54.39"), D(0), D("54.39"))


def test_the_plan_change_credits_the_old_plan_and_prorates_the_new_one(
    demo_session: Session, scope: TenantScope
) -> None:
    # Erika moved from Monthly (9.90) to Pro (19.90) on 20 Jun 2026 15:00 in the period
    # 3 Jun 10:05 - 3 Jul 10:05 (30 days = 2,592,000 s). Unused: 12 d 19 h 5 min = 1,105,500 s,
    # share 0.4265046. Pro: 19.90 x share = 8.4874 -> 8.49 (tax 1.6131 -> 1.61); credit:
    # -9.90 x share = -4.2224 -> -4.22 (tax -0.8018 -> -0.80).
    invoice = _by_number(demo_session, scope)["INV-2026-00013"]
    lines = {line.description: (line.net, line.tax) for line in _lines(demo_session, invoice)}
    assert lines == {
        "Cloud Server CX22": (D("5.39"), D("1.02")),
        "Daily Backups": (D("2.00"), D("0.38")),
        "Web Hosting Monthly": (D("9.90"), D("1.88")),
        "Web Hosting Pro (prorated)": (D("8.49"), D("1.61")),
        "Credit for unused time: Web Hosting Monthly": (D("-4.22"), D("-0.80")),
    }
    assert (invoice.net, invoice.tax, invoice.gross) == (D("21.56"), D("4.09"), D("25.65"))


def test_a_voided_invoice_and_its_credit_note_net_to_zero(demo_session: Session, scope: TenantScope) -> None:
    voided = [i for i in _invoices(demo_session, scope) if i.status == InvoiceStatus.VOID]
    assert [invoice.number for invoice in voided] == ["INV-2026-00009"]  # Erika's May invoice
    invoice = voided[0]
    note = demo_session.scalars(select(CreditNote).where(CreditNote.invoice_id == invoice.id)).one()
    assert note.number == "INV-2026-00009-CN1"
    # Credit notes carry positive amounts that are taken off their invoice.
    assert (note.net, note.tax, note.gross) == (invoice.net, invoice.tax, invoice.gross)
    assert (note.net, note.tax, note.gross) == (D("17.29"), D("3.28"), D("20.57"))
    assert note.issued_at == invoice.voided_at and invoice.issued_at and note.issued_at
    assert invoice.issued_at < note.issued_at <= DEMO_AS_OF
    note_lines = list(
        demo_session.scalars(select(CreditNoteLine).where(CreditNoteLine.credit_note_id == note.id))
    )
    invoice_lines = {line.id: line for line in _lines(demo_session, invoice)}
    assert {line.invoice_line_id: line.gross for line in note_lines} == {
        line_id: line.gross for line_id, line in invoice_lines.items()
    }


def test_every_invoice_line_was_an_open_position_and_the_running_month_is_unbilled(
    demo_session: Session, scope: TenantScope
) -> None:
    positions = list(
        demo_session.scalars(select(OpenPosition).where(OpenPosition.tenant_id == scope.tenant_id))
    )
    lines = list(demo_session.scalars(select(InvoiceLine).where(InvoiceLine.tenant_id == scope.tenant_id)))
    assert {line.open_position_id for line in lines} == {p.id for p in positions if p.invoice_id}
    # Charged in November, invoiced on 1 December: both servers and backups (periods from the
    # 1st), Pro (from the 3rd), the retainer and the yearly renewal (from the 5th).
    unbilled = sorted((p.description, p.amount) for p in positions if p.invoice_id is None)
    assert unbilled == [
        ("Cloud Server CX22", D("5.39")),
        ("Cloud Server CX22", D("5.39")),
        ("Daily Backups", D("2.00")),
        ("Support Retainer", D("49.00")),
        ("Web Hosting Pro", D("19.90")),
        ("Web Hosting Yearly", D("99.00")),
    ]


def test_subscriptions_in_several_states(demo_session: Session, scope: TenantScope) -> None:
    rows = demo_session.execute(
        select(Subscription.number, Subscription.status)
        .where(Subscription.tenant_id == scope.tenant_id)
        .order_by(Subscription.number)
    )
    assert {number: status for number, status in rows} == {
        "SUB-000001": SubscriptionStatus.ACTIVE,  # Erika's server
        "SUB-000002": SubscriptionStatus.ACTIVE,  # Erika's hosting, now Pro
        "SUB-000003": SubscriptionStatus.PENDING_CANCEL,  # Nordwind's retainer, ends 5 Dec
        "SUB-000004": SubscriptionStatus.ACTIVE,  # Nordwind's yearly hosting
        "SUB-000005": SubscriptionStatus.PAST_DUE,  # Nordwind's server, suspended
        "SUB-000006": SubscriptionStatus.CANCELED,  # Nordwind's second hosting, ended 5 May
        "SUB-000007": SubscriptionStatus.TRIALING,  # Erika's test server, ordered 9 Nov
    }


def test_customer_dashboard_shows_subscriptions_and_the_open_balance(
    demo_session: Session, scope: TenantScope
) -> None:
    account = CustomerAccountRepository(demo_session, scope).by_number("C-10001")
    assert account and account.id
    overview = dashboard.customer_overview(demo_session, scope, account.id)
    assert overview.customer_name == "Erika Mustermann"
    assert {s.plan_name for s in overview.subscriptions} == {"Cloud Server CX22", "Web Hosting Pro"}
    assert any("erika-web-01" in server for s in overview.subscriptions for server in s.servers)
    # November's invoice (32.47, issued) and September's (32.47, overdue): 64.94.
    assert [(b.amount, b.unpaid_invoices, b.overdue_invoices) for b in overview.balances] == [
        ("64.94 EUR", 2, 1)
    ]


def test_admin_figures_of_the_demo(demo_session: Session, demo_clock: clock.FrozenClock) -> None:
    demo = scope_for_slug(demo_session, "demo")
    figures = admin_overview(demo_session, demo, Actor.admin(demo.tenant_id))
    assert (figures.customers, figures.active_subscriptions) == (2, 6)  # all but the canceled one
    assert (figures.unpaid_invoices, figures.overdue_invoices) == (3, 2)
    # Erika 32.47 (November) + 32.47 (September) + Nordwind 54.39 (August) = 119.33.
    assert figures.open_amounts == ["119.33 EUR"]
    # Paid since 13 October 10:00 UTC: only Nordwind's November invoice (54.39, paid 2 November);
    # Erika's October invoice was paid on 4 October.
    assert figures.paid_last_30_days == ["54.39 EUR"]


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


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 1, 0, 30, tzinfo=UTC),  # 01:30 in Berlin: before that day's invoice run
        datetime(2028, 2, 29, 12, 0, tzinfo=UTC),  # a leap day
        datetime(2026, 12, 31, 22, 30, tzinfo=UTC),  # 23:30 on New Year's Eve in Berlin
    ],
    ids=str,
)
def test_nothing_is_dated_after_now_whatever_the_day(session: Session, now: datetime) -> None:
    with clock.frozen(now):
        seed_demo(session, load_settings(), slug="demo-elsewhen")
    scope = scope_for_slug(session, "demo-elsewhen")
    invoices = _invoices(session, scope)
    assert len(invoices) in (22, 24)  # 11 or 12 invoice runs, depending on the day
    for invoice in invoices:
        assert invoice.issued_at and invoice.issued_at <= now
        assert invoice.paid_at is None or invoice.paid_at <= now
        assert invoice.voided_at is None or invoice.voided_at <= now
    tenant = scope.tenant_id
    for model in (CreditNote, OpenPosition, Subscription, AuditLogEntry):
        latest = session.scalar(select(func.max(model.created_at)).where(model.tenant_id == tenant))
        assert latest is not None and latest <= now, model.__name__
    latest_note = session.scalar(select(func.max(CreditNote.issued_at)).where(CreditNote.tenant_id == tenant))
    assert latest_note is not None and latest_note <= now
