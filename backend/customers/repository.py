"""Customer accounts, their members and billing profiles, scoped to one tenant."""

from __future__ import annotations

from sqlalchemy import select

from backend.kit.repository import TenantRepository
from backend.models import (
    CustomerAccount,
    CustomerMember,
    CustomerProfile,
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


def next_customer_number(accounts: CustomerAccountRepository) -> str:
    """The next free `C-1xxxx` number of the tenant (the unique constraint guards a race)."""
    candidate = 10001 + accounts.count()
    while accounts.by_number(f"C-{candidate}") is not None:
        candidate += 1
    return f"C-{candidate}"
