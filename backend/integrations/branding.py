"""Account emails branded with the tenant: its name, and links to its own console address.

Used by the account flows (backend/identity/account_mail.py) and the member invitations
(backend/customers/members.py), so every email a customer gets reads and links the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from sqlmodel import Session

from backend.integrations.mail import Message
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


def account_email(to: str, subject: str, sender: Brand, paragraphs: list[str], link: str = "") -> Message:
    """A plain-text and HTML message signed with the tenant's name; the link on a line of its own."""
    text = "\n\n".join([*paragraphs, *([link] if link else []), f"— {sender.name}"])
    html_parts = [f"<p>{escape(p)}</p>" for p in paragraphs]
    if link:
        html_parts.append(f'<p><a href="{escape(link)}">{escape(link)}</a></p>')
    html_parts.append(f"<p>— {escape(sender.name)}</p>")
    return Message(to=to, subject=f"{sender.name}: {subject}", text=text, html="\n".join(html_parts))
