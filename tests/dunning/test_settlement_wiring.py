"""A process that serves dunning has its `settle` registered with invoicing without importing the
scheduler: the API app alone, the page's gateway alone, the settings alone. Checked in a fresh
interpreter, since this test suite imports every module anyway."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["backend.api.app", "backend.gateway.dunning", "backend.dunning.settings"])
def test_importing_an_entry_point_registers_the_reversal(module: str) -> None:
    code = (
        f"import {module}\nfrom backend.invoicing import settlement\nprint(sorted(settlement._listeners))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['dunning']"


def test_without_dunning_invoicing_has_no_listener() -> None:
    """The control: invoicing alone registers nothing (so the check above can fail)."""
    code = "from backend.invoicing import service, settlement\nprint(sorted(settlement._listeners))\n"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
