"""Tenants are configured, not inherited: hosts in the database, their own public URL and identity.

A request's tenant: TENANT_HOSTS first, then the stored hosts, else DEFAULT_TENANT_SLUG. Every bad
value is refused naming its field, and leaves the database as it was. Runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend.identity import passwords, registration
from backend.integrations.mail import MailBatch
from backend.kit.errors import NotFoundError
from backend.kit.tenants import TenantDirectory
from backend.models import Tenant, TenantHost
from backend.settings import Settings, load_settings
from backend.tenancy.service import (
    InvalidTenantField,
    add_tenant,
    create_tenant,
    list_tenants,
    scope_for_host,
    show_tenant,
    update_tenant,
)

# The deployment's own values: a tenant made with `add_tenant` must show none of them.
DEPLOYMENT = load_settings(
    public_url="https://console.operator.example",
    issuer_name="Operator GmbH",
    issuer_address="Operatorweg 1, Berlin",
    issuer_email="billing@operator.example",
)


@pytest.fixture
def sfx() -> str:
    """Hosts are unique across the shared test databases: every test names its own."""
    return uuid.uuid4().hex[:8]


def _alpha(session: Session, sfx: str, settings: Settings = DEPLOYMENT, **values: Any) -> Any:
    return add_tenant(
        session,
        slug=f"alpha-{sfx}",
        values={"name": "Alpha Hosting", "country": "DE", **values},
        hosts=[f"Alpha-{sfx}.example:8443", f"alpha-{sfx}.example"],
        settings=settings,
    )


def _counts(session: Session) -> tuple[int, int, list[Any]]:
    tenants = session.scalar(select(func.count()).select_from(Tenant))
    hosts = session.scalar(select(func.count()).select_from(TenantHost))
    return (
        tenants or 0,
        hosts or 0,
        [t.model_dump() for t in session.scalars(select(Tenant).order_by(Tenant.id))],
    )


def test_a_new_tenant_is_configured_not_inherited(session: Session, sfx: str) -> None:
    alpha = _alpha(session, sfx)
    assert alpha.hosts == [f"alpha-{sfx}.example:8443", f"alpha-{sfx}.example"]  # lower case, in order
    assert alpha.public_url == f"https://alpha-{sfx}.example:8443"  # first host, PUBLIC_URL's scheme
    assert (alpha.legal_name, alpha.address, alpha.email, alpha.iban, alpha.vat_id) == (
        "Alpha Hosting",
        "",
        "",
        "",
        "",
    )
    assert (alpha.currency, alpha.time_zone) == ("EUR", DEPLOYMENT.time_zone)
    full = add_tenant(
        session,
        slug=f"full-{sfx}",
        values={
            "name": "Full",
            "public_url": f"HTTPS://Full-{sfx}.example/",
            "legal_name": "Full Hosting GmbH",
            "address": "Hauptstrasse 2, Wien",
            "country": "at",
            "vat_id": "ATU 13585627",
            "iban": "AT61 1904 3002 3457 3201",
            "bic": "bkauatww",
            "email": "Billing@Full.example",
            "currency": "usd",
            "time_zone": "Europe/Vienna",
        },
        hosts=[f"full-{sfx}.example"],
        settings=DEPLOYMENT,
    )
    assert show_tenant(session, f"full-{sfx}") == full
    assert (full.public_url, full.country, full.vat_id, full.iban, full.bic, full.email, full.currency) == (
        f"https://full-{sfx}.example",
        "AT",
        "ATU13585627",
        "AT611904300234573201",
        "BKAUATWW",
        "billing@full.example",
        "USD",
    )
    assert {t.slug for t in list_tenants(session)} >= {f"alpha-{sfx}", f"full-{sfx}"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iban", "DE89370400440532013001", "wrong checksum"),
        ("email", "billing-at-alpha", "not a valid email address"),
        ("time_zone", "Europe/Atlantis", "unknown time zone"),
        ("currency", "EURO", "Unknown currency"),
        ("public_url", "ftp://alpha.example", "must be an http:// or https:// URL"),
        ("public_url", "https://alpha.example/billing", "scheme, host and port only"),
        ("country", "US", "not an EU member state"),
        ("vat_id", "DE123456789", "wrong checksum"),
        ("vat_id", "ATU13585627", "not of the issuer country DE"),
        ("bic", "COBADE", "not a valid BIC"),
        ("legal_name", "x" * 201, "1 to 200 characters"),
    ],
)
def test_bad_values_are_refused_naming_the_field_and_change_nothing(
    session: Session, sfx: str, field: str, value: str, message: str
) -> None:
    before = _counts(session)
    with pytest.raises(InvalidTenantField, match=message) as refused:
        _alpha(session, sfx, **{field: value})
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ")
    assert _counts(session) == before


def _beta(
    session: Session, sfx: str, hosts: list[str], settings: Settings = DEPLOYMENT, **values: Any
) -> Any:
    values = {"name": "Beta", "country": "AT", **values}
    return add_tenant(session, slug=f"beta-{sfx}", values=values, hosts=hosts, settings=settings)


def test_a_host_belongs_to_one_tenant(session: Session, sfx: str) -> None:
    _alpha(session, sfx)
    before = _counts(session)
    taken = f"alpha-{sfx}.example:8443 already belongs to tenant 'alpha-{sfx}'"
    with pytest.raises(InvalidTenantField, match=taken) as refused:
        _beta(session, sfx, [f"beta-{sfx}.example", f"ALPHA-{sfx}.example:8443"])
    assert refused.value.field == "host"
    overridden = load_settings(tenant_hosts=f"beta-{sfx}.example=alpha-{sfx}")
    with pytest.raises(InvalidTenantField, match=r"mapped to tenant .* by TENANT_HOSTS") as refused:
        _beta(session, sfx, [f"beta-{sfx}.example"], overridden)
    assert refused.value.field == "host"
    for bad in ("https://beta.example", "beta.example/x", "beta example", "beta.example:70000"):
        with pytest.raises(InvalidTenantField) as refused:
            _beta(session, sfx, [bad])
        assert refused.value.field == "host", bad
    assert _counts(session) == before  # refused before anything was written


def test_links_must_open_the_tenant_itself(session: Session, sfx: str) -> None:
    """A public URL that leads to another tenant (or the default) would send its users there."""
    _alpha(session, sfx)
    before = _counts(session)
    elsewhere = f"alpha-{sfx}.example is not a host of tenant 'beta-{sfx}'"
    with pytest.raises(InvalidTenantField, match=elsewhere) as refused:
        _beta(session, sfx, [f"beta-{sfx}.example"], public_url=f"http://alpha-{sfx}.example")
    assert refused.value.field == "public_url"
    with pytest.raises(InvalidTenantField, match=r"console\.operator\.example is not a host") as refused:
        _beta(session, sfx, [])  # no host: the default is PUBLIC_URL, which opens the default tenant
    assert refused.value.field == "public_url"
    assert _counts(session) == before
    # The default tenant gets every host nobody claims, PUBLIC_URL's too.
    default = load_settings(public_url="https://console.operator.example", default_tenant_slug=f"beta-{sfx}")
    main = _beta(session, sfx, [], default)
    assert main.public_url == "https://console.operator.example" and main.hosts == []


def test_the_request_host_picks_the_tenant_override_then_stored_hosts_then_the_default(
    session: Session, sfx: str
) -> None:
    settings = load_settings(default_tenant_slug=f"main-{sfx}")
    main = tenant_id_of(session, create_tenant(session, slug=f"main-{sfx}", name="Main", settings=settings))
    alpha = tenant_id_of(session, _alpha(session, sfx))
    beta = tenant_id_of(session, _beta(session, sfx, [f"beta-{sfx}.example"], settings))
    assert scope_for_host(session, f"ALPHA-{sfx}.example:8443", settings).tenant_id == alpha
    assert scope_for_host(session, f"alpha-{sfx}.example:9000", settings).tenant_id == alpha  # the bare host
    assert scope_for_host(session, f"beta-{sfx}.example", settings).tenant_id == beta
    assert scope_for_host(session, f"beta-{sfx}.example:8443", settings).tenant_id == beta
    assert scope_for_host(session, "unknown.example", settings).tenant_id == main
    assert scope_for_host(session, "", settings).tenant_id == main
    override = load_settings(
        default_tenant_slug=f"main-{sfx}", tenant_hosts=f"alpha-{sfx}.example=beta-{sfx}"
    )
    assert scope_for_host(session, f"alpha-{sfx}.example:9000", override).tenant_id == beta  # env wins
    missing_default = load_settings(default_tenant_slug=f"gone-{sfx}")
    with pytest.raises(NotFoundError):
        scope_for_host(session, "unknown.example", missing_default)


def tenant_id_of(session: Session, tenant: Any) -> int:
    found = TenantDirectory(session).by_slug(tenant.slug)
    assert found is not None and found.id is not None
    return found.id


def test_update_changes_hosts_and_fields_and_refuses_bad_values(session: Session, sfx: str) -> None:
    slug = f"alpha-{sfx}"
    _alpha(session, sfx)
    updated = update_tenant(
        session,
        slug,
        changes={
            "name": "Alpha Cloud",
            "email": "Billing@Alpha.example",
            "iban": "DE89 3704 0044 0532 0130 00",
        },
        add_hosts=[f"console.alpha-{sfx}.example"],
        remove_hosts=[f"ALPHA-{sfx}.example"],
        settings=DEPLOYMENT,
    )
    assert updated.hosts == [f"alpha-{sfx}.example:8443", f"console.alpha-{sfx}.example"]
    assert (updated.name, updated.email, updated.iban) == (
        "Alpha Cloud",
        "billing@alpha.example",
        "DE89370400440532013000",
    )
    assert updated.legal_name == "Alpha Hosting"  # not given: unchanged
    before = _counts(session)
    refusals = [
        ({"changes": {"time_zone": "Mars/Olympus"}}, "time_zone"),
        ({"changes": {"country": "XX"}}, "country"),
        ({"remove_hosts": ["nope.example"]}, "host"),
        ({"remove_hosts": [f"alpha-{sfx}.example:8443"]}, "public_url"),  # the links' host
        ({"changes": {"public_url": "https://elsewhere.example"}}, "public_url"),
        ({"changes": {"name": "Ok"}, "add_hosts": ["bad host"]}, "host"),
    ]
    for kwargs, field in refusals:
        with pytest.raises(InvalidTenantField) as refused:
            update_tenant(session, slug, settings=DEPLOYMENT, **{"changes": {}, **kwargs})
        assert refused.value.field == field, kwargs
        assert _counts(session) == before, kwargs
    with pytest.raises(NotFoundError):
        update_tenant(session, f"nobody-{sfx}", changes={"name": "x"}, settings=DEPLOYMENT)


def test_update_leaves_values_it_was_not_asked_to_change_unchecked(session: Session, sfx: str) -> None:
    """A tenant made before these rules (the demo: DE123456789 is no valid VAT ID) can still be renamed."""
    settings = load_settings(default_tenant_slug=f"old-{sfx}")
    create_tenant(session, slug=f"old-{sfx}", name="Old", settings=settings)
    renamed = update_tenant(session, f"old-{sfx}", changes={"name": "Renamed"}, settings=settings)
    assert (renamed.name, renamed.vat_id) == ("Renamed", settings.issuer_vat_id)
    with pytest.raises(
        InvalidTenantField, match="wrong checksum"
    ):  # …but a country change re-checks the VAT ID
        update_tenant(session, f"old-{sfx}", changes={"country": "DE"}, settings=settings)


def test_confirm_and_reset_links_open_the_tenants_own_host(session: Session, sfx: str) -> None:
    """Before, every tenant copied PUBLIC_URL, so its links opened the default tenant."""
    add_tenant(
        session,
        slug=f"alpha-{sfx}",
        values={
            "name": "Alpha Hosting",
            "country": "DE",
            "public_url": f"https://billing.alpha-{sfx}.example",
        },
        hosts=[f"alpha-{sfx}.example", f"billing.alpha-{sfx}.example"],
        settings=DEPLOYMENT,
    )
    scope = scope_for_host(session, f"alpha-{sfx}.example", DEPLOYMENT)
    mail = MailBatch()
    email = f"new-{sfx}@example.com"
    registration.register(
        session, scope, DEPLOYMENT, mail, email=email, password="Alpha-pass-2027", name="Ann"
    )
    registration.register(
        session, scope, DEPLOYMENT, mail, email=f"second-{email}", password="Alpha-pass-2027", name="Bo"
    )
    passwords.request_password_reset(session, scope, DEPLOYMENT, mail, email=email)
    links = [line for message in mail.messages for line in message.text.splitlines() if "://" in line]
    assert [link.split("?")[0] for link in links] == [
        f"https://billing.alpha-{sfx}.example/confirm-email",
        f"https://billing.alpha-{sfx}.example/confirm-email",
        f"https://billing.alpha-{sfx}.example/reset-password",
    ]
    assert all(message.subject.startswith("Alpha Hosting: ") for message in mail.messages)
    assert not any("operator.example" in message.text + message.html for message in mail.messages)
