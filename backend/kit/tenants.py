"""The tenants themselves and their hostnames: the one directory that is not tenant-scoped.

Every domain reads its tenant's row (settings, time zone, currency) here; finding the tenant of a
host is the step that picks the scope (`TenantScope`), so it lives in the kit beside it.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlmodel import Session

from backend.models import (
    Tenant,
    TenantHost,
)


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
