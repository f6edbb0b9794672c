"""The admin's audit log page: filters (actor, action, object, days in the tenant's zone), keyset
pages in both directions, the before/after diff, the action words and the streamed CSV export.

The world: tenant "north" (Europe/Berlin) with an admin and a customer; tenant "south" has one entry
of its own on an object id north also uses, which north's filters must never find.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from backend import clock
from backend.audit import browse
from backend.audit import service as audit
from backend.audit.repository import AuditFilter, AuditLogRepository
from backend.audit.schemas import AuditSearch, FieldChange
from backend.kit.errors import FieldErrors, PermissionDenied
from backend.kit.policy import Actor
from backend.kit.repository import TenantScope
from backend.models import AuditLogEntry, User, UserRole
from backend.settings import get_settings
from backend.tenancy.service import create_tenant

# 2027-03-30 21:30 UTC is 23:30 in Berlin (summer time, UTC+2): still the 30th there.
LATE_ON_THE_30TH = datetime(2027, 3, 30, 21, 30, tzinfo=UTC)


def _tenant(session: Session, slug: str) -> TenantScope:
    tenant = create_tenant(session, slug=slug, name=slug.title(), settings=get_settings())
    tenant.time_zone = "Europe/Berlin"
    session.flush()
    assert tenant.id is not None
    return TenantScope(tenant.id)


def _user(session: Session, scope: TenantScope, email: str, name: str, role: UserRole) -> int:
    user = User(tenant_id=scope.tenant_id, email=email, password_hash="x", display_name=name, role=role)
    session.add(user)
    session.flush()
    assert user.id is not None
    return user.id


class World:
    def __init__(self, session: Session) -> None:
        self.north, self.south = _tenant(session, "north"), _tenant(session, "south")
        admin_id = _user(session, self.north, "ada@north.example", "Ada Admin", UserRole.ADMIN)
        customer_id = _user(session, self.north, "carl@shop.example", "Carl Customer", UserRole.CUSTOMER)
        self.admin = Actor.admin(self.north.tenant_id, user_id=admin_id)
        self.customer = Actor.customer(self.north.tenant_id, customer_account_id=1, user_id=customer_id)
        south_admin_id = _user(session, self.south, "sue@south.example", "Sue", UserRole.ADMIN)
        self.south_admin = Actor.admin(self.south.tenant_id, user_id=south_admin_id)
        with clock.frozen(LATE_ON_THE_30TH) as frozen:
            # 1: the customer changes the billing profile (the 30th in Berlin)
            audit.record(
                session,
                self.north,
                self.customer,
                "customer.profile_updated",
                object_type="customer_account",
                object_id="C-10001",
                before={"name": "Carl", "city": "Bonn", "vat_id": "DE1"},
                after={"name": "Carl", "city": "Köln", "email": "c@x"},
            )
            frozen.advance(timedelta(hours=1))  # 22:30 UTC = 00:30 on the 31st in Berlin
            # 2: the admin voids an invoice
            audit.record(
                session,
                self.north,
                self.admin,
                "invoice.void",
                object_type="invoice",
                object_id="INV-1",
                before={"status": "issued", "balance_due": "119.00"},
                after={"status": "void", "balance_due": "0.00", "reason": "=HYPERLINK(1)"},
            )
            frozen.advance(timedelta(days=1))  # the 1st of April in Berlin
            # 3: the system marks another invoice overdue; 4: an action without words
            audit.record(
                session,
                self.north,
                audit.SYSTEM,
                "invoice.mark_paid",
                object_type="invoice",
                object_id="INV-2",
            )
            audit.record(
                session, self.north, self.admin, "plan.price_changed", object_type="plan", object_id="7"
            )
            # south's own entry on an object id north uses too
            audit.record(
                session,
                self.south,
                self.south_admin,
                "invoice.void",
                object_type="invoice",
                object_id="INV-1",
                after={"status": "void"},
            )
        entries = session.scalars(
            select(AuditLogEntry.id)
            .where(AuditLogEntry.tenant_id == self.north.tenant_id)
            .order_by(AuditLogEntry.id)
        )
        self.ids = list(entries)

    def page(self, session: Session, search: AuditSearch | None = None, **cursor: int) -> list[int]:
        found = browse.audit_page(session, self.north, self.admin, search or AuditSearch(), **cursor)
        return [row.id for row in found.rows]


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


def test_the_log_is_newest_first_with_words_times_in_the_tenants_zone_and_the_system_named(
    session: Session, world: World
) -> None:
    found = browse.audit_page(session, world.north, world.admin, AuditSearch())
    profile, void, paid, price = world.ids
    assert [row.id for row in found.rows] == [price, paid, void, profile]
    assert found.total == 4 and not found.has_older and not found.has_newer
    assert found.time_zone == "Europe/Berlin"
    by_id = {row.id: row for row in found.rows}
    assert by_id[profile].when == "2027-03-30 23:30:00"  # 21:30 UTC + 2 h
    assert by_id[void].when == "2027-03-31 00:30:00"
    assert (by_id[void].actor, by_id[void].action_words, by_id[void].object_words) == (
        "ada@north.example",
        "Invoice voided",
        "Invoice",
    )
    assert by_id[paid].actor == "System"
    assert by_id[price].action_words == "Plan: price changed"  # spelled out: no words written for it


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        (AuditSearch(who="ADA"), [3, 1]),  # email or name, case-insensitive
        (AuditSearch(who="customer"), [0]),  # by the display name "Carl Customer"
        (AuditSearch(who="%"), []),  # a LIKE wildcard is taken literally
        (AuditSearch(action="invoice.void"), [1]),  # south's void is not north's
        (AuditSearch(object_type="invoice"), [2, 1]),
        (AuditSearch(object_type="invoice", object_id="INV-1"), [1]),
        # days in Berlin: the 30th ends at 22:00 UTC, so the void at 22:30 UTC is on the 31st
        (AuditSearch(since=date(2027, 3, 30), until=date(2027, 3, 30)), [0]),
        (AuditSearch(since=date(2027, 3, 31), until=date(2027, 3, 31)), [1]),
        (AuditSearch(since=date(2027, 4, 1)), [3, 2]),
        (AuditSearch(until=date(2027, 3, 29)), []),
        (AuditSearch(who="ada", object_type="plan"), [3]),
    ],
)
def test_the_filters_combine_and_find_only_the_tenants_own_entries(
    session: Session, world: World, search: AuditSearch, expected: list[int]
) -> None:
    found = browse.audit_page(session, world.north, world.admin, search)
    assert [row.id for row in found.rows] == [world.ids[i] for i in expected]
    assert found.total == len(expected)


def test_pages_go_back_and_forth_by_the_entries_ids(session: Session, world: World) -> None:
    profile, void, paid, price = world.ids
    first = browse.audit_page(session, world.north, world.admin, AuditSearch(), per_page=2)
    assert [r.id for r in first.rows] == [price, paid] and first.has_older and not first.has_newer
    older = browse.audit_page(
        session, world.north, world.admin, AuditSearch(), starting_after=paid, per_page=2
    )
    assert [r.id for r in older.rows] == [void, profile] and not older.has_older and older.has_newer
    back = browse.audit_page(session, world.north, world.admin, AuditSearch(), ending_before=void, per_page=2)
    assert [r.id for r in back.rows] == [price, paid] and back.has_older and not back.has_newer
    middle = browse.audit_page(
        session, world.north, world.admin, AuditSearch(), ending_before=profile, per_page=1
    )
    assert [r.id for r in middle.rows] == [void] and middle.has_older and middle.has_newer
    assert first.total == older.total == 4


def test_the_diff_lists_changed_added_and_removed_fields_and_leaves_equal_ones_out(
    session: Session, world: World
) -> None:
    rows = browse.audit_page(session, world.north, world.admin, AuditSearch(object_id="C-10001")).rows
    assert rows[0].changes == [
        FieldChange("city", "City", "changed", "Bonn", "Köln"),
        FieldChange("vat_id", "Vat id", "removed", "DE1", ""),
        FieldChange("email", "Email", "added", "", "c@x"),
    ]


def test_values_are_shown_as_text() -> None:
    changes = browse.field_changes(
        {"active": True, "amount": None, "lines": [1, 2]}, {"active": False, "amount": 5, "lines": {"a": 1}}
    )
    assert [(c.old, c.new) for c in changes] == [("yes", "no"), ("(empty)", "5"), ("[1, 2]", '{"a": 1}')]
    assert browse.field_changes(None, None) == []


def test_a_range_ending_before_it_starts_is_refused_by_field() -> None:
    with pytest.raises(FieldErrors) as refused:
        browse.checked_search(since=date(2027, 4, 2), until=date(2027, 4, 1))
    assert "until" in refused.value.fields


def test_the_filters_offer_the_actions_and_objects_the_log_holds_in_words(
    session: Session, world: World
) -> None:
    choices = browse.filter_choices(session, world.north, world.admin)
    assert [(c.value, c.label) for c in choices.actions] == [
        ("customer.profile_updated", "Billing profile changed"),
        ("invoice.mark_paid", "Invoice marked paid"),
        ("invoice.void", "Invoice voided"),
        ("plan.price_changed", "Plan: price changed"),
    ]
    assert [c.label for c in choices.object_types] == ["Customer", "Invoice", "Plan"]


def test_customers_may_not_read_or_export_the_log(session: Session, world: World) -> None:
    for call in (
        lambda: browse.audit_page(session, world.north, world.customer, AuditSearch()),
        lambda: browse.filter_choices(session, world.north, world.customer),
        lambda: browse.csv_lines(session, world.north, world.customer, AuditSearch()),
        lambda: browse.record_export(session, world.north, world.customer, AuditSearch()),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_the_csv_holds_the_filtered_entries_with_formulas_defused_and_the_export_is_audited(
    session: Session, world: World
) -> None:
    search = AuditSearch(object_type="invoice")
    browse.record_export(session, world.north, world.admin, search)
    text = "".join(browse.csv_lines(session, world.north, world.admin, search))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "time (Europe/Berlin)" and rows[0][1:4] == ["actor", "action", "action_code"]
    assert [row[5] for row in rows[1:]] == ["INV-2", "INV-1"]  # north's two invoices, newest first
    void = rows[2]
    assert void[:4] == ["2027-03-31 00:30:00", "ada@north.example", "Invoice voided", "invoice.void"]
    assert void[6] == "Status: issued -> void; Balance due: 119.00 -> 0.00; Reason: - -> =HYPERLINK(1)"
    assert '"reason": "=HYPERLINK(1)"' in void[8] and void[8].startswith("{")
    exported = session.scalars(
        select(AuditLogEntry).where(
            AuditLogEntry.action == "audit.export", AuditLogEntry.tenant_id == world.north.tenant_id
        )
    ).one()
    assert exported.tenant_id == world.north.tenant_id and exported.actor_user_id == world.admin.user_id
    assert exported.after == {"filters": {"object_type": "invoice"}}


def test_a_cell_starting_like_a_formula_gets_an_apostrophe(session: Session, world: World) -> None:
    audit.record(session, world.north, world.admin, "=cmd|' /C calc'!A0", object_id="@x")
    rows = list(
        csv.reader(io.StringIO("".join(browse.csv_lines(session, world.north, world.admin, AuditSearch()))))
    )
    newest = rows[1]
    assert newest[3] == "'=cmd|' /C calc'!A0" and newest[5] == "'@x"


def test_the_csv_is_read_in_batches_and_keeps_every_entry(session: Session, world: World) -> None:
    log = AuditLogRepository(session, world.north)
    batches = [entry.id for entry, _, _ in log.all_matching(AuditFilter(), batch=3)]
    assert batches == list(reversed(world.ids))  # 4 entries over two batches of 3, none twice
