"""The admin's customer pages: the searchable list, one customer's file with its standing, and the
notes admins keep on it. Amounts and moments are formatted here (tenant time zone); the services
ask the policy (admins only) and an id of another tenant is not found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from backend.customers import notes as notes_service
from backend.customers.notes import NoteView
from backend.db import unit_of_work
from backend.gateway.units import actor, user_scope
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.tenants import TenantDirectory
from backend.money import Money
from backend.reporting import customers as customer_reads
from backend.reporting.admin_schemas import CustomerListPage

NOTES_SHOWN = 20


@dataclass(frozen=True, slots=True)
class FigureLine:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class MemberLine:
    email: str
    role: str


@dataclass(frozen=True, slots=True)
class SubscriptionLine:
    number: str
    plan_name: str
    status: str


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    number: str
    issued: str  # date in the tenant's zone
    total: str  # gross with its currency
    balance_due: str
    status: str


@dataclass(frozen=True, slots=True)
class NoteLine:
    id: int
    author: str
    written: str  # tenant time
    body: str


@dataclass(frozen=True, slots=True)
class CustomerPage:
    id: int
    number: str
    name: str
    customer_type: str
    standing: str  # good, open or overdue
    overdue_invoices: int
    total_paid: list[str]  # per currency, e.g. ["209.33 EUR"]
    open_balance: list[str]  # per currency with something open
    profile: list[FigureLine]  # the billing profile, label by label; empty without one
    members: list[MemberLine]
    subscriptions: list[SubscriptionLine]
    invoices: list[InvoiceLine]
    invoice_count: int
    time_zone: str
    notes: list[NoteLine] = field(default_factory=list)  # newest first
    more_notes: bool = False


def customer_list(user: SignedInUser, search: str = "", page: int = 1) -> CustomerListPage:
    with unit_of_work() as session:
        return customer_reads.customer_list(session, user_scope(user), actor(None, user), search, page=page)


def customer_page(user: SignedInUser, customer_id: int) -> CustomerPage:
    """The customer's file with its newest notes (`NotFoundError` for an id of another tenant)."""
    with unit_of_work() as session:
        scope, who = user_scope(user), actor(None, user)
        found = customer_reads.customer_file(session, scope, who, customer_id)
        notes = notes_service.list_notes(session, scope, who, customer_id, limit=NOTES_SHOWN)
        zone = _zone(session, user)
    standing = found.standing
    profile = found.profile
    facts: list[FigureLine] = []
    if profile is not None:
        vat = f"{profile.vat_id} ({profile.vat_id_status})" if profile.vat_id else ""
        facts = [
            FigureLine(label, value)
            for label, value in (
                ("Name", profile.name),
                ("Company", profile.company_name),
                ("Type", profile.customer_type.capitalize()),
                ("Address", ", ".join(profile.address)),
                ("Country", profile.country),
                ("Invoice email", profile.email),
                ("Phone", profile.phone),
                ("VAT ID", vat),
                ("Billing day", f"Day {profile.billing_day} of each month"),
            )
            if value
        ]
    return CustomerPage(
        id=found.id,
        number=found.number,
        name=found.name,
        customer_type=found.customer_type,
        standing=standing.standing,
        overdue_invoices=standing.overdue_invoices,
        total_paid=[Money.of(c.total_paid, c.currency).format() for c in standing.by_currency],
        open_balance=[
            Money.of(c.open_balance, c.currency).format() for c in standing.by_currency if c.unpaid_invoices
        ],
        profile=facts,
        members=[MemberLine(m.email, m.role) for m in found.members],
        subscriptions=[SubscriptionLine(s.number, s.plan_name, s.status) for s in found.subscriptions],
        invoices=[
            InvoiceLine(
                number=i.number,
                issued=_day(i.issued_at, zone),
                total=Money.of(i.total, i.currency).format(),
                balance_due=Money.of(i.balance_due, i.currency).format(),
                status=i.status,
            )
            for i in found.invoices
        ],
        invoice_count=found.invoice_count,
        time_zone=zone.key,
        notes=[_note(note, zone) for note in notes.items],
        more_notes=notes.has_more,
    )


def older_notes(user: SignedInUser, customer_id: int, before_note: int) -> tuple[list[NoteLine], bool]:
    """The notes older than the note `before_note`, and whether still older ones follow."""
    with unit_of_work() as session:
        found = notes_service.list_notes(
            session,
            user_scope(user),
            actor(None, user),
            customer_id,
            limit=NOTES_SHOWN,
            starting_after=before_note,
        )
        zone = _zone(session, user)
    return [_note(note, zone) for note in found.items], found.has_more


def add_note(request: RequestContext, user: SignedInUser, customer_id: int, body: str) -> NoteLine:
    """Add the note (a `FieldErrors` names what is wrong with the body; nothing is saved then)."""
    with unit_of_work() as session:
        note = notes_service.add_note(session, user_scope(user), actor(request, user), customer_id, body)
        return _note(note, _zone(session, user))


def _note(note: NoteView, zone: ZoneInfo) -> NoteLine:
    return NoteLine(
        id=note.id,
        author=note.author or "Unknown author",  # the user was deleted, or a tool wrote it
        written=note.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        body=note.body,
    )


def _day(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).date().isoformat() if at else ""


def _zone(session: Session, user: SignedInUser) -> ZoneInfo:
    tenant = TenantDirectory(session).by_id(user.tenant_id)
    return ZoneInfo(tenant.time_zone if tenant else "UTC")
