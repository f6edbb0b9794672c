"""Invoices, their lines, credit notes and the gapless document numbers."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from backend.kit import bulk
from backend.kit.pagination import Page
from backend.kit.repository import TenantRepository
from backend.models import (
    BillingRun,
    BillingRunStatus,
    CreditNote,
    CreditNoteLine,
    CustomerAccount,
    CustomerProfile,
    CustomerType,
    DocumentKind,
    DocumentNumberSequence,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PromotionRedemption,
    PromotionUse,
    User,
    VatIdStatus,
)
from backend.models.statuses import INVOICE_STATUS_GROUPS, UNPAID_INVOICE_STATUSES


def _dialect_insert(session: Session) -> Any:
    """INSERT with ON CONFLICT support for the session's database."""
    dialect = session.get_bind().dialect.name
    builders = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    if dialect not in builders:
        raise NotImplementedError(f"idempotent inserts are not implemented for {dialect}")
    return builders[dialect]


@dataclass(frozen=True, slots=True)
class BuyerProfile:
    """A customer's billing profile as an invoice run reads it: plain values with the attribute
    names of `CustomerProfile`, no ORM object per customer."""

    customer_account_id: int
    name: str
    company_name: str
    customer_type: CustomerType
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    email: str
    vat_id: str
    vat_id_status: VatIdStatus


# What an issued invoice copies of its buyer's billing profile, in the order of `BuyerProfile`.
BUYER_COLUMNS = tuple(field.name for field in fields(BuyerProfile))


class BuyerProfileReads(TenantRepository[CustomerProfile]):
    """The billing profiles of the customers an invoice run bills (read only)."""

    model = CustomerProfile

    def for_accounts(self, customer_account_ids: set[int]) -> dict[int, BuyerProfile]:
        if not customer_account_ids:
            return {}
        table = CustomerProfile.__table__
        statement = self.scoped(select(*(table.c[name] for name in BUYER_COLUMNS))).where(
            bulk.among(self.session, CustomerProfile.customer_account_id, customer_account_ids)
        )
        return {row[0]: BuyerProfile(*row) for row in self.session.execute(statement)}


class InvoiceRepository(TenantRepository[Invoice]):
    model = Invoice

    def by_number(self, number: str) -> Invoice | None:
        return self.session.scalars(self.select().where(Invoice.number == number)).first()

    def lock(self, invoice_id: int) -> Invoice | None:
        return self.session.scalars(
            self.select()
            .where(Invoice.id == invoice_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def customers_invoiced_since(self, since: datetime, customer_ids: list[int]) -> set[int]:
        """Which of `customer_ids` were issued an invoice at or after `since`. Bounded by the ids'
        range rather than a list, so an invoice run over 100,000 customers stays one short statement."""
        if not customer_ids:
            return set()
        statement = self.scoped(
            select(Invoice.customer_account_id).where(
                Invoice.customer_account_id.between(min(customer_ids), max(customer_ids)),
                Invoice.issued_at >= since,
            )
        )
        found = {int(customer_id) for customer_id in self.session.scalars(statement.distinct())}
        return found & set(customer_ids)

    def insert_issued(self, invoices: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> list[int]:
        """Insert invoices and their lines as rows of this tenant (two statements); returns the
        invoice ids in the order given."""
        tenant = self.scope.tenant_id
        table = Invoice.__table__
        rows = [
            {**invoice, "tenant_id": tenant, "created_at": invoice["issued_at"]} for invoice, _ in invoices
        ]
        if bulk.is_postgresql(self.session):
            ids = bulk.reserve_ids(self.session, table, len(rows))
            with_ids = [{"id": invoice_id, **row} for invoice_id, row in zip(ids, rows, strict=True)]
            bulk.copy_rows(self.session, table, with_ids)
        else:
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids = list(self.session.connection().execute(statement, rows).scalars())
        lines = [
            {**line, "tenant_id": tenant, "invoice_id": invoice_id}
            for invoice_id, (_, invoice_lines) in zip(ids, invoices, strict=True)
            for line in invoice_lines
        ]
        bulk.copy_rows(self.session, InvoiceLine.__table__, lines)
        return ids

    def by_ids(self, invoice_ids: list[int]) -> list[Invoice]:
        if not invoice_ids:
            return []
        statement = self.select().where(Invoice.id.in_(invoice_ids)).order_by(Invoice.id)
        return list(self.session.scalars(statement))

    def count_overdue_candidates(self, now: datetime) -> int:
        statement = self.scoped(select(func.count()).select_from(Invoice).where(*self._overdue(now)))
        return int(self.session.scalar(statement) or 0)

    def mark_overdue(self, now: datetime) -> int:
        invoices = list(
            self.session.scalars(
                self.select()
                .where(*self._overdue(now))
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        for invoice in invoices:
            invoice.status, invoice.overdue_at = InvoiceStatus.OVERDUE, now
        self.session.flush()
        return len(invoices)

    def statement_page(
        self,
        customer_account_id: int | None,
        statuses: tuple[InvoiceStatus, ...],
        *,
        limit: int,
        after: Invoice | None = None,
    ) -> Page[Invoice]:
        """A page of a statement: the invoices in `statuses` of one customer account (of every
        account when None). Unpaid ones come first, the earliest due first; then the settled ones,
        the newest first. `after` is the last invoice of the previous page (the cursor)."""
        base = self.select().where(Invoice.status.in_(statuses))
        if customer_account_id is not None:
            base = base.where(Invoice.customer_account_id == customer_account_id)
        unpaid = [status for status in statuses if status in UNPAID_INVOICE_STATUSES]
        settled = [status for status in statuses if status not in UNPAID_INVOICE_STATUSES]
        past_unpaid = after is not None and after.status not in UNPAID_INVOICE_STATUSES
        rows: list[Invoice] = []
        if unpaid and not past_unpaid:
            statement = base.where(Invoice.status.in_(unpaid))
            if after is not None:
                statement = statement.where(
                    or_(
                        Invoice.due_at > after.due_at,
                        and_(Invoice.due_at == after.due_at, Invoice.id > after.id),
                    )
                )
            rows = list(self.session.scalars(statement.order_by(Invoice.due_at, Invoice.id).limit(limit + 1)))
        if settled and len(rows) <= limit:
            statement = base.where(Invoice.status.in_(settled))
            if after is not None and past_unpaid:
                statement = statement.where(
                    or_(
                        Invoice.issued_at < after.issued_at,
                        and_(Invoice.issued_at == after.issued_at, Invoice.id < after.id),
                    )
                )
            newest_first = statement.order_by(Invoice.issued_at.desc(), Invoice.id.desc())
            rows += list(self.session.scalars(newest_first.limit(limit + 1 - len(rows))))
        return Page(rows[:limit], len(rows) > limit)

    @staticmethod
    def _overdue(now: datetime) -> tuple[Any, ...]:
        return (Invoice.status == InvoiceStatus.ISSUED, Invoice.due_at < now, Invoice.balance_due > 0)


class InvoiceLineRepository(TenantRepository[InvoiceLine]):
    model = InvoiceLine

    def for_invoice(self, invoice_id: int) -> list[InvoiceLine]:
        statement = self.select().where(InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.position)
        return list(self.session.scalars(statement))

    def for_open_position(self, open_position_id: int) -> InvoiceLine | None:
        statement = self.select().where(InvoiceLine.open_position_id == open_position_id)
        return self.session.scalars(statement).first()


class CreditNoteRepository(TenantRepository[CreditNote]):
    model = CreditNote

    def for_invoice(self, invoice_id: int) -> list[CreditNote]:
        statement = self.select().where(CreditNote.invoice_id == invoice_id).order_by(CreditNote.id)
        return list(self.session.scalars(statement))

    def for_invoices(self, invoice_ids: list[int]) -> list[CreditNote]:
        """The credit notes of `invoice_ids`, by invoice, oldest first."""
        if not invoice_ids:
            return []
        statement = (
            self.select()
            .where(CreditNote.invoice_id.in_(invoice_ids))
            .order_by(CreditNote.invoice_id, CreditNote.id)
        )
        return list(self.session.scalars(statement))

    def count_for_invoice(self, invoice_id: int) -> int:
        statement = self.scoped(
            select(func.count()).select_from(CreditNote).where(CreditNote.invoice_id == invoice_id)
        )
        return int(self.session.scalar(statement) or 0)

    def credited_total(self, invoice_id: int) -> Decimal:
        return sum((note.gross for note in self.for_invoice(invoice_id)), Decimal(0))

    def credited_net_by_line(self, invoice_id: int) -> dict[int, Decimal]:
        statement = self.scoped(
            select(CreditNoteLine.invoice_line_id, func.sum(CreditNoteLine.net))
            .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
            .where(CreditNote.invoice_id == invoice_id, CreditNoteLine.invoice_line_id.is_not(None))
            .group_by(CreditNoteLine.invoice_line_id),
            CreditNoteLine,
        )
        return {int(line_id): Decimal(total) for line_id, total in self.session.execute(statement)}

    def credited_windows(self, position_ids: list[int]) -> list[tuple[int, datetime | None, datetime | None]]:
        """(open position id, credited from, the invoice line's start) of every credit note line
        crediting the invoice lines of `position_ids`."""
        if not position_ids:
            return []
        statement = self.scoped(
            select(InvoiceLine.open_position_id, CreditNoteLine.period_start, InvoiceLine.period_start)
            .select_from(CreditNoteLine)
            .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
            .join(InvoiceLine, InvoiceLine.id == CreditNoteLine.invoice_line_id)
            .where(InvoiceLine.open_position_id.in_(position_ids)),
            CreditNoteLine,
            InvoiceLine,
        )
        return [(int(pid), credited, start) for pid, credited, start in self.session.execute(statement)]


class CreditNoteLineRepository(TenantRepository[CreditNoteLine]):
    model = CreditNoteLine


class DocumentSequenceRepository(TenantRepository[DocumentNumberSequence]):
    """Gapless counters: the row is locked until commit, so numbers are handed out one run at a time."""

    model = DocumentNumberSequence

    def take(self, kind: DocumentKind, year: int, count: int) -> list[int]:
        """Reserve the next `count` numbers of `kind` in `year`: one statement creates the counter
        or advances it by `count` and returns where it ends, the row locked until commit."""
        if count <= 0:
            return []
        table = DocumentNumberSequence.__table__
        insert_counter = _dialect_insert(self.session)(table).values(
            tenant_id=self.scope.tenant_id, kind=kind, year=year, last_value=count
        )
        statement = insert_counter.on_conflict_do_update(
            index_elements=["tenant_id", "kind", "year"],
            set_={"last_value": table.c.last_value + count},
        ).returning(table.c.last_value)
        last = int(self.session.execute(statement).scalar_one())
        for key in list(self.session.identity_map.keys()):
            if key[0] is DocumentNumberSequence:  # a counter read before reads the new value
                self.session.expire(self.session.identity_map[key])
        return list(range(last - count + 1, last + 1))


class PromotionUseRepository(TenantRepository[PromotionUse]):
    """What each issued invoice used of a redemption (written at issue, given back by a void)."""

    model = PromotionUse

    def add_many(self, uses: list[PromotionUse]) -> None:
        """Insert the uses of an invoice run in one flush (every row of this tenant); a use of
        another tenant is refused before anything is written."""
        for use in uses:
            if use.tenant_id is None:
                use.tenant_id = self.scope.tenant_id
        self.check_owned(uses)
        self.session.add_all(uses)
        self.session.flush()

    def live_for_invoice(self, invoice_id: int) -> list[tuple[PromotionUse, PromotionRedemption]]:
        """The uses of `invoice_id` not given back yet, with their redemptions."""
        statement: Any = self.scoped(
            select(PromotionUse, PromotionRedemption)
            .join(PromotionRedemption, PromotionRedemption.id == PromotionUse.redemption_id)
            .where(PromotionUse.invoice_id == invoice_id, PromotionUse.returned_at.is_(None))
            .order_by(PromotionUse.id),
            PromotionRedemption,
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]

    def first_live_invoice(self, redemption_id: int) -> int | None:
        """The earliest invoice still using `redemption_id` (None when every use was given back)."""
        statement = self.scoped(
            select(func.min(PromotionUse.invoice_id)).where(
                PromotionUse.redemption_id == redemption_id, PromotionUse.returned_at.is_(None)
            )
        )
        return self.session.scalar(statement)


def _contains(text: str) -> str:
    """A LIKE pattern for `text` anywhere, case-insensitive (lower-cased), wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    """What the admin's invoice search asks for; empty fields match everything."""

    number: str = ""  # part of the invoice number
    customer: str = ""  # part of the customer's name or number
    status: str = ""  # an invoice status value, or a group's name ("unpaid")
    issued_from: date | None = None  # issued at or after the start of this UTC day
    issued_until: date | None = None  # issued before the end of this UTC day (inclusive)
    customer_account_id: int | None = None


class InvoiceSearch(TenantRepository[Invoice]):
    """Every invoice of the tenant (drafts too) for its admins, filtered, with its customer."""

    model = Invoice

    def _filtered(self, wanted: InvoiceFilter, issued_bounds: tuple[Any, Any]) -> Any:
        statement = self.scoped(
            select(Invoice, CustomerAccount).join(
                CustomerAccount, CustomerAccount.id == Invoice.customer_account_id
            ),
            CustomerAccount,
        )
        if wanted.number.strip():
            pattern = _contains(wanted.number.strip())
            statement = statement.where(func.lower(Invoice.number).like(pattern, escape="\\"))
        if wanted.customer.strip():
            pattern = _contains(wanted.customer.strip())
            statement = statement.where(
                or_(
                    func.lower(CustomerAccount.name).like(pattern, escape="\\"),
                    func.lower(CustomerAccount.number).like(pattern, escape="\\"),
                )
            )
        if wanted.status:
            statement = statement.where(
                Invoice.status.in_(INVOICE_STATUS_GROUPS.get(wanted.status, (wanted.status,)))
            )
        if wanted.customer_account_id is not None:
            statement = statement.where(Invoice.customer_account_id == wanted.customer_account_id)
        since, until = issued_bounds
        if since is not None:
            statement = statement.where(Invoice.issued_at >= since)
        if until is not None:
            statement = statement.where(Invoice.issued_at < until)
        return statement

    def count_matching(self, wanted: InvoiceFilter, issued_bounds: tuple[Any, Any] = (None, None)) -> int:
        statement = select(func.count()).select_from(self._filtered(wanted, issued_bounds).subquery())
        return int(self.session.scalar(statement) or 0)

    def rows(
        self,
        wanted: InvoiceFilter,
        issued_bounds: tuple[Any, Any] = (None, None),
        *,
        limit: int,
        offset: int = 0,
        starting_after: int | None = None,
        newest_first: bool = True,
    ) -> list[tuple[Invoice, CustomerAccount]]:
        """Matching invoices by id (newest first for the page, oldest first for the API's cursor);
        `issued_bounds` are the aware datetimes [since, until) of the issue date range."""
        statement = self._filtered(wanted, issued_bounds)
        if starting_after is not None:
            after = Invoice.id < starting_after if newest_first else Invoice.id > starting_after
            statement = statement.where(after)
        statement = statement.order_by(Invoice.id.desc() if newest_first else Invoice.id)
        statement = statement.offset(offset).limit(limit)
        return [(row[0], row[1]) for row in self.session.execute(statement)]

    def with_customer(self, invoice_id: int) -> tuple[Invoice, CustomerAccount] | None:
        statement = self.scoped(
            select(Invoice, CustomerAccount)
            .join(CustomerAccount, CustomerAccount.id == Invoice.customer_account_id)
            .where(Invoice.id == invoice_id),
            CustomerAccount,
        )
        row = self.session.execute(statement).first()
        return (row[0], row[1]) if row else None

    def id_for_number(self, number: str) -> int | None:
        return self.session.scalar(self.scoped(select(Invoice.id).where(Invoice.number == number)))

    def user_emails(self, user_ids: set[int]) -> dict[int, str]:
        """The emails of the tenant's users among `user_ids` (who did what in an invoice's history)."""
        if not user_ids:
            return {}
        statement = self.scoped(
            select(User.id, User.email).where(User.id.in_(sorted(user_ids))), User, own_model=False
        )
        return {user_id: email for user_id, email in self.session.execute(statement)}


class BillingRunRepository(TenantRepository[BillingRun]):
    """The tenant's "bill now" runs."""

    model = BillingRun

    def lock(self, run_id: int) -> BillingRun | None:
        """The run, locked until commit: one worker at a time bills its next customer."""
        return self.session.scalars(
            self.select()
            .where(BillingRun.id == run_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def unfinished_ids(self) -> list[int]:
        """Runs waiting for a worker or cut short (a worker died): the coordinator queues them."""
        statement = self.scoped(
            select(BillingRun.id)
            .where(BillingRun.status.in_([BillingRunStatus.QUEUED, BillingRunStatus.RUNNING]))
            .order_by(BillingRun.id)
        )
        return [int(run_id) for run_id in self.session.scalars(statement)]

    def latest(self, customer_account_id: int | None) -> BillingRun | None:
        """The newest run for the customer (None: the newest run over every customer)."""
        statement = self.select().where(
            BillingRun.customer_account_id.is_(None)
            if customer_account_id is None
            else BillingRun.customer_account_id == customer_account_id
        )
        return self.session.scalars(statement.order_by(BillingRun.id.desc()).limit(1)).first()
