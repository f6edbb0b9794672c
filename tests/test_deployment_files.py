"""The Dockerfile and docker-compose.yaml describe a stack the product's CLI can actually run.

No Docker engine is needed: the files are parsed and checked against the CLI's own parser.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
# Services run from the image built from this repository (the others are stock images).
APP_SERVICES = sorted(name for name, service in SERVICES.items() if "build" in service)
CONSOLE_SCRIPT = "billing-console"


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comment lines dropped and continuations joined as Docker does."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full, pending = (pending + stripped).strip(), ""
        if full:
            keyword, _, arguments = full.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _dockerfile(keyword: str) -> list[str]:
    return [arguments for instruction, arguments in _dockerfile_instructions() if instruction == keyword]


def _exec_form(keyword: str) -> list[str]:
    """The last CMD/ENTRYPOINT, which must use the JSON (exec) form so signals reach the process."""
    (*_, arguments) = _dockerfile(keyword)
    value = json.loads(arguments)
    assert isinstance(value, list), f"{keyword} must be a JSON array, not {arguments!r}"
    return value


def _command(service: str) -> list[str]:
    command = SERVICES[service].get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _cli_subcommands() -> set[str]:
    """Sub-commands of the parser behind the console script the image's ENTRYPOINT runs."""
    target = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"][CONSOLE_SCRIPT]
    module_name, _, _function = target.partition(":")
    parser = importlib.import_module(module_name).build_parser()
    (subparsers,) = [
        action
        for action in parser._subparsers._group_actions  # type: ignore[union-attr]
        if isinstance(action, argparse._SubParsersAction)
    ]
    return set(subparsers.choices)


def _published_ports(service: str) -> set[tuple[str, str]]:
    """(published, target) pairs from short ("[ip:]host:container") or long port syntax."""
    pairs = set()
    for port in SERVICES[service].get("ports", []):
        if isinstance(port, dict):
            pairs.add((str(port.get("published", "")), str(port["target"])))
        else:
            *_, published, target = str(port).split(":")
            pairs.add((published, target))
    return pairs


def test_compose_defines_the_whole_stack() -> None:
    assert {"postgres", "redis", "web", "worker", "scheduler", "mailpit"} <= set(SERVICES)
    assert {"web", "worker", "scheduler"} <= set(APP_SERVICES)


def test_postgres_is_version_16_and_reports_health() -> None:
    postgres = SERVICES["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])


def test_redis_is_version_7_and_keeps_queued_jobs_across_restarts() -> None:
    assert SERVICES["redis"]["image"] == "redis:7"
    assert "--appendonly yes" in " ".join(_command("redis"))
    assert any(volume.endswith(":/data") for volume in SERVICES["redis"]["volumes"])


def test_worker_has_no_fixed_name_so_it_can_be_scaled() -> None:
    assert "container_name" not in SERVICES["worker"]


def test_scheduler_runs_exactly_one_replica() -> None:
    assert SERVICES["scheduler"]["deploy"]["replicas"] == 1


def test_web_publishes_port_3000() -> None:
    assert ("3000", "3000") in _published_ports("web")


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_service_waits_for_healthy_postgres_and_redis(service: str) -> None:
    depends_on = SERVICES[service]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_service_is_wired_to_the_stack(service: str) -> None:
    environment = SERVICES[service]["environment"]
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")
    assert environment["ROLE"] == _command(service)[0]
    assert any(str(volume).endswith(":/app/var") for volume in SERVICES[service]["volumes"])


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_command_is_a_cli_subcommand(service: str) -> None:
    command = _command(service)
    assert command, f"{service} must name its role"
    assert command[0] in _cli_subcommands()


def test_dockerfile_default_command_is_a_cli_subcommand() -> None:
    (subcommand, *_) = _exec_form("CMD")
    assert subcommand in _cli_subcommands()


def test_dockerfile_entrypoint_is_the_installed_console_script() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert _exec_form("ENTRYPOINT") == [CONSOLE_SCRIPT]
    assert CONSOLE_SCRIPT in scripts


def test_image_runs_as_non_root_and_exposes_the_web_port() -> None:
    assert _dockerfile("FROM") == ["python:3.11-slim-bookworm"]
    assert _dockerfile("USER")[-1] == "app"
    assert "3000" in " ".join(_dockerfile("EXPOSE")).split()
