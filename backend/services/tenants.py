"""Creating tenants and their admins, and finding the tenant a request belongs to."""

from __future__ import annotations

import re

from sqlmodel import Session

from backend.models import Tenant, User, UserRole
from backend.money import check_currency
from backend.repositories.base import TenantScope
from backend.repositories.tenancy import TenantDirectory, UserRepository
from backend.services.errors import NotFoundError, ValidationFailed
from backend.services.passwords import check_password_strength, hash_password
from backend.settings import Settings

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_tenant(
    session: Session, *, slug: str, name: str, settings: Settings, currency: str = "EUR"
) -> Tenant:
    """A new tenant with the deployment's issuer data; slugs are unique, lowercase and URL-safe."""
    if not _SLUG.match(slug):
        raise ValidationFailed("Slug must be 1-64 lowercase letters, digits or dashes, e.g. 'acme-hosting'.")
    if not name.strip():
        raise ValidationFailed("Tenant name must not be empty.")
    check_currency(currency)
    directory = TenantDirectory(session)
    if directory.by_slug(slug) is not None:
        raise ValidationFailed(f"A tenant with slug {slug!r} already exists.")
    return directory.add(
        Tenant(
            slug=slug,
            name=name.strip(),
            default_currency=currency,
            time_zone=settings.time_zone,
            frontend_url=settings.public_url,
            issuer_legal_name=settings.issuer_name,
            issuer_address=settings.issuer_address,
            issuer_country=settings.issuer_country,
            issuer_vat_id=settings.issuer_vat_id,
            issuer_iban=settings.issuer_iban,
            issuer_bic=settings.issuer_bic,
            issuer_email=settings.issuer_email,
        )
    )


def scope_for_slug(session: Session, slug: str) -> TenantScope:
    tenant = TenantDirectory(session).by_slug(slug)
    if tenant is None or tenant.id is None:
        raise NotFoundError(f"No tenant with slug {slug!r}. Create it with `billing-console create-tenant`.")
    return TenantScope(tenant.id)


def normalise_email(email: str) -> str:
    """Emails are compared lower-case; refuse what cannot be an address."""
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValidationFailed(f"{email!r} is not a valid email address.")
    return email


def tenant_slug_for_host(host: str, settings: Settings) -> str:
    """The tenant a request host belongs to (TENANT_HOSTS, with or without port), else the default."""
    host = host.strip().lower()
    mapping = settings.tenant_host_map
    return mapping.get(host) or mapping.get(host.rsplit(":", 1)[0]) or settings.default_tenant_slug


def scope_for_host(session: Session, host: str, settings: Settings) -> TenantScope:
    """Resolve the tenant of a request from its Host header."""
    return scope_for_slug(session, tenant_slug_for_host(host, settings))


def create_user(
    session: Session, scope: TenantScope, *, email: str, password: str, role: UserRole, display_name: str = ""
) -> User:
    """A confirmed user of the tenant; emails are unique per tenant (case-insensitive)."""
    email = normalise_email(email)
    check_password_strength(password, email=email)
    users = UserRepository(session, scope)
    if users.by_email(email) is not None:
        raise ValidationFailed(f"A user with email {email} already exists in this tenant.")
    return users.add(
        User(
            email=email,
            password_hash=hash_password(password),
            role=role,
            display_name=display_name,
            confirmed=True,
        )
    )
