"""The tenant's brand in every email: its name, and links to its own console address.

Read by the mail domain (backend/mail), which renders every email (account mails, invitations,
invoices, reminders), so every email a customer gets reads and links the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import Tenant
from backend.settings import Settings


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    base_url: str


def brand(session: Session, scope: TenantScope, settings: Settings) -> Brand:
    """The tenant's name and console address (its own host, else the deployment's public URL)."""
    tenant: Tenant | None = TenantDirectory(session).by_id(scope.tenant_id)
    name = tenant.name if tenant else "Billing Console"
    base_url = (tenant.frontend_url if tenant and tenant.frontend_url else settings.public_url).rstrip("/")
    return Brand(name=name, base_url=base_url)
