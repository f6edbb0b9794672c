"""The `billing-console` command: help for every sub-command, tenants and admins, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from billing_console.cli import build_parser

COMMANDS = [
    "migrate",
    "seed-demo",
    "run",
    "web",
    "worker",
    "scheduler",
    "create-tenant",
    "tenants",
    "create-admin",
    "simulate",
    "exchange-rates",
]


ACME = ("--country", "DE", "--host", "billing.acme.example")  # what create-tenant needs besides slug and name


def _cli(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "billing_console.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_every_role_and_task_is_a_sub_command() -> None:
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    assert sorted(subparsers.choices) == sorted(COMMANDS)  # type: ignore[arg-type]


@pytest.mark.parametrize("command", COMMANDS)
def test_each_sub_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: billing-console {command}" in capsys.readouterr().out


def test_create_tenant_and_admin_then_sign_in(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert _cli("migrate", env=env).returncode == 0
    created = _cli("create-tenant", "--slug", "acme", "--name", "ACME Hosting", *ACME, env=env)
    assert created.returncode == 0, created.stderr
    assert "Created tenant 'acme'" in created.stdout
    admin = _cli(
        "create-admin",
        "--tenant",
        "acme",
        "--email",
        "Boss@Acme.example",
        "--password-stdin",
        env=env,
        stdin="correct horse battery\n",
    )
    assert admin.returncode == 0, admin.stderr
    assert "Created admin boss@acme.example" in admin.stdout

    from backend.db import make_engine, unit_of_work
    from backend.identity.auth import authenticate
    from backend.tenancy.service import scope_for_slug

    engine = make_engine(env["DATABASE_URL"])
    with unit_of_work(engine) as session:
        user = authenticate(
            session, scope_for_slug(session, "acme"), "boss@acme.example", "correct horse battery"
        )
        assert user.is_admin
    engine.dispose()


def test_bad_input_gets_a_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert _cli("migrate", env=env).returncode == 0
    bad_slug = _cli("create-tenant", "--slug", "Not A Slug", "--name", "X", *ACME, env=env)
    assert bad_slug.returncode == 1
    assert "Slug must be 1-64 lowercase letters" in bad_slug.stderr
    assert _cli("create-tenant", "--slug", "acme", "--name", "ACME", *ACME, env=env).returncode == 0
    duplicate = _cli("create-tenant", "--slug", "acme", "--name", "ACME again", *ACME, env=env)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    weak = _cli(
        "create-admin",
        "--tenant",
        "acme",
        "--email",
        "a@acme.example",
        "--password-stdin",
        env=env,
        stdin="short\n",
    )
    assert weak.returncode == 1 and "at least 10 characters" in weak.stderr
    unknown = _cli(
        "create-admin",
        "--tenant",
        "nope",
        "--email",
        "a@acme.example",
        "--password-stdin",
        env=env,
        stdin="long enough password\n",
    )
    assert unknown.returncode == 1 and "No tenant with slug 'nope'" in unknown.stderr


def test_exchange_rates_are_added_and_listed_per_tenant_and_bad_ones_refused(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert _cli("migrate", env=env).returncode == 0
    assert _cli("create-tenant", "--slug", "acme", "--name", "ACME", *ACME, env=env).returncode == 0
    add = ("exchange-rates", "add", "--tenant", "acme")
    added = _cli(*add, "--currency", "usd", "--valid-from", "2027-03-01", "--rate", "1.0850", env=env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "Added USD 1.085 per EUR from 2027-03-01."
    assert (
        _cli(*add, "--currency", "GBP", "--valid-from", "2027-01-01", "--rate", "0.84", env=env).returncode
        == 0
    )
    again = _cli(*add, "--currency", "USD", "--valid-from", "2027-03-01", "--rate", "1.09", env=env)
    assert again.returncode == 1 and "A USD rate valid from 2027-03-01 already exists (1.085)" in again.stderr
    negative = _cli(*add, "--currency", "USD", "--valid-from", "2027-04-01", "--rate", "-1", env=env)
    assert negative.returncode == 1 and "greater than 0" in negative.stderr
    listed = _cli("exchange-rates", "list", "--tenant", "acme", env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == ["GBP  2027-01-01  0.84", "USD  2027-03-01  1.085"]
    only_usd = _cli("exchange-rates", "list", "--tenant", "acme", "--currency", "USD", env=env)
    assert only_usd.stdout.splitlines() == ["USD  2027-03-01  1.085"]
    other_tenant = ("--country", "AT", "--host", "other.example")
    assert _cli("create-tenant", "--slug", "other", "--name", "Other", *other_tenant, env=env).returncode == 0
    other = _cli("exchange-rates", "list", "--tenant", "other", env=env)
    assert other.stdout.startswith("No exchange rates yet.")


def test_invalid_configuration_stops_with_the_variable_name() -> None:
    result = _cli("migrate", env={"TIME_ZONE": "Nowhere/Land"})
    assert result.returncode == 2
    assert "TIME_ZONE: Value error, unknown time zone 'Nowhere/Land'" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_a_command_the_process_plays_its_role(sqlite_url: str, redis_url: str) -> None:
    """ROLE=worker makes a bare `billing-console` an RQ worker that registers with Redis."""
    from redis import Redis
    from rq import Worker

    env = {"ROLE": "worker", "REDIS_URL": redis_url, "DATABASE_URL": sqlite_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "billing_console.cli"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        connection = Redis.from_url(redis_url)
        for _ in range(100):
            if Worker.all(connection=connection):
                break
            assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
            time.sleep(0.2)
        assert len(Worker.all(connection=connection)) == 1
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_workers_wait_for_the_schema_before_they_start(tmp_path: Path, redis_url: str) -> None:
    """A worker started before the migrations waits; once `migrate` ran, it serves the queues."""
    from redis import Redis
    from rq import Worker

    from backend.migrations import schema_is_current

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'late.db'}", "REDIS_URL": redis_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "billing_console.cli", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    connection = Redis.from_url(redis_url)
    try:
        time.sleep(3)
        assert process.poll() is None
        assert Worker.all(connection=connection) == []
        assert not schema_is_current(env["DATABASE_URL"])
        assert _cli("migrate", env={"DATABASE_URL": env["DATABASE_URL"]}).returncode == 0
        for _ in range(100):
            if Worker.all(connection=connection):
                break
            time.sleep(0.2)
        assert len(Worker.all(connection=connection)) == 1
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert "Waiting for the database migrations" in output


def test_migrate_creates_the_folder_of_a_new_sqlite_file(tmp_path: Path) -> None:
    """A fresh checkout has no var/: `billing-console migrate` must still work on the default URL."""
    target = tmp_path / "not" / "there" / "yet.db"
    result = _cli("migrate", env={"DATABASE_URL": f"sqlite:///{target}"})
    assert result.returncode == 0, result.stderr
    assert target.exists()


def test_simulate_bills_years_of_the_demo_in_seconds(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'sim.db'}"}
    started = "2026-11-21T09:00:00+00:00"
    assert _cli("migrate", env=env).returncode == 0
    seeded = _cli("seed-demo", "--as-of", started, env=env)
    assert seeded.returncode == 0, seeded.stderr
    # Two customers invoiced on the 1st of December 2025 ... November 2026.
    assert "Seeded tenant 'demo' with 24 invoices (as of 2026-11-21 09:00 UTC)." in seeded.stdout
    again_seeded = _cli("seed-demo", "--as-of", "2027-01-01", env=env)
    assert "already exists; nothing changed" in again_seeded.stdout

    result = _cli("simulate", "--tenant", "demo", "--from", started, "--until", "2028-11-21", env=env)
    assert result.returncode == 0, result.stderr
    assert "in 731 ticks" in result.stdout
    assert "invoice_run: 48," in result.stdout  # two customers, one invoice a month for two years
    again = _cli("simulate", "--tenant", "demo", "--from", started, "--until", "2028-11-21", env=env)
    assert "Changed: nothing" in again.stdout

    from sqlalchemy import select

    from backend.db import make_engine, unit_of_work
    from backend.models import Invoice

    engine = make_engine(env["DATABASE_URL"])
    with unit_of_work(engine) as session:
        invoices = list(session.scalars(select(Invoice).order_by(Invoice.issued_at, Invoice.id)))
        numbers = [invoice.number for invoice in invoices]
        december = next(i for i in invoices if i.number == "INV-2026-00024")
        totals = (december.buyer_country, december.net, december.tax, december.gross)
    engine.dispose()
    # Gapless per year in order of issue: 2 in 2025, 22 + 2 in 2026, 24 in 2027, 22 in 2028.
    assert numbers == (
        [f"INV-2025-{n:05d}" for n in (1, 2)]
        + [f"INV-2026-{n:05d}" for n in range(1, 25)]
        + [f"INV-2027-{n:05d}" for n in range(1, 25)]
        + [f"INV-2028-{n:05d}" for n in range(1, 23)]
    )
    # Nordwind on 1 December 2026 (the run at 10:00 in Berlin): the server for November and for
    # December (its period starts at 09:10), 2 x 5.39, the retainer 5 Nov - 5 Dec 49.00 and the
    # yearly hosting's second year 99.00 = 158.78, reverse charge at 0 %.
    assert totals == ("SE", Decimal("158.78"), Decimal(0), Decimal("158.78"))


def test_simulate_refuses_a_date_in_the_past_of_its_start(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'sim.db'}"}
    assert _cli("migrate", env=env).returncode == 0
    assert _cli("seed-demo", "--as-of", "2026-11-21", env=env).returncode == 0
    result = _cli("simulate", "--from", "2027-01-01", "--until", "2026-01-01", env=env)
    assert result.returncode == 1 and "must be after the start" in result.stderr


def test_seed_demo_refuses_a_malformed_date_and_changes_nothing(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'seed.db'}"}
    assert _cli("migrate", env=env).returncode == 0
    result = _cli("seed-demo", "--as-of", "last tuesday", env=env)
    assert result.returncode == 1
    assert "'last tuesday' is not an ISO date such as 2029-01-01." in result.stderr
    missing = _cli("simulate", "--tenant", "demo", "--from", "2027-01-01", "--until", "2027-02-01", env=env)
    assert missing.returncode == 1 and "No tenant with slug 'demo'" in missing.stderr
