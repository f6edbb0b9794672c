"""Customer accounts, their members and billing profiles, scoped to one tenant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select

from backend.kit.pagination import Page
from backend.kit.repository import TenantRepository
from backend.models import (
    CustomerAccount,
    CustomerMember,
    CustomerNote,
    CustomerProfile,
    User,
)


class CustomerAccountRepository(TenantRepository[CustomerAccount]):
    model = CustomerAccount

    def by_number(self, number: str) -> CustomerAccount | None:
        return self.session.scalars(self.select().where(CustomerAccount.number == number)).first()

    def for_user(self, user_id: int) -> list[CustomerAccount]:
        statement = self.scoped(
            select(CustomerAccount)
            .join(CustomerMember, CustomerMember.customer_account_id == CustomerAccount.id)
            .where(CustomerMember.user_id == user_id)
            .order_by(CustomerAccount.id),
            CustomerMember,
        )
        return list(self.session.scalars(statement))


class CustomerMemberRepository(TenantRepository[CustomerMember]):
    model = CustomerMember


class CustomerProfileRepository(TenantRepository[CustomerProfile]):
    model = CustomerProfile

    def for_accounts(self, customer_account_ids: set[int]) -> dict[int, CustomerProfile]:
        if not customer_account_ids:
            return {}
        statement = self.select().where(CustomerProfile.customer_account_id.in_(sorted(customer_account_ids)))
        return {profile.customer_account_id: profile for profile in self.session.scalars(statement)}

    def for_account(self, customer_account_id: int) -> CustomerProfile | None:
        statement = self.select().where(CustomerProfile.customer_account_id == customer_account_id)
        return self.session.scalars(statement).first()


class CustomerNoteRepository(TenantRepository[CustomerNote]):
    """Admins' notes on customer accounts, each with its author's email (empty once the user is gone)."""

    model = CustomerNote

    def _joined(self) -> Any:
        # The author is joined within the note's own tenant, so a note never shows another tenant's user.
        author = and_(User.id == CustomerNote.author_user_id, User.tenant_id == CustomerNote.tenant_id)
        return self.select().add_columns(User.email).outerjoin(User, author)

    def _with_authors(self, customer_account_id: int) -> Any:
        return self._joined().where(CustomerNote.customer_account_id == customer_account_id)

    def page_with_authors(
        self, customer_account_id: int, *, limit: int, starting_after: int | None = None
    ) -> Page[tuple[CustomerNote, str]]:
        """The account's notes newest first (by id), older than the note `starting_after`."""
        statement = self._with_authors(customer_account_id)
        if starting_after is not None:
            statement = statement.where(CustomerNote.id < starting_after)
        rows = list(self.session.execute(statement.order_by(CustomerNote.id.desc()).limit(limit + 1)))
        found = [(row[0], row[1] or "") for row in rows[:limit]]
        return Page(found, len(rows) > limit)

    def with_author(self, note_id: int) -> tuple[CustomerNote, str] | None:
        row = self.session.execute(self._joined().where(CustomerNote.id == note_id)).first()
        return (row[0], row[1] or "") if row else None

    def all_with_authors(self, customer_account_id: int) -> list[tuple[CustomerNote, str]]:
        """Every note of the account, newest first (for the export)."""
        statement = self._with_authors(customer_account_id).order_by(CustomerNote.id.desc())
        return [(row[0], row[1] or "") for row in self.session.execute(statement)]


def next_customer_number(accounts: CustomerAccountRepository) -> str:
    """The next free `C-1xxxx` number of the tenant (the unique constraint guards a race)."""
    candidate = 10001 + accounts.count()
    while accounts.by_number(f"C-{candidate}") is not None:
        candidate += 1
    return f"C-{candidate}"
