"""The CSV of each kind for January 2026 against the hand-built ledger (tests/exports/ledger.py):
headers, values (money rounded to the row's currency, times ISO 8601 UTC, formulas defused), the
range's boundaries (1 January 00:00 in, 1 February 00:00 out) and tenant B's rows never in A's file.
Then the streaming itself: one chunk per batch of rows, produced lazily, and the refusals."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select
from sqlmodel import Session

from backend.exports import repository, service
from backend.exports.errors import ExportRangeInvalid
from backend.kit.errors import PermissionDenied
from backend.kit.policy import Actor
from backend.models import ExportKind, Payment
from tests.exports.ledger import JANUARY, Ledger, seed

EVIL = '"\'=HYPERLINK(""http://x"")"'  # the name as a spreadsheet shows text: apostrophe, quotes doubled

INVOICES = (
    "invoice_number,status,customer_number,customer_name,currency,net,tax,gross,balance_due,tax_mode,"
    "tax_country,buyer_country,buyer_vat_id,issued_at_utc,due_at_utc,paid_at_utc,voided_at_utc\r\n"
    # 100.00 + 19.00 = 119.00, due 14 days after issue
    "INV-2026-00001,issued,C-0001,ACME GmbH,EUR,100.00,19.00,119.00,119.00,domestic,DE,DE,,"
    "2026-01-01T00:00:00+00:00,2026-01-15T00:00:00+00:00,,\r\n"
    # yen have no minor unit: 1500, tax 0
    "INV-2026-00003,issued,C-0001,ACME GmbH,JPY,1500,0,1500,1500,domestic,DE,DE,,"
    "2026-01-15T12:00:00+00:00,2026-01-29T12:00:00+00:00,,\r\n"
    # 20.00 + 3.80 = 23.80
    "INV-2026-00005,void,C-0001,ACME GmbH,EUR,20.00,3.80,23.80,23.80,domestic,DE,DE,,"
    "2026-01-20T09:00:00+00:00,2026-02-03T09:00:00+00:00,,\r\n"
    # 40.00 + 7.60 = 47.60, paid: nothing due; issued in the range's last second
    f"INV-2026-00002,paid,C-0002,{EVIL},EUR,40.00,7.60,47.60,0.00,domestic,DE,DE,,"
    "2026-01-31T23:59:59+00:00,2026-02-14T23:59:59+00:00,2026-01-31T23:59:59+00:00,\r\n"
)
CREDIT_NOTES = (
    "credit_note_number,invoice_number,customer_number,customer_name,currency,net,tax,gross,"
    "refund_amount,reason,issued_at_utc\r\n"
    "INV-2026-00005-CN1,INV-2026-00005,C-0001,ACME GmbH,EUR,-20.00,-3.80,-23.80,0.00,Voided,"
    "2026-01-20T09:30:00+00:00\r\n"
)
CUSTOMERS = (
    "customer_number,name,customer_type,company_name,email,country,vat_id,billing_day,created_at_utc\r\n"
    "C-0001,ACME GmbH,business,ACME GmbH,C-0001@example.test,DE,DE123456789,1,2026-01-01T00:00:00+00:00\r\n"
    f"C-0002,{EVIL},business,,C-0002@example.test,AT,,1,2026-01-31T23:59:59+00:00\r\n"
)
SUBSCRIPTIONS = (
    "subscription_number,customer_number,customer_name,plan,status,started_at_utc,current_period_start_utc,"
    "current_period_end_utc,trial_end_utc,cancel_effective_at_utc,canceled_at_utc,created_at_utc\r\n"
    "SUB-000001,C-0001,ACME GmbH,Web Hosting,active,2026-01-10T00:00:00+00:00,2026-01-10T00:00:00+00:00,"
    "2026-02-10T00:00:00+00:00,,,,2026-01-10T00:00:00+00:00\r\n"
)


@pytest.fixture
def ledger(session: Session) -> Iterator[Ledger]:
    yield seed(session)


def _csv(session: Session, ledger: Ledger, kind: ExportKind, days: tuple[date, date] = JANUARY) -> str:
    data = b"".join(service.csv_chunks(session, ledger.a, kind, *days))
    assert data.startswith("\ufeff".encode())  # the BOM: spreadsheets read UTF-8
    return data.decode("utf-8").removeprefix("\ufeff")


def test_the_invoices_of_january_are_those_issued_from_its_first_instant_before_february(
    session: Session, ledger: Ledger
) -> None:
    assert _csv(session, ledger, ExportKind.INVOICES) == INVOICES


def test_credit_notes_customers_and_subscriptions_of_january(session: Session, ledger: Ledger) -> None:
    assert _csv(session, ledger, ExportKind.CREDIT_NOTES) == CREDIT_NOTES
    assert _csv(session, ledger, ExportKind.CUSTOMERS) == CUSTOMERS
    assert _csv(session, ledger, ExportKind.SUBSCRIPTIONS) == SUBSCRIPTIONS


def test_the_payments_of_january_name_their_invoice(session: Session, ledger: Ledger) -> None:
    payment_id = session.scalar(
        select(Payment.id).where(Payment.tenant_id == ledger.a.tenant_id, Payment.idempotency_key == "pay-1")
    )
    assert _csv(session, ledger, ExportKind.PAYMENTS) == (
        "payment_id,invoice_number,customer_number,customer_name,processor,method,status,currency,amount,"
        "refunded_amount,external_id,created_at_utc,succeeded_at_utc\r\n"
        f"{payment_id},INV-2026-00002,C-0002,{EVIL},manual,transfer,succeeded,EUR,47.60,0.00,TRX-{ledger.a.tenant_id},"
        "2026-01-01T00:00:00+00:00,2026-01-01T00:00:00+00:00\r\n"
    )


def test_a_range_of_one_day_holds_that_day_only(session: Session, ledger: Ledger) -> None:
    one_day = (date(2026, 1, 31), date(2026, 2, 1))  # 31 January: the invoice of its last second
    lines = _csv(session, ledger, ExportKind.INVOICES, one_day).splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["INV-2026-00002"]
    assert (
        service.count_rows(session, ledger.a, Actor.admin(ledger.a.tenant_id), ExportKind.INVOICES, *one_day)
        == 1
    )


def test_counts_match_the_files_and_tenant_b_sees_only_its_own(session: Session, ledger: Ledger) -> None:
    admin_a, admin_b = Actor.admin(ledger.a.tenant_id), Actor.admin(ledger.b.tenant_id)
    expected_a = {"invoices": 4, "credit_notes": 1, "payments": 1, "customers": 2, "subscriptions": 1}
    for kind in ExportKind:
        assert service.count_rows(session, ledger.a, admin_a, kind, *JANUARY) == expected_a[kind.value], kind
        assert service.count_rows(session, ledger.b, admin_b, kind, *JANUARY) == 1, kind
    b_file = b"".join(service.csv_chunks(session, ledger.b, ExportKind.INVOICES, *JANUARY)).decode()
    assert "999.00" in b_file and "ACME" not in b_file and "INV-2026-00002" not in b_file


def test_the_csv_is_produced_batch_by_batch_as_it_is_read(
    session: Session, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "BATCH_ROWS", 1)
    heard: list[int] = []
    chunks = service.csv_chunks(session, ledger.a, ExportKind.INVOICES, *JANUARY, progress=heard.append)
    assert inspect.isgenerator(chunks)
    assert next(chunks).decode().removeprefix("\ufeff").startswith("invoice_number,")  # the header first
    assert heard == []  # no row read before it is asked for
    assert next(chunks).decode().startswith("INV-2026-00001,")
    assert next(chunks).decode().startswith("INV-2026-00003,")
    # a batch counts once the consumer took it and asks for more: the 3rd and 4th rows are unread
    assert heard == [1]
    rest = list(chunks)
    assert [chunk.decode().split(",")[0] for chunk in rest] == ["INV-2026-00005", "INV-2026-00002"]
    assert heard == [1, 2, 3, 4]


def test_the_rows_are_read_through_a_server_side_cursor_in_batches(session: Session, ledger: Ledger) -> None:
    """yield_per asks the driver for a server-side cursor (PostgreSQL) and fetches BATCH_ROWS at a time."""
    start, end = service.utc_bounds(*JANUARY)
    batches = repository.ExportRowsRepository(session, ledger.a).batches(ExportKind.INVOICES, start, end)
    first = next(batches)
    assert len(first) == 4 <= repository.BATCH_ROWS
    assert list(batches) == []


def test_a_range_that_does_not_end_after_it_starts_is_refused(session: Session, ledger: Ledger) -> None:
    admin = Actor.admin(ledger.a.tenant_id)
    for backwards in ((date(2026, 2, 1), date(2026, 2, 1)), (date(2026, 2, 1), date(2026, 1, 1))):
        with pytest.raises(ExportRangeInvalid):
            service.count_rows(session, ledger.a, admin, ExportKind.INVOICES, *backwards)
        with pytest.raises(ExportRangeInvalid):
            service.open_download(session, ledger.a, admin, ExportKind.INVOICES, *backwards)


def test_customers_and_admins_of_another_tenant_may_not_export(session: Session, ledger: Ledger) -> None:
    customer = Actor.customer(ledger.a.tenant_id, customer_account_id=1)
    with pytest.raises(PermissionDenied):
        service.open_download(session, ledger.a, customer, ExportKind.INVOICES, *JANUARY)
    with pytest.raises(PermissionDenied):
        service.open_download(
            session, ledger.a, Actor.admin(ledger.b.tenant_id), ExportKind.INVOICES, *JANUARY
        )
