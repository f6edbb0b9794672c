"""Customer accounts, their members and billing profiles, scoped to one tenant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select

from backend.kit.pagination import Page
from backend.kit.repository import TenantRepository
from backend.models import (
    CustomerAccount,
    CustomerInvitation,
    CustomerMember,
    CustomerNote,
    CustomerProfile,
    Invoice,
    MemberRole,
    OpenPosition,
    Subscription,
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

    def has_business(self, customer_account_id: int) -> bool:
        """Whether anything was ever ordered, billed or owed on the account (an empty sign-up account
        has none of these)."""
        for model in (Subscription, Invoice, OpenPosition):
            statement = self.scoped(
                select(model.id).where(model.customer_account_id == customer_account_id).limit(1),
                model,
                own_model=False,
            )
            if self.session.scalars(statement).first() is not None:
                return True
        return False

    def user(self, user_id: int) -> User | None:
        """The tenant's user (members are users of the account's tenant)."""
        statement = self.scoped(select(User).where(User.id == user_id), User, own_model=False)
        return self.session.scalars(statement).first()


class CustomerMemberRepository(TenantRepository[CustomerMember]):
    model = CustomerMember

    def of_user(self, user_id: int) -> list[CustomerMember]:
        """The user's memberships, oldest account first."""
        statement = self.select().where(CustomerMember.user_id == user_id)
        return list(self.session.scalars(statement.order_by(CustomerMember.customer_account_id)))

    def of_account(self, customer_account_id: int) -> list[tuple[CustomerMember, User]]:
        """The account's members with their users, owners first, then by since when."""
        statement = self.scoped(
            select(CustomerMember, User)
            .join(User, User.id == CustomerMember.user_id)
            .where(CustomerMember.customer_account_id == customer_account_id)
            .order_by(CustomerMember.created_at, CustomerMember.id),
            CustomerMember,
            User,
        )
        return [(member, user) for member, user in self.session.execute(statement)]

    def membership(self, customer_account_id: int, user_id: int) -> CustomerMember | None:
        statement = self.select().where(
            CustomerMember.customer_account_id == customer_account_id, CustomerMember.user_id == user_id
        )
        return self.session.scalars(statement).first()

    def count_owners(self, customer_account_id: int) -> int:
        statement = self.select().where(
            CustomerMember.customer_account_id == customer_account_id, CustomerMember.role == MemberRole.OWNER
        )
        return len(list(self.session.scalars(statement)))


class CustomerInvitationRepository(TenantRepository[CustomerInvitation]):
    model = CustomerInvitation

    def by_token_hash(self, token_hash: str) -> CustomerInvitation | None:
        return self.session.scalars(self.select().where(CustomerInvitation.token_hash == token_hash)).first()

    def pending(self, customer_account_id: int, now: datetime) -> list[CustomerInvitation]:
        """Invitations neither accepted, revoked nor expired, oldest first."""
        statement = self.select().where(
            CustomerInvitation.customer_account_id == customer_account_id,
            CustomerInvitation.accepted_at.is_(None),  # type: ignore[union-attr]
            CustomerInvitation.revoked_at.is_(None),  # type: ignore[union-attr]
            CustomerInvitation.expires_at > now,
        )
        return list(self.session.scalars(statement.order_by(CustomerInvitation.id)))


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
