"""`billing-console create-tenant` and `billing-console tenants list|show|update`.

Tenants are configured here, not inherited: hosts, public URL (links in emails), issuer identity,
currency and time zone. A refused value names its option and changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from backend.settings import get_settings

if TYPE_CHECKING:  # the CLI imports the backend only for the command it runs
    from backend.tenancy.schemas import TenantView

# Profile fields, their options and help texts (update: each option changes only that field).
PROFILE_OPTIONS = (
    ("name", "display name (emails, pages)"),
    ("public_url", "base of the links in emails, e.g. https://billing.acme.example"
     " (default: the first --host, with PUBLIC_URL's scheme)"),
    ("legal_name", "issuer legal name on invoices (default: --name)"),
    ("address", "issuer postal address on invoices"),
    ("country", "issuer country, an EU member state (two letters, e.g. DE)"),
    ("vat_id", "issuer VAT ID, e.g. DE136695976 (checked against the country)"),
    ("iban", "bank account for transfers (checksum checked)"),
    ("bic", "BIC of that bank"),
    ("email", "issuer contact email on invoices"),
    ("currency", "default currency, ISO 4217 (default EUR)"),
    ("time_zone", "IANA time zone of billing days and periods (default: TIME_ZONE)"),
)  # fmt: skip


def _option(field: str) -> str:
    return "--" + field.replace("_", "-")


def add_tenant_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    create = commands.add_parser(
        "create-tenant",
        help="create a tenant: its hosts, public URL, issuer identity, currency and time zone",
    )
    create.add_argument("--slug", required=True, help="URL-safe identifier, e.g. acme-hosting")
    create.add_argument(
        "--host", action="append", default=[], help="a host name of the tenant, with the port browsers use"
        " if not 80/443, e.g. billing.acme.example (repeatable)",
    )  # fmt: skip
    for field, text in PROFILE_OPTIONS:
        create.add_argument(_option(field), required=field in {"name", "country"}, default=None, help=text)

    tenants = commands.add_parser("tenants", help="list, show or update the tenants and their hosts")
    actions = tenants.add_subparsers(dest="tenants_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="every tenant with its public URL and hosts")
    show = actions.add_parser("show", help="everything configured for one tenant")
    show.add_argument("slug")
    update = actions.add_parser("update", help="change a tenant's hosts or profile (only the options given)")
    update.add_argument("slug")
    update.add_argument("--add-host", action="append", default=[], help="claim a host (repeatable)")
    update.add_argument("--remove-host", action="append", default=[], help="give up a host (repeatable)")
    for field, text in PROFILE_OPTIONS:
        update.add_argument(_option(field), default=None, help=text.split(" (default")[0])


def _refusing_bad_fields(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from backend.tenancy.profile import InvalidTenantField

        try:
            return handler(args)
        except InvalidTenantField as exc:
            option = "--host" if exc.field == "host" else _option(exc.field)
            print(f"billing-console: {option}: {exc.reason}", file=sys.stderr)
            return 1

    return run


@_refusing_bad_fields
def create_tenant_command(args: argparse.Namespace) -> int:
    from backend.db import unit_of_work
    from backend.tenancy.service import add_tenant

    values = {field: getattr(args, field) for field, _ in PROFILE_OPTIONS if getattr(args, field) is not None}
    with unit_of_work() as session:
        tenant = add_tenant(session, slug=args.slug, values=values, hosts=args.host, settings=get_settings())
    print(f"Created tenant {tenant.slug!r}: links open {tenant.public_url}; hosts: {_hosts(tenant)}.")
    return 0


@_refusing_bad_fields
def tenants_command(args: argparse.Namespace) -> int:
    from backend.db import unit_of_work
    from backend.tenancy import service as tenants

    settings = get_settings()
    with unit_of_work() as session:
        if args.tenants_command == "list":
            found = tenants.list_tenants(session)
        elif args.tenants_command == "show":
            found = [tenants.show_tenant(session, args.slug)]
        else:
            changes = {
                field: getattr(args, field)
                for field, _ in PROFILE_OPTIONS
                if getattr(args, field) is not None
            }
            found = [
                tenants.update_tenant(
                    session,
                    args.slug,
                    changes=changes,
                    add_hosts=args.add_host,
                    remove_hosts=args.remove_host,
                    settings=settings,
                )
            ]
            print(f"Updated tenant {args.slug!r}.")
    if args.tenants_command == "list":
        for tenant in found:
            print(f"{tenant.slug:<20} {tenant.name:<28} {tenant.public_url:<36} {_hosts(tenant)}")
        return 0
    print(describe(found[0]))
    return 0


def _hosts(tenant: TenantView) -> str:
    settings = get_settings()
    overridden = [host for host, slug in settings.tenant_host_map.items() if slug == tenant.slug]
    hosts = [*tenant.hosts, *(f"{host} (TENANT_HOSTS)" for host in overridden if host not in tenant.hosts)]
    if tenant.slug == settings.default_tenant_slug:
        hosts.append("any other host (DEFAULT_TENANT_SLUG)")
    return ", ".join(hosts) or "none"


def describe(tenant: TenantView) -> str:
    lines = [("slug", tenant.slug), ("hosts", _hosts(tenant))]
    lines += [(field.replace("_", " "), str(getattr(tenant, field)) or "-") for field, _ in PROFILE_OPTIONS]
    return "\n".join(f"{label:<12} {value}" for label, value in lines)
