"""Customer accounts, their members and billing profiles, scoped to one tenant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from backend.kit.repository import TenantRepository
from backend.models import (
    CustomerAccount,
    CustomerMember,
    CustomerProfile,
    VatIdStatus,
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

    def vat_ids_due_for_check(
        self, *, checked_before: datetime, unreachable_before: datetime, unreachable_source: str, limit: int
    ) -> list[int]:
        """Accounts whose VAT ID was never checked, was checked before `checked_before`, or found
        VIES unreachable before `unreachable_before`; oldest check first."""
        last_checked = CustomerProfile.vat_id_checked_at
        due = or_(
            last_checked.is_(None),
            CustomerProfile.vat_id_status == VatIdStatus.UNCHECKED,
            last_checked <= checked_before,
            and_(
                or_(
                    CustomerProfile.vat_id_status == VatIdStatus.UNREACHABLE,
                    CustomerProfile.vat_id_source == unreachable_source,
                ),
                last_checked <= unreachable_before,
            ),
        )
        statement = (
            self.select()
            .where(CustomerProfile.vat_id != "", due)
            .order_by(last_checked.is_not(None), last_checked, CustomerProfile.id)
            .limit(limit)
        )
        return [profile.customer_account_id for profile in self.session.scalars(statement)]

    def for_accounts(self, customer_account_ids: set[int]) -> dict[int, CustomerProfile]:
        if not customer_account_ids:
            return {}
        statement = self.select().where(CustomerProfile.customer_account_id.in_(sorted(customer_account_ids)))
        return {profile.customer_account_id: profile for profile in self.session.scalars(statement)}

    def for_account(self, customer_account_id: int) -> CustomerProfile | None:
        statement = self.select().where(CustomerProfile.customer_account_id == customer_account_id)
        return self.session.scalars(statement).first()


def next_customer_number(accounts: CustomerAccountRepository) -> str:
    """The next free `C-1xxxx` number of the tenant (the unique constraint guards a race)."""
    candidate = 10001 + accounts.count()
    while accounts.by_number(f"C-{candidate}") is not None:
        candidate += 1
    return f"C-{candidate}"
