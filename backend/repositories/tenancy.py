"""Tenants (operator level, not scoped), users, customer accounts and profiles (scoped)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select
from sqlmodel import Session

from backend.models import (
    CustomerAccount,
    CustomerMember,
    CustomerProfile,
    Tenant,
    TenantHost,
    User,
    VatIdStatus,
)
from backend.repositories.base import TenantRepository


class TenantDirectory:
    """The list of tenants itself, with their host names: the only repository that is not tenant-scoped.

    Hosts belong here rather than in a tenant-scoped repository: finding the tenant of a host is the
    step that picks the scope, and only the operator (the CLI) manages them, by tenant slug.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_slug(self, slug: str) -> Tenant | None:
        return self.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()

    def by_id(self, tenant_id: int) -> Tenant | None:
        return self.session.get(Tenant, tenant_id)

    def lock(self, tenant_id: int) -> Tenant | None:
        """The tenant row, locked until commit: serialises "is this the tenant's first user?"."""
        return self.session.scalars(select(Tenant).where(Tenant.id == tenant_id).with_for_update()).first()

    def all(self) -> list[Tenant]:
        return list(self.session.scalars(select(Tenant).order_by(Tenant.id)))

    def add(self, tenant: Tenant) -> Tenant:
        self.session.add(tenant)
        self.session.flush()
        return tenant

    def host_owners(self, hosts: list[str]) -> dict[str, int]:
        """Tenant id of each of `hosts` stored with a tenant (hosts are stored in lower case)."""
        if not hosts:
            return {}
        statement = select(TenantHost.host, TenantHost.tenant_id).where(TenantHost.host.in_(hosts))
        return {host: tenant_id for host, tenant_id in self.session.execute(statement)}

    def hosts_of(self, tenant_id: int) -> list[str]:
        statement = select(TenantHost.host).where(TenantHost.tenant_id == tenant_id).order_by(TenantHost.id)
        return list(self.session.scalars(statement))

    def add_host(self, tenant_id: int, host: str) -> None:
        self.session.add(TenantHost(tenant_id=tenant_id, host=host))
        self.session.flush()

    def remove_host(self, tenant_id: int, host: str) -> None:
        statement = delete(TenantHost).where(TenantHost.tenant_id == tenant_id, TenantHost.host == host)
        self.session.execute(statement)
        self.session.flush()


class UserRepository(TenantRepository[User]):
    model = User

    def by_email(self, email: str) -> User | None:
        statement = self.select().where(func.lower(User.email) == email.strip().lower())
        return self.session.scalars(statement).first()


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
