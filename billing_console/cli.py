"""`billing-console`: the product's command, one sub-command per task or process role.

This module is a composition root: it wires the backend to the job roles and to the Reflex app.
It imports neither Reflex nor the UI at module level, so worker and scheduler processes stay lean.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backend.migrations import migrate_database, schema_is_current
from backend.settings import PROJECT_ROOT, SettingsError, get_settings
from billing_console.cli_tenants import add_tenant_commands, create_tenant_command, tenants_command

BUN_DIR = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="billing-console",
        description="Billing Console: self-hosted billing and provisioning. Configuration comes from the "
        "environment and .env (see .env.example).",
    )
    # Without a COMMAND the process plays the role named by ROLE (all, web, worker or scheduler).
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("migrate", help="apply database migrations (alembic upgrade head)")

    seed = commands.add_parser(
        "seed-demo",
        help="create the demo tenant, users, catalog and a year of billing up to now (once; then a no-op)",
    )
    seed.add_argument(
        "--as-of",
        default=None,
        help="the demo's 'now', ISO date or time (UTC unless it has an offset); default: the current time",
    )

    run = commands.add_parser(
        "run", help="everything in one command: migrations, web, worker and scheduler (local use)"
    )
    run.add_argument("--seed-demo", action="store_true", help="seed the demo data first (once)")
    run.add_argument("--workers", type=int, default=1, help="number of worker processes (default 1)")
    run.add_argument("--dev", action="store_true", help="Reflex dev mode (hot reload) instead of prod")

    web = commands.add_parser("web", help="the web role: pages, websocket and /api on one port")
    web.add_argument("--no-migrate", action="store_true", help="skip migrations (the caller ran them)")
    web.add_argument("--dev", action="store_true", help="Reflex dev mode (hot reload) instead of prod")

    worker = commands.add_parser("worker", help="an RQ worker (run any number)")
    worker.add_argument(
        "--queues", default="", help="comma-separated queues (default: all, in priority order)"
    )
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")

    scheduler = commands.add_parser(
        "scheduler", help="rq-scheduler for recurring jobs (exactly one per Redis)"
    )
    scheduler.add_argument("--interval", type=int, default=5, help="seconds between polls (default 5)")
    scheduler.add_argument(
        "--burst", action="store_true", help="register the coordinators, move due jobs once, then exit"
    )

    add_tenant_commands(commands)

    simulate = commands.add_parser(
        "simulate",
        help="move a simulated clock to a date, running the billing coordinators in order (no RQ); "
        "or run a scenario file on a throwaway database (--scenario)",
    )
    simulate.add_argument(
        "--scenario",
        metavar="FILE.json",
        default=None,
        help="run this scenario (docs/scenarios.md) on a throwaway database and print what billing did; "
        "touches neither DATABASE_URL nor Redis",
    )
    simulate.add_argument(
        "--format", choices=("json", "table"), default="json", help="scenario output (default json)"
    )
    simulate.add_argument("--tenant", default=None, help="tenant slug (default: DEFAULT_TENANT_SLUG)")
    simulate.add_argument("--until", default=None, help="end of the simulation, ISO date or time (UTC)")
    simulate.add_argument("--from", dest="start", default=None, help="start (default: now)")
    simulate.add_argument(
        "--step-hours", type=float, default=24, help="clock step between ticks (default 24)"
    )

    admin = commands.add_parser("create-admin", help="create an admin user in a tenant")
    admin.add_argument("--tenant", default=None, help="tenant slug (default: DEFAULT_TENANT_SLUG)")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="", help="display name")
    admin.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input, not a prompt"
    )
    rates = commands.add_parser(
        "exchange-rates", help="the EUR exchange rates a tenant's OSS threshold converts with (add, list)"
    )
    rate_commands = rates.add_subparsers(dest="rates_command", metavar="ACTION", required=True)
    add_rate = rate_commands.add_parser("add", help="add the rate of a currency in force from a day on")
    add_rate.add_argument("--tenant", default=None, help="tenant slug (default: DEFAULT_TENANT_SLUG)")
    add_rate.add_argument("--currency", required=True, help="ISO 4217 code other than EUR, e.g. USD")
    add_rate.add_argument("--valid-from", required=True, help="first day the rate applies, e.g. 2027-01-01")
    add_rate.add_argument("--rate", required=True, help="units of the currency per 1 EUR, e.g. 1.0850")
    list_rates = rate_commands.add_parser("list", help="list the tenant's rates by currency and day")
    list_rates.add_argument("--tenant", default=None, help="tenant slug (default: DEFAULT_TENANT_SLUG)")
    list_rates.add_argument("--currency", default=None, help="only this currency")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"billing-console: {exc}", file=sys.stderr)
        return 2
    if args.command is None:
        role_command = "run" if settings.role == "all" else settings.role
        args = parser.parse_args([role_command])
    handler = {
        "migrate": _migrate,
        "seed-demo": _seed_demo,
        "run": _run_all,
        "web": _web,
        "worker": _worker,
        "scheduler": _scheduler,
        "create-tenant": create_tenant_command,
        "tenants": tenants_command,
        "create-admin": _create_admin,
        "simulate": _simulate,
        "exchange-rates": _exchange_rates,
    }[args.command]
    from backend.kit.errors import DomainError

    try:
        return handler(args)
    except DomainError as exc:
        print(f"billing-console: {exc}", file=sys.stderr)
        return 1


def wait_for_schema(timeout_s: float = 900, poll_s: float = 2) -> None:
    """Workers and the scheduler start beside the web role, which migrates: wait for it, then run."""
    deadline = time.monotonic() + timeout_s
    announced = False
    while not schema_is_current():
        if time.monotonic() > deadline:
            raise SystemExit(
                "billing-console: the database schema did not reach the newest migration in time"
            )
        if not announced:
            print("Waiting for the database migrations (run by the web role or `billing-console migrate`)…")
            announced = True
        time.sleep(poll_s)


def _migrate(_args: argparse.Namespace) -> int:
    migrate_database()
    print("Database is at the latest schema revision.")
    return 0


def _seed_demo(args: argparse.Namespace) -> int:
    from backend import clock
    from backend.db import unit_of_work
    from backend.demo.service import seed_demo

    as_of = _moment(args.as_of) if getattr(args, "as_of", None) else clock.now()
    with clock.frozen(as_of), unit_of_work() as session:
        result = seed_demo(session, get_settings())
    if result.created:
        print(
            f"Seeded tenant {result.tenant_slug!r} with {result.invoices} invoices"
            f" (as of {as_of:%Y-%m-%d %H:%M} UTC)."
        )
    else:
        print(f"Demo tenant {result.tenant_slug!r} already exists; nothing changed.")
    _print_logins()
    return 0


def _print_logins() -> None:
    from backend.demo.service import demo_logins

    print("Demo logins:")
    for role, email, password in demo_logins():
        print(f"  {role:<9} {email:<24} {password}")


def _moment(text: str) -> datetime:
    """An ISO date or time from the command line; without an offset it is UTC."""
    from backend.kit.errors import ValidationFailed

    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed(f"{text!r} is not an ISO date such as 2029-01-01.") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _simulate(args: argparse.Namespace) -> int:
    """Years of billing in seconds: the coordinators of one tenant on a clock that jumps."""
    if args.scenario is not None:
        return _simulate_scenario(args)
    from backend import clock
    from backend.db import unit_of_work
    from backend.kit.errors import ValidationFailed
    from backend.scheduling import simulation
    from backend.tenancy.service import scope_for_slug

    if args.until is None:
        raise ValidationFailed("simulate needs --until (or --scenario FILE.json).")
    if args.step_hours <= 0:
        raise ValidationFailed("--step-hours must be positive.")
    start = _moment(args.start) if args.start else clock.now()
    until = _moment(args.until)
    if until <= start:
        raise ValidationFailed(
            f"--until ({until:%Y-%m-%d %H:%M}) must be after the start ({start:%Y-%m-%d %H:%M})."
        )
    with unit_of_work() as session:
        scope = scope_for_slug(session, args.tenant or get_settings().default_tenant_slug)
    with clock.frozen(start) as frozen:
        report = simulation.advance(
            lambda now: simulation.tick_in_units(unit_of_work, scope, now),
            frozen,
            until,
            step=timedelta(hours=args.step_hours),
        )
    changed = ", ".join(f"{name}: {count}" for name, count in sorted(report.changed.items())) or "nothing"
    span = f"{report.started:%Y-%m-%d %H:%M} → {report.finished:%Y-%m-%d %H:%M} UTC"
    print(f"Simulated {span} in {report.ticks} ticks.")
    print(f"Changed: {changed}")
    return 0


def _simulate_scenario(args: argparse.Namespace) -> int:
    """Run a scenario file on a throwaway database; a malformed file exits with status 2."""
    from backend.demo.scenario import ScenarioError, load_scenario
    from backend.demo.scenario_format import render
    from backend.demo.scenario_runner import ScenarioFailed, run_scenario

    given = {"--tenant": args.tenant, "--until": args.until, "--from": args.start}
    mixed = [flag for flag, value in given.items() if value is not None]
    if mixed:
        print(
            f"billing-console: {mixed[0]} does not go with --scenario (the file says when)", file=sys.stderr
        )
        return 2
    try:
        report = run_scenario(load_scenario(Path(args.scenario)))
    except ScenarioError as exc:
        print(f"billing-console: {args.scenario}:", file=sys.stderr)
        print("\n".join(f"  {line}" for line in str(exc).splitlines()), file=sys.stderr)
        return 2
    except ScenarioFailed as exc:
        print(f"billing-console: the engine failed, please report it: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(render(report, args.format))
    return 0


def _create_admin(args: argparse.Namespace) -> int:
    from backend.db import unit_of_work
    from backend.identity.users import create_user
    from backend.models import UserRole
    from backend.tenancy.service import scope_for_slug

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    with unit_of_work() as session:
        scope = scope_for_slug(session, args.tenant or get_settings().default_tenant_slug)
        user = create_user(
            session, scope, email=args.email, password=password, role=UserRole.ADMIN, display_name=args.name
        )
        print(f"Created admin {user.email} (id {user.id}).")
    return 0


def _exchange_rates(args: argparse.Namespace) -> int:
    """Maintain a tenant's exchange rates; rates are only ever added (see exchange_rates.py)."""
    from backend.audit.service import SYSTEM
    from backend.currency.service import add_exchange_rate, format_rate, list_exchange_rates
    from backend.db import unit_of_work
    from backend.tenancy.service import scope_for_slug

    with unit_of_work() as session:
        scope = scope_for_slug(session, args.tenant or get_settings().default_tenant_slug)
        if args.rates_command == "add":
            rate = add_exchange_rate(
                session,
                scope,
                currency=args.currency,
                valid_from=args.valid_from,
                rate=args.rate,
                actor=SYSTEM,
            )
            print(
                f"Added {rate.currency} {format_rate(rate.rate)} per EUR from {rate.valid_from.isoformat()}."
            )
            return 0
        rates = list_exchange_rates(session, scope, args.currency)
    if not rates:
        print("No exchange rates yet. Add one with `billing-console exchange-rates add`.")
    for rate in rates:
        print(f"{rate.currency}  {rate.valid_from.isoformat()}  {format_rate(rate.rate)}")
    return 0


def reflex_environment() -> dict[str, str]:
    """Environment for `reflex`: bun from .tools when the Makefile installed it (Node too old)."""
    env = dict(os.environ)
    if (BUN_DIR / "bun").exists():
        env["PATH"] = f"{BUN_DIR}{os.pathsep}{env.get('PATH', '')}"
        env["REFLEX_USE_SYSTEM_BUN"] = "1"
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    return env


def _reflex_command(dev: bool) -> list[str]:
    port = str(get_settings().port)
    reflex = shutil.which("reflex", path=str(Path(sys.executable).parent)) or "reflex"
    if dev:
        return [reflex, "run", "--env", "dev", "--frontend-port", port]
    return [reflex, "run", "--env", "prod", "--frontend-port", port, "--backend-port", port]


def _web(args: argparse.Namespace) -> int:
    if not args.no_migrate:
        migrate_database()
    command = _reflex_command(args.dev)
    os.chdir(PROJECT_ROOT)
    os.execvpe(command[0], command, reflex_environment())
    return 0  # not reached: exec replaced this process


def _worker(args: argparse.Namespace) -> int:
    from backend.redis_connection import redis_url
    from jobs.monitoring import bind_rq
    from jobs.queues import QUEUE_NAMES
    from jobs.worker import run_worker

    names = tuple(n.strip() for n in args.queues.split(",") if n.strip()) or QUEUE_NAMES
    wait_for_schema()
    bind_rq(redis_url())  # units may enqueue follow-up work (mail, provisioning) through the port
    run_worker(redis_url(), names, burst=args.burst)
    return 0


def _scheduler(args: argparse.Namespace) -> int:
    from backend.redis_connection import redis_url
    from jobs.scheduler import run_scheduler

    wait_for_schema()
    run_scheduler(redis_url(), interval_seconds=args.interval, burst=args.burst)
    return 0


def _run_all(args: argparse.Namespace) -> int:
    """Start web, workers and scheduler; Ctrl-C or SIGTERM stops every process started here."""
    from backend.redis_connection import ensure_embedded_redis

    settings = get_settings()
    if not settings.redis_url:
        url = ensure_embedded_redis()
        print(f"Embedded Redis at {url}")
    migrate_database()
    if args.seed_demo:
        _seed_demo(args)

    base = [sys.executable, "-m", "billing_console.cli"]
    roles = [("web", [*base, "web", "--no-migrate", *(["--dev"] if args.dev else [])])]
    roles += [(f"worker-{n + 1}", [*base, "worker"]) for n in range(max(args.workers, 0))]
    roles.append(("scheduler", [*base, "scheduler"]))
    supervisor = _Supervisor()
    try:
        for name, command in roles:
            supervisor.start(name, command)
        if _wait_until_serving(settings.port, supervisor):
            print(f"\nBilling Console is running at {settings.public_url}  (Ctrl-C stops everything)")
            if args.seed_demo:
                _print_logins()
        return supervisor.wait()
    finally:
        supervisor.stop_all()


def _wait_until_serving(port: int, supervisor: _Supervisor, timeout: float = 900) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and supervisor.all_running():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2):
                return True
        except OSError:
            time.sleep(1)
    return False


class _Supervisor:
    """Child processes in their own process groups, so stopping reaches their children too."""

    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self._stopping = False
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    def start(self, name: str, command: list[str]) -> None:
        self.children[name] = subprocess.Popen(command, cwd=PROJECT_ROOT, start_new_session=True)

    def all_running(self) -> bool:
        return all(child.poll() is None for child in self.children.values())

    def wait(self) -> int:
        try:
            while True:
                for name, child in self.children.items():
                    code = child.poll()
                    if code is not None:
                        print(
                            f"billing-console: {name} exited with code {code}; stopping the rest",
                            file=sys.stderr,
                        )
                        return code or 1
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nStopping…")
            return 0

    def stop_all(self, grace: float = 20) -> None:
        if self._stopping:
            return
        self._stopping = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for child in self.children.values():
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.children.values():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait()
        for child in self.children.values():
            # Reflex leaves helpers (bun, granian workers) in the group: make sure none outlive us.
            _signal_group(child, signal.SIGKILL)


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)


if __name__ == "__main__":
    sys.exit(main())
