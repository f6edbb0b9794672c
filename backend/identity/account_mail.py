"""What the account flows email: messages branded with the tenant's name and address, and the
single-use codes they carry (a new code replaces the live ones, so only the newest one works).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from sqlmodel import Session

from backend import clock
from backend.identity.repository import AccountCodeRepository
from backend.integrations.mail import Message
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import AccountCodePurpose, Tenant
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


def kill_live_codes(session: Session, scope: TenantScope, user_id: int, purpose: AccountCodePurpose) -> None:
    """Use up the user's live codes of `purpose`: a new code replaces them."""
    now = clock.now()
    for code in AccountCodeRepository(session, scope).live_for_user(user_id, purpose, now):
        code.used_at = now
        session.add(code)
