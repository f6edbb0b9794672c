"""Creating and configuring tenants and their admins, and finding the tenant a request belongs to.

A request's tenant comes from its host (`scope_for_host`): TENANT_HOSTS first (an override kept in
the environment), then the hosts stored with the tenants, else DEFAULT_TENANT_SLUG, so a
single-tenant install works on any host without configuring one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlmodel import Session

from backend.kit.errors import NotFoundError, ValidationFailed
from backend.kit.repository import TenantScope
from backend.kit.tenants import TenantDirectory
from backend.models import Tenant
from backend.money import check_currency
from backend.request_origin import clean_host, without_port
from backend.settings import Settings
from backend.tenancy.profile import (
    InvalidTenantField,
    apply_profile,
    changed_profile,
    check_profile,
    normalise_email,
    normalise_host,
    profile_values,
)
from backend.tenancy.schemas import TenantView

__all__ = ["InvalidTenantField", "normalise_email"]  # normalise_email: accounts.py imports it from here

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def _check_new_slug(directory: TenantDirectory, slug: str, name: str) -> None:
    if not _SLUG.match(slug):
        raise ValidationFailed("Slug must be 1-64 lowercase letters, digits or dashes, e.g. 'acme-hosting'.")
    if not name.strip():
        raise ValidationFailed("Tenant name must not be empty.")
    if directory.by_slug(slug) is not None:
        raise ValidationFailed(f"A tenant with slug {slug!r} already exists.")


def create_tenant(
    session: Session, *, slug: str, name: str, settings: Settings, currency: str = "EUR"
) -> Tenant:
    """A tenant with the deployment's own identity (ISSUER_*, PUBLIC_URL, TIME_ZONE): the operating
    tenant, i.e. the demo, and tests. Other tenants are configured with `add_tenant`."""
    directory = TenantDirectory(session)
    _check_new_slug(directory, slug, name)
    check_currency(currency)
    tenant = Tenant(
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
    return directory.add(tenant)


def default_public_url(hosts: Sequence[str], settings: Settings) -> str:
    """Without --public-url: the first host with PUBLIC_URL's scheme (https behind TLS), else PUBLIC_URL."""
    if not hosts:
        return settings.public_url
    return f"{urlsplit(settings.public_url).scheme or 'http'}://{normalise_host(hosts[0])}"


def add_tenant(
    session: Session, *, slug: str, values: dict[str, str], hosts: Sequence[str], settings: Settings
) -> TenantView:
    """A tenant configured by the operator: its hosts and identity, nothing copied from the deployment.

    `values` holds the `TenantProfile` fields; missing `legal_name` is the name, missing
    `public_url` comes from the first host (`default_public_url`), missing `time_zone` is TIME_ZONE.
    """
    directory = TenantDirectory(session)
    _check_new_slug(directory, slug, values.get("name", ""))
    given = {key: value for key, value in values.items() if value is not None}
    given.setdefault("legal_name", given.get("name", ""))
    given.setdefault("time_zone", settings.time_zone)
    if not given.get("public_url"):
        given["public_url"] = default_public_url(hosts, settings)
    profile = check_profile(given)
    claimed = _claimable_hosts(directory, slug, None, hosts, settings)
    _check_links_lead_home(directory, slug, None, profile.public_url, claimed, settings)
    tenant = Tenant(slug=slug, name=profile.name)
    apply_profile(tenant, profile)
    directory.add(tenant)
    for host in claimed:
        directory.add_host(tenant.id or 0, host)
    return _view(directory, tenant)


def update_tenant(
    session: Session,
    slug: str,
    *,
    changes: dict[str, str],
    add_hosts: Sequence[str] = (),
    remove_hosts: Sequence[str] = (),
    settings: Settings,
) -> TenantView:
    """Change a tenant's profile fields and hosts; a bad value is refused and nothing changes."""
    directory = TenantDirectory(session)
    tenant = _tenant(directory, slug)
    profile = changed_profile(tenant, changes)
    current = set(directory.hosts_of(tenant.id or 0))
    removed = [normalise_host(host) for host in remove_hosts]
    for host in removed:
        if host not in current:
            raise InvalidTenantField("host", f"{host!r} is not a host of tenant {slug!r}")
    added = [
        host
        for host in _claimable_hosts(directory, slug, tenant.id, add_hosts, settings)
        if host not in current
    ]
    kept = [host for host in [*current, *added] if host not in removed]
    _check_links_lead_home(directory, slug, tenant.id, profile.public_url, kept, settings)
    apply_profile(tenant, profile)
    for host in removed:
        directory.remove_host(tenant.id or 0, host)
    for host in added:
        directory.add_host(tenant.id or 0, host)
    session.add(tenant)
    session.flush()
    return _view(directory, tenant)


def list_tenants(session: Session) -> list[TenantView]:
    directory = TenantDirectory(session)
    return [_view(directory, tenant) for tenant in directory.all()]


def show_tenant(session: Session, slug: str) -> TenantView:
    directory = TenantDirectory(session)
    return _view(directory, _tenant(directory, slug))


def _tenant(directory: TenantDirectory, slug: str) -> Tenant:
    tenant = directory.by_slug(slug)
    if tenant is None or tenant.id is None:
        raise NotFoundError(f"No tenant with slug {slug!r}. Create it with `billing-console create-tenant`.")
    return tenant


def _view(directory: TenantDirectory, tenant: Tenant) -> TenantView:
    values = profile_values(tenant)
    return TenantView(slug=tenant.slug, hosts=directory.hosts_of(tenant.id or 0), **values)


def _claimable_hosts(
    directory: TenantDirectory, slug: str, tenant_id: int | None, hosts: Sequence[str], settings: Settings
) -> list[str]:
    """`hosts` normalised; a host another tenant has (stored, or in TENANT_HOSTS) is refused."""
    wanted = list(dict.fromkeys(normalise_host(host) for host in hosts))
    owners = directory.host_owners(wanted)
    for host in wanted:
        overridden = settings.tenant_host_map.get(host)
        if overridden and overridden != slug:
            raise InvalidTenantField("host", f"{host} is mapped to tenant {overridden!r} by TENANT_HOSTS")
        owner = owners.get(host)
        if owner is not None and owner != tenant_id:
            other = directory.by_id(owner)
            raise InvalidTenantField(
                "host", f"{host} already belongs to tenant {other.slug if other else owner!r}"
            )
    return wanted


def _check_links_lead_home(
    directory: TenantDirectory,
    slug: str,
    tenant_id: int | None,
    public_url: str,
    own_hosts: list[str],
    settings: Settings,
) -> None:
    """The links in the tenant's emails must open the tenant, not another one (or the default).

    Resolves the URL's host as `scope_for_host` will once the tenant has `own_hosts`, before
    anything is written.
    """
    candidates = _host_candidates(urlsplit(public_url).netloc)
    mapping = settings.tenant_host_map
    owner = next((mapping[host] for host in candidates if host in mapping), None)
    stored = directory.host_owners(candidates)
    for host in candidates if owner is None else ():
        if host in own_hosts:
            owner = slug
        elif stored.get(host) not in (None, tenant_id):
            other = directory.by_id(stored[host])
            owner = other.slug if other else str(stored[host])
        if owner is not None:
            break
    if (owner or settings.default_tenant_slug) != slug:
        raise InvalidTenantField(
            "public_url",
            f"links would open {public_url}, but {candidates[0] if candidates else public_url} is not a host"
            f" of tenant {slug!r}; give the tenant's hosts (--host) or the URL of one of them",
        )


def scope_for_slug(session: Session, slug: str) -> TenantScope:
    tenant = TenantDirectory(session).by_slug(slug)
    if tenant is None or tenant.id is None:
        raise NotFoundError(f"No tenant with slug {slug!r}. Create it with `billing-console create-tenant`.")
    return TenantScope(tenant.id)


def _host_candidates(host: str) -> list[str]:
    """The host as sent, then without its port ("acme.example:8443" also matches "acme.example")."""
    host = clean_host(host)
    return list(dict.fromkeys([host, without_port(host)])) if host else []


def _tenant_id_for_host(session: Session, host: str, settings: Settings) -> int | None:
    """The tenant of `host` from TENANT_HOSTS or the stored hosts; None when neither knows it."""
    candidates = _host_candidates(host)
    mapping = settings.tenant_host_map
    directory = TenantDirectory(session)
    for candidate in candidates:
        if candidate in mapping:
            return scope_for_slug(session, mapping[candidate]).tenant_id
    owners = directory.host_owners(candidates)
    return next((owners[candidate] for candidate in candidates if candidate in owners), None)


def scope_for_host(session: Session, host: str, settings: Settings) -> TenantScope:
    """Resolve the tenant of a request from its host: TENANT_HOSTS, stored hosts, else the default."""
    tenant_id = _tenant_id_for_host(session, host, settings)
    if tenant_id is None:
        return scope_for_slug(session, settings.default_tenant_slug)
    return TenantScope(tenant_id)
