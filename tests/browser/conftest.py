"""The console as `make run` starts it, on a free port, driven by the system Chromium.

Its processes share a frozen clock at `DEMO_AS_OF` (see clock_hook/sitecustomize.py): the demo is
seeded at that moment, the same one the other demo tests use, so the pages show figures worked out
by hand from the engine's documents, whatever the real date.

Card payments go to the fake Stripe server of the tests (`stripe_fake`, tests/fakes/stripe_server.py)
as the deployment's Stripe account: the console's STRIPE_* settings point at it, and it delivers its
signed events to the console's /api/webhooks/stripe (at once; a test may hold them back with
`delivery = "manual"` and `deliver_all()`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.conftest import DEMO_AS_OF, require_service
from tests.fakes.stripe_server import FakeStripe

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 900  # the first production build installs the frontend packages
CLOCK_HOOK = Path(__file__).parent / "clock_hook"
API_CLIENT_ORIGIN = "https://api-client.example"
STRIPE_KEY = "sk_test_console"
STRIPE_WEBHOOK_SECRET = "whsec_console_browser_tests"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningConsole:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    @staticmethod
    def database_url_in(home: Path) -> str:
        return f"sqlite:///{home / 'billing.db'}"

    @property
    def database_url(self) -> str:
        return self.database_url_in(self.log.parent)

    @property
    def mail_dir(self) -> Path:
        """The console's file outbox (MAIL_DIR): account emails land here as .eml files."""
        return self.log.parent / "mail"

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _wait_for(url: str, console: RunningConsole) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if console.process.poll() is not None:
            pytest.fail(f"billing-console run exited with {console.process.returncode}:\n{console.tail()}")
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(2)
    pytest.fail(f"the console did not answer {url} within {START_TIMEOUT_S}s:\n{console.tail()}")


def stop_and_collect_survivors(console: RunningConsole) -> list[str]:
    """Ctrl-C the console like a user would; return the processes it started that are still alive."""
    started = psutil.Process(console.process.pid).children(recursive=True)
    console.process.send_signal(signal.SIGINT)
    try:
        console.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(console.process.pid, signal.SIGKILL)
        return ["billing-console run itself did not stop within 60 s"]
    _, alive = psutil.wait_procs(started, timeout=10)
    survivors = [f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in alive if p.is_running()]
    for process in alive:
        process.kill()
    return survivors


@pytest.fixture(scope="session")
def stripe_fake() -> Iterator[FakeStripe]:
    """The deployment's Stripe account as the console sees it; its clock is the console's."""
    with FakeStripe([STRIPE_KEY]) as fake:
        fake.now = lambda: DEMO_AS_OF.timestamp()
        yield fake


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory, stripe_fake: FakeStripe) -> Iterator[RunningConsole]:
    if not Path(CHROMIUM).exists():
        require_service("Chromium is not installed (apt-get install chromium)")
    home = tmp_path_factory.mktemp("console")
    port = _free_port()
    stripe_fake.set_webhook(
        STRIPE_KEY, f"http://127.0.0.1:{port}/api/webhooks/stripe", secret=STRIPE_WEBHOOK_SECRET
    )
    env = {
        **os.environ,
        "DATABASE_URL": RunningConsole.database_url_in(home),
        "REDIS_URL": "",
        "EMBEDDED_REDIS_DIR": str(home / "redis"),
        "MAIL_DIR": str(home / "mail"),
        "DOCUMENT_STORAGE_PATH": str(home / "documents"),  # the invoices' PDFs the console renders
        "EXPORT_STORAGE_PATH": str(home / "exports"),
        "EXPORT_JOB_THRESHOLD_ROWS": "3",  # the export journey's month (4 rows) runs as a job
        "SMTP_HOST": "",
        "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CORS_ALLOWED_ORIGINS": API_CLIENT_ORIGIN,  # a web page allowed to call /api/v1 (test_web_surface)
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(CLOCK_HOOK), os.environ.get("PYTHONPATH", "")])),
        "BILLING_CONSOLE_TEST_NOW": DEMO_AS_OF.isoformat(),
        "STRIPE_SECRET_KEY": STRIPE_KEY,
        "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe_fake.base_url,
    }
    log = home / "console.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "billing_console.cli", "run", "--seed-demo"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = RunningConsole(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_for(f"{running.base_url}/ping", running)
        _wait_for(f"{running.base_url}/login", running)
        yield running
    finally:
        if process.poll() is None:
            survivors = stop_and_collect_survivors(running)
            assert not survivors, f"processes outlived Ctrl-C: {survivors}"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, console: RunningConsole) -> Iterator[object]:
    from playwright.sync_api import expect

    # What a user waits for may take a few seconds on a loaded CI machine (a sign-in's Argon2 check
    # on a cold backend took over 5 s once): assertions wait up to 15 s for the page to show it.
    expect.set_options(timeout=15_000)
    context = browser.new_context(base_url=console.base_url)  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def save_screenshots(page: object, name: str) -> None:
    """Full-page screenshots of what `page` shows at 1280 and 390 px, light and dark (../shared/UI.md),
    under test-results/screenshots/, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size  # type: ignore[attr-defined]
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)  # type: ignore[attr-defined]
            page.wait_for_timeout(300)  # type: ignore[attr-defined]
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)  # type: ignore[attr-defined]
    page.emulate_media(color_scheme="light")  # type: ignore[attr-defined]
    if original:
        page.set_viewport_size(original)  # type: ignore[attr-defined]
