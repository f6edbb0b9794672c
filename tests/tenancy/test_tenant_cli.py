"""`billing-console create-tenant` and `tenants list|show|update`: a refusal names the option.

The rules themselves are tried in tests/tenancy/test_hosts.py; these run the real command.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.console.test_cli import _cli

SETTINGS = {
    "PUBLIC_URL": "https://console.operator.example",
    "TENANT_HOSTS": "legacy.acme.example=acme",
    "DEFAULT_TENANT_SLUG": "main",
}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("cli") / "migrated.db"
    assert _cli("migrate", env={**SETTINGS, "DATABASE_URL": f"sqlite:///{database}"}).returncode == 0
    return database


@pytest.fixture
def env(migrated: Path, tmp_path: Path) -> dict[str, str]:
    """A fresh migrated database per test (a copy: migrating takes seconds)."""
    database = tmp_path / "cli.db"
    shutil.copy(migrated, database)
    return {**SETTINGS, "DATABASE_URL": f"sqlite:///{database}"}


def test_create_list_show_and_update(env: dict[str, str]) -> None:
    created = _cli(
        "create-tenant", "--slug", "acme", "--name", "ACME Hosting", "--country", "AT",
        "--host", "Billing.ACME.example", "--host", "console.acme.example:8443",
        "--vat-id", "ATU13585627", "--iban", "AT611904300234573201", "--email", "billing@acme.example",
        "--currency", "USD", "--time-zone", "Europe/Vienna", env=env,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == (
        "Created tenant 'acme': links open https://billing.acme.example; hosts: billing.acme.example,"
        " console.acme.example:8443, legacy.acme.example (TENANT_HOSTS)."
    )
    assert (
        _cli("create-tenant", "--slug", "main", "--name", "Main", "--country", "DE", env=env).returncode == 0
    )

    listed = _cli("tenants", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["acme", "main"]
    assert "any other host (DEFAULT_TENANT_SLUG)" in listed.stdout.splitlines()[1]

    shown = _cli("tenants", "show", "acme", env=env).stdout.splitlines()
    assert "public url   https://billing.acme.example" in shown
    assert "vat id       ATU13585627" in shown and "iban         AT611904300234573201" in shown
    assert "legal name   ACME Hosting" in shown and "time zone    Europe/Vienna" in shown

    updated = _cli(
        "tenants", "update", "acme", "--add-host", "acme.example",
        "--remove-host", "console.acme.example:8443",
        "--public-url", "https://acme.example", "--legal-name", "ACME Hosting GmbH", env=env,
    )  # fmt: skip
    assert updated.returncode == 0, updated.stderr
    assert (
        "hosts        billing.acme.example, acme.example, legacy.acme.example (TENANT_HOSTS)"
        in updated.stdout
    )
    assert "public url   https://acme.example" in updated.stdout
    assert "legal name   ACME Hosting GmbH" in updated.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ("--iban", "AT611904300234573202"),
            "--iban: 'AT611904300234573202' is not a valid IBAN: wrong checksum",
        ),
        (("--email", "billing(at)acme"), "--email: 'billing(at)acme' is not a valid email address."),
        (("--time-zone", "Vienna"), "--time-zone: unknown time zone 'Vienna'"),
        (("--currency", "ATS"), "--currency: Unknown currency 'ATS'"),
        (("--public-url", "billing.acme.example"), "--public-url: 'billing.acme.example' must be an http://"),
        (
            ("--host", "legacy.acme.example", "--slug", "other"),
            "--host: legacy.acme.example is mapped to tenant",
        ),
        (("--host", "https://acme.example/"), "--host: 'https://acme.example/': write the host name only"),
    ],
)
def test_bad_values_name_the_option(env: dict[str, str], arguments: tuple[str, ...], message: str) -> None:
    slug = ("--slug", "acme") if "--slug" not in arguments else ()
    base = ("create-tenant", *slug, "--name", "ACME", "--country", "AT")
    refused = _cli(
        *base, *(arguments if "--host" in arguments else ("--host", "acme.example", *arguments)), env=env
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"billing-console: {message}"), refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_host_of_another_tenant_and_an_unknown_tenant_are_refused(env: dict[str, str]) -> None:
    base = ("--name", "X", "--country", "DE")
    assert _cli("create-tenant", "--slug", "acme", *base, "--host", "acme.example", env=env).returncode == 0
    taken = _cli("create-tenant", "--slug", "beta", *base, "--host", "ACME.example", env=env)
    assert taken.returncode == 1 and "--host: acme.example already belongs to tenant 'acme'" in taken.stderr
    unknown = _cli("tenants", "update", "nobody", "--name", "Y", env=env)
    assert unknown.returncode == 1 and "No tenant with slug 'nobody'" in unknown.stderr
    away = _cli("tenants", "update", "acme", "--remove-host", "acme.example", env=env)
    assert away.returncode == 1 and away.stderr.startswith("billing-console: --public-url: links would open")
    assert "acme.example" in _cli("tenants", "show", "acme", env=env).stdout  # unchanged
